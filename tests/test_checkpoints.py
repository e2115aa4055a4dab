"""Interrupted and diverging training: a killed run resumes to the very weights of an uninterrupted one,
Ctrl-C keeps the training state, and a NaN loss stops with the epoch named and the last good checkpoint kept."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.pipeline import make_pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate

from augan import CGAN, GANOversampler, register_loss
from augan.losses import LOSSES, Loss, WassersteinGP, get_loss
from augan.nn.mlp import MLPDiscriminator, MLPGenerator
from augan.train import CHECKPOINT_NAME, Trainer, TrainingConfig, TrainingDivergedError, TrainingTerminated
from augan.train.checkpoints import STATE_KEYS, check_checkpoint_dir

EPOCHS = 12
# max_steps=None: full epochs (2 steps each), whatever the auto budget does with a table's categorical columns.
PARAMS = dict(epochs=EPOCHS, batch_size=32, max_steps=None, noise_dim=4, generator_dims=(8, 8),
              discriminator_dims=(8, 8), device="cpu", random_state=3, checkpoint_every=1)


def _table(n: int = 64) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=n), "k": rng.integers(0, 4, n), "c": rng.choice(["a", "b"], n)})
    return X, np.array([0] * (n - 16) + [1] * 16)


def _assert_same_model(a: CGAN, b: CGAN) -> None:
    for name in ("generator_", "discriminator_"):
        sa, sb = getattr(a, name).state_dict(), getattr(b, name).state_dict()
        assert sa.keys() == sb.keys()
        for key in sa:
            assert torch.equal(sa[key], sb[key]), f"{name}{key} differs"
    assert a.history_ == b.history_
    pd.testing.assert_frame_equal(a.sample(50), b.sample(50))


# A child process trains with a loss that, at one generator step, says "waiting" on stdout and waits for a line on
# stdin: the parent acts (kills it, or signals it) while the child is known to be inside that step, with no sleep.
WAITING_LOSS = textwrap.dedent("""
    import sys
    from augan import register_loss
    from augan.losses import Hinge

    class HingeThatWaits(Hinge):
        name = "hinge"  # hinge's arithmetic, which a resumed fit with loss="hinge" continues (its checkpoint says so)

        def __init__(self):
            self.calls = 0

        def generator_loss(self, fake):
            self.calls += 1
            if self.calls == int(sys.argv[1]):
                print("waiting", flush=True)
                sys.stdin.readline()
            return super().generator_loss(fake)

    register_loss("hinge-that-waits", HingeThatWaits)
""")

CHILD = WAITING_LOSS + textwrap.dedent("""
    import json
    import pandas as pd, torch
    torch.set_num_threads(1)
    from augan import CGAN

    folder = sys.argv[2]
    X, y = pd.read_pickle(f"{folder}/data.pkl")
    params = json.load(open(f"{folder}/params.json"))
    CGAN(**params, loss="hinge-that-waits", checkpoint_dir=f"{folder}/checkpoints").fit(X, y)
    print("finished", flush=True)
""")

CLI_CHILD = WAITING_LOSS + textwrap.dedent("""
    from augan_cli.main import app

    app(prog_name="augan", args=sys.argv[2:])
""")


def _start_waiting_child(script, at_step: int, *args) -> subprocess.Popen:
    """Run ``script`` (which holds WAITING_LOSS) with its loss waiting at generator step ``at_step``; return once
    the child is waiting there."""
    child = subprocess.Popen([sys.executable, str(script), str(at_step), *map(str, args)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "OMP_NUM_THREADS": "1"},
                             # A worker that ignores SIGINT would pass that on; the child must see Ctrl-C.
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    watchdog = threading.Timer(300, child.kill)
    watchdog.start()
    try:
        said = child.stdout.readline().strip()
    finally:
        watchdog.cancel()
    if said != "waiting":
        child.kill()
        raise AssertionError(f"the child did not reach step {at_step}: {said!r} {child.communicate()[1]}")
    return child


@pytest.mark.slow  # a subprocess that imports augan
def test_a_killed_run_resumes_to_the_same_weights_as_an_uninterrupted_run(tmp_path):
    X, y = _table()
    pd.to_pickle((X, y), tmp_path / "data.pkl")
    (tmp_path / "params.json").write_text(json.dumps(PARAMS))
    (tmp_path / "child.py").write_text(CHILD)
    child = _start_waiting_child(tmp_path / "child.py", 3 * 2 + 1, tmp_path)  # 2 steps an epoch: in epoch 4
    child.kill()
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    checkpoint = tmp_path / "checkpoints" / CHECKPOINT_NAME
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 3

    resumed = CGAN(**PARAMS, checkpoint_dir=tmp_path / "checkpoints", resume=True).fit(X, y)
    uninterrupted = CGAN(**PARAMS).fit(X, y)
    assert [row["epoch"] for row in resumed.history_] == list(range(1, EPOCHS + 1))
    _assert_same_model(resumed, uninterrupted)


def test_resuming_a_finished_run_trains_no_further(tmp_path):
    X, y = _table()
    first = CGAN(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    again = CGAN(**PARAMS, checkpoint_dir=tmp_path, resume=True).fit(X, y)
    _assert_same_model(first, again)


def _trainer(callback=None, loss=None, **kwargs) -> Trainer:
    torch.manual_seed(0)
    generator = MLPGenerator(4, 2, (3,), hidden=(8,))
    discriminator = MLPDiscriminator((3,), 2, hidden=(8,))
    config = TrainingConfig(noise_dim=4, epochs=6, batch_size=16, **kwargs)
    return Trainer(generator, discriminator, loss or get_loss("wgan-gp"), config, callback=callback)


class _SignalInGeneratorStep(WassersteinGP):
    """The wgan-gp loss, which sends this process ``signum`` from inside generator step ``at``."""

    def __init__(self, signum: int, at: int) -> None:
        super().__init__()
        self.signum, self.at, self.calls = signum, at, 0

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls == self.at:
            os.kill(os.getpid(), self.signum)
        return super().generator_loss(fake)


def _tensors() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    labels = torch.tensor([0] * 30 + [1] * 10)
    return torch.randn(40, 3, generator=generator) + 2 * labels[:, None], labels


def _interrupt_at(epoch: int):
    def callback(done: int, epochs: int, row: dict) -> None:
        if done == epoch:
            raise KeyboardInterrupt

    return callback


def _assert_resumes_to_the_uninterrupted_weights(checkpoints, data, labels) -> None:
    resumed = _trainer(checkpoint_dir=checkpoints, checkpoint_every=100)
    resumed.fit(data, labels, 2, resume=True)
    straight = _trainer()
    straight.fit(data, labels, 2)
    for a, b in ((resumed.ema, straight.ema), (resumed.discriminator, straight.discriminator)):
        for (key, x), y in zip(a.state_dict().items(), b.state_dict().values()):
            assert torch.equal(x, y), key
    assert resumed.history == straight.history


def test_ctrl_c_saves_a_checkpoint_that_resumes_to_the_uninterrupted_weights(tmp_path):
    data, labels = _tensors()
    interrupted = _trainer(_interrupt_at(2), checkpoint_dir=tmp_path, checkpoint_every=100)
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(data, labels, 2)
    assert torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)["epoch"] == 2

    _assert_resumes_to_the_uninterrupted_weights(tmp_path, data, labels)


# Ctrl-C, and SIGTERM (docker stop, Slurm, Kubernetes), each with Python's own handling of it restored after.
SIGNALS = [(signal.SIGINT, KeyboardInterrupt, signal.default_int_handler),
           (signal.SIGTERM, TrainingTerminated, signal.SIG_DFL)]


@pytest.fixture
def python_signal_handling(request):
    """Python's own handling of the test's signal, as in a terminal: a process started in the background by a
    shell without job control inherits SIGINT ignored, and then no Ctrl-C could arrive (nor does augan act on one)."""
    signum, handler = request.node.callspec.params["signum"], request.node.callspec.params["handler"]
    previous = signal.signal(signum, handler)
    yield
    signal.signal(signum, previous)


@pytest.mark.parametrize(("signum", "exception", "handler"), SIGNALS, ids=["ctrl-c", "sigterm"])
def test_a_signal_inside_a_step_lets_the_step_finish_and_resumes_from_that_step(tmp_path, signum, exception,
                                                                                handler, python_signal_handling):
    data, labels = _tensors()  # 40 rows in batches of 16: 3 steps per epoch
    loss = _SignalInGeneratorStep(signum, at=5)  # second epoch, second step
    interrupted = _trainer(checkpoint_dir=tmp_path, checkpoint_every=100, loss=loss)
    with pytest.raises(exception):
        interrupted.fit(data, labels, 2)
    assert loss.calls == 5
    saved = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    assert (saved["epoch"], saved["epoch_step"], saved["steps"]) == (1, 2, 5)
    assert signal.getsignal(signum) is handler

    _assert_resumes_to_the_uninterrupted_weights(tmp_path, data, labels)


class _NaNFromEpoch3(Loss):
    """Hinge loss that turns NaN in the third epoch (two discriminator steps per epoch on 64 rows)."""

    name = "test-nan-from-epoch-3"

    def __init__(self) -> None:
        self.calls = 0

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        loss = torch.relu(1 - real).mean() + torch.relu(1 + fake).mean()
        return loss * float("nan") if self.calls > 4 else loss

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return -fake.mean()


@pytest.fixture
def nan_loss():
    register_loss(_NaNFromEpoch3.name, _NaNFromEpoch3)
    yield _NaNFromEpoch3.name
    LOSSES.pop(_NaNFromEpoch3.name)


def test_a_registered_loss_is_accepted_by_cgan(nan_loss):
    model = CGAN(**{**PARAMS, "epochs": 2}, loss=nan_loss).fit(*_table())
    assert len(model.history_) == 2


def test_a_nan_loss_stops_with_the_epoch_named_and_keeps_the_last_good_checkpoint(tmp_path, nan_loss):
    model = CGAN(**PARAMS, loss=nan_loss, checkpoint_dir=tmp_path)
    with pytest.raises(TrainingDivergedError, match=r"diverged at epoch 3.*d_loss.*kept in"):
        model.fit(*_table())
    state = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    assert state["epoch"] == 2
    assert all(torch.isfinite(v).all() for v in state["generator"].values() if v.is_floating_point())


def test_divergence_before_any_checkpoint_does_not_claim_one_was_kept(tmp_path, nan_loss):
    model = CGAN(**{**PARAMS, "checkpoint_every": 5}, loss=nan_loss, checkpoint_dir=tmp_path)
    with pytest.raises(TrainingDivergedError, match="epoch 3") as raised:
        model.fit(*_table())
    assert "kept" not in str(raised.value)
    assert not (tmp_path / CHECKPOINT_NAME).exists()


@pytest.fixture
def no_training(monkeypatch):
    monkeypatch.setattr(Trainer, "fit", lambda self, *args, **kwargs: pytest.fail("trained before refusing"))


def test_a_file_of_the_users_in_the_checkpoint_folder_is_refused_before_training(tmp_path, no_training):
    checkpoint = tmp_path / CHECKPOINT_NAME
    checkpoint.write_text("MY OWN PRECIOUS CHECKPOINT")
    with pytest.raises(ValueError) as refused:
        CGAN(**PARAMS, checkpoint_dir=tmp_path).fit(*_table())
    for phrase in ("checkpoint_dir", str(checkpoint), "resume", "another folder", "remove"):
        assert phrase in str(refused.value)
    assert checkpoint.read_text() == "MY OWN PRECIOUS CHECKPOINT"


def test_the_checkpoint_of_an_earlier_run_is_replaced_by_a_run_only_with_resume(tmp_path):
    X, y = _table()
    CGAN(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    saved = (tmp_path / CHECKPOINT_NAME).read_bytes()
    assert torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)["epoch"] == EPOCHS, "replaced every epoch"
    with pytest.raises(ValueError, match=r"already holds .*resume"):
        CGAN(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    assert (tmp_path / CHECKPOINT_NAME).read_bytes() == saved
    CGAN(**{**PARAMS, "epochs": EPOCHS + 1}, checkpoint_dir=tmp_path, resume=True).fit(X, y)
    assert torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)["epoch"] == EPOCHS + 1


def test_a_model_trained_with_checkpoints_loads_whatever_its_checkpoint_folder_holds_now(tmp_path):
    X, y = _table()
    gan = CGAN(**PARAMS, checkpoint_dir=str(tmp_path / "checkpoints")).fit(X, y)
    gan.save(tmp_path / "model.augan")
    pd.testing.assert_frame_equal(CGAN.load(tmp_path / "model.augan").sample(20), gan.sample(20))
    resumed = CGAN(**{**PARAMS, "epochs": EPOCHS + 1}, checkpoint_dir=str(tmp_path / "checkpoints"),
                   resume=True).fit(X, y)
    resumed.save(tmp_path / "resumed.augan")
    for path in (tmp_path / "checkpoints").iterdir():
        path.unlink()
    (tmp_path / "checkpoints").rmdir()
    pd.testing.assert_frame_equal(CGAN.load(tmp_path / "resumed.augan").sample(20), resumed.sample(20))


def test_replace_allows_only_a_checkpoint_augan_wrote(tmp_path):
    _trainer(checkpoint_dir=tmp_path).save_checkpoint()
    check_checkpoint_dir(tmp_path, replace=True)
    with pytest.raises(ValueError, match="already holds"):
        check_checkpoint_dir(tmp_path)
    torch.save({"model": torch.zeros(3), "epoch": 4}, tmp_path / CHECKPOINT_NAME)
    with pytest.raises(ValueError, match="augan did not write"):
        check_checkpoint_dir(tmp_path, replace=True)
    (tmp_path / CHECKPOINT_NAME).write_text("MY OWN PRECIOUS CHECKPOINT")
    with pytest.raises(ValueError, match="augan did not write"):
        check_checkpoint_dir(tmp_path, replace=True)


def test_the_keys_that_recognise_a_checkpoint_are_those_every_training_state_holds():
    assert STATE_KEYS <= _trainer().state_dict().keys()
    assert STATE_KEYS <= _trainer(ema_decay=None).state_dict().keys()


def test_a_damaged_checkpoint_is_refused_on_resume(tmp_path):
    (tmp_path / CHECKPOINT_NAME).write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot be read.*if it is yours, move it away"):
        CGAN(**PARAMS, checkpoint_dir=tmp_path, resume=True).fit(*_table())


def test_a_saved_model_in_place_of_a_checkpoint_is_named_as_not_one(tmp_path):
    X, y = _table()
    CGAN(**{**PARAMS, "epochs": 1}).fit(X, y).save(tmp_path / CHECKPOINT_NAME)
    refused = "is not a training checkpoint: it holds no epoch, opt_d, opt_g .a saved model is not one."
    with pytest.raises(ValueError, match=refused):
        CGAN(**PARAMS, checkpoint_dir=tmp_path, resume=True).fit(X, y)


def test_a_checkpoint_whose_tensor_bytes_are_damaged_is_refused_on_resume(tmp_path, damage_tensor_bytes):
    X, y = _table()
    CGAN(**{**PARAMS, "epochs": 1}, checkpoint_dir=tmp_path).fit(X, y)
    entry = damage_tensor_bytes(tmp_path / CHECKPOINT_NAME)
    path = re.escape(str(tmp_path / CHECKPOINT_NAME))
    with pytest.raises(ValueError, match=rf"the checkpoint {path} is damaged .*{entry}.*delete it"):
        CGAN(**PARAMS, checkpoint_dir=tmp_path, resume=True).fit(X, y)


def test_a_checkpoint_of_another_model_is_refused_on_resume(tmp_path):
    X, y = _table()
    CGAN(**{**PARAMS, "epochs": 1}, checkpoint_dir=tmp_path).fit(X, y)
    with pytest.raises(ValueError, match=r"checkpoint .* does not match this model"):
        CGAN(**{**PARAMS, "generator_dims": (16,)}, checkpoint_dir=tmp_path, resume=True).fit(X, y)


def _swapped(X: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    return X, 1 - y


def _scaled(X: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    return X.assign(x=X["x"] * 1000), y


def _reordered(X: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    return X.rename(columns={"x": "z"}), y


@pytest.mark.parametrize("change", [_swapped, _scaled, _reordered])
def test_resuming_on_other_data_is_refused_not_continued(tmp_path, change):
    # Audit 10: a checkpoint of a fit on one table resumed on another (labels swapped, a column scaled or renamed)
    # carried on silently, or trained no step and returned the first table's networks with the second's codec.
    X, y = _table()
    CGAN(**{**PARAMS, "epochs": 2}, checkpoint_dir=tmp_path).fit(X, y)
    with pytest.raises(ValueError, match=r"checkpoint .* was written by a fit on other training data"):
        CGAN(**{**PARAMS, "epochs": 4}, checkpoint_dir=tmp_path, resume=True).fit(*change(X, y))


@pytest.mark.parametrize(("changed", "said"), [({"generator_lr": 0.5}, "generator_lr 0.0002 now 0.5"),
                                               ({"loss": "wgan-gp"}, "loss 'hinge' now 'wgan-gp'"),
                                               ({"batch_size": 16}, "rows per step 32 now 16")])
def test_resuming_with_other_training_settings_is_refused_naming_them(tmp_path, changed, said):
    X, y = _table()
    CGAN(**{**PARAMS, "epochs": 2}, checkpoint_dir=tmp_path).fit(X, y)
    with pytest.raises(ValueError, match=re.escape(said)):
        CGAN(**{**PARAMS, "epochs": 4, **changed}, checkpoint_dir=tmp_path, resume=True).fit(X, y)


def test_a_resume_may_run_longer_but_not_shorter_than_its_checkpoint(tmp_path):
    X, y = _table()
    CGAN(**{**PARAMS, "epochs": 4}, checkpoint_dir=tmp_path).fit(X, y)
    with pytest.raises(ValueError, match=r"at epoch 4, past the 2 this fit runs: give at least 4 epochs"):
        CGAN(**{**PARAMS, "epochs": 2}, checkpoint_dir=tmp_path, resume=True).fit(X, y)
    longer = CGAN(**{**PARAMS, "epochs": 6}, checkpoint_dir=tmp_path, resume=True).fit(X, y)
    assert [row["epoch"] for row in longer.history_] == list(range(1, 7)) and longer.n_steps_ == 12


def test_cross_validation_with_a_resumed_gan_refuses_the_second_fold(tmp_path):
    # Audit 10: with resume=True every fold after the first resumed the first fold's GAN, trained on rows that the
    # later folds test on, and trained no step of its own.
    X, y = _table(96)
    X = X[["x", "k"]]
    pipeline = make_pipeline(GANOversampler(gan=CGAN(**{**PARAMS, "epochs": 1}, checkpoint_dir=tmp_path, resume=True),
                                            random_state=0), LogisticRegression())
    with pytest.warns(UserWarning, match="holds no checkpoint.pt; training starts from scratch"), \
            pytest.raises(ValueError, match="other training data"):
        cross_validate(pipeline, X, y, cv=3, error_score="raise")


def _signal_in_step(tmp_path, args: list, at_step: int, signum: int) -> tuple[int, str]:
    """Run ``augan *args`` with the loss "hinge-that-waits" waiting in generator step ``at_step``, send it
    ``signum`` there, let the step go on; its exit code and stderr."""
    (tmp_path / "cli_child.py").write_text(CLI_CHILD)
    child = _start_waiting_child(tmp_path / "cli_child.py", at_step, *args, "--loss", "hinge-that-waits")
    try:
        child.send_signal(signum)
        _, stderr = child.communicate("go\n", timeout=120)
    finally:
        child.kill()
    return child.returncode, stderr


@pytest.mark.slow  # a subprocess that imports augan
def test_ctrl_c_on_the_cli_exits_130_and_keeps_the_training_state(tmp_path):
    X, y = _table(200)
    data, out, checkpoints = tmp_path / "data.csv", tmp_path / "synthetic.csv", tmp_path / "checkpoints"
    X.assign(label=y).to_csv(data, index=False)
    args = ["generate", data, "--target", "label", "--n", 5, "--out", out, "--checkpoint-dir", checkpoints,
            "--epochs", 100_000, "--batch-size", 32, "--seed", 0, "--quiet"]  # one step an epoch under max_steps
    returncode, stderr = _signal_in_step(tmp_path, args, 11, signal.SIGINT)  # after the checkpoint of epoch 10
    assert returncode == 130, stderr
    assert stderr.splitlines() == [f"augan: interrupted; training state saved in {checkpoints / CHECKPOINT_NAME} "
                                   f"(run again with --resume to continue)."]
    saved = torch.load(checkpoints / CHECKPOINT_NAME, weights_only=True)
    assert (saved["epoch"], saved["epoch_step"], saved["steps"]) == (10, 1, 11)
    assert not out.exists()
    assert [p.name for p in checkpoints.iterdir()] == [CHECKPOINT_NAME]


def test_a_sigterm_handler_of_the_callers_own_is_left_in_charge(tmp_path):
    data, labels = _tensors()
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        trainer = _trainer(checkpoint_dir=tmp_path, loss=_SignalInGeneratorStep(signal.SIGTERM, at=1))
        trainer.fit(data, labels, 2)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == [signal.SIGTERM] and trainer.epoch == 6


def test_resume_from_a_folder_without_a_checkpoint_says_it_trains_from_scratch(tmp_path):
    X, y = _table()
    with pytest.warns(UserWarning, match=f"holds no {CHECKPOINT_NAME}; training starts from scratch"):
        CGAN(**PARAMS, checkpoint_dir=tmp_path, resume=True).fit(X, y)
    with pytest.raises(FileNotFoundError, match="no checkpoint folder"):
        CGAN(**PARAMS, checkpoint_dir=tmp_path / "mistyped", resume=True).fit(X, y)
    assert not (tmp_path / "mistyped").exists()


def test_a_checkpoint_the_disk_refuses_warns_and_training_still_ends_with_a_model(tmp_path, monkeypatch):
    import augan.storage

    X, y = _table()

    def disk_full(content, handle, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(augan.storage.torch, "save", disk_full)
    with pytest.warns(RuntimeWarning, match=r"could not write .*checkpoint.pt: No space left on device"):
        gan = CGAN(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    assert len(gan.history_) == EPOCHS and len(gan.sample(5)) == 5
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # a subprocess that imports augan
def test_sigterm_on_the_cli_exits_143_keeps_the_training_state_and_resume_continues(tmp_path):
    X, y = _table(200)
    data, out, checkpoints = tmp_path / "data.csv", tmp_path / "synthetic.csv", tmp_path / "checkpoints"
    X.assign(label=y).to_csv(data, index=False)
    args = ["generate", data, "--target", "label", "--n", 5, "--out", out, "--checkpoint-dir", checkpoints,
            "--checkpoint-every", 1, "--batch-size", 32, "--seed", 0, "--quiet",
            "--max-steps", 10**9]  # full epochs of 7 steps, however many epochs
    returncode, stderr = _signal_in_step(tmp_path, [*args, "--epochs", 100_000], 8, signal.SIGTERM)
    assert returncode == 143, stderr
    assert stderr.splitlines() == [f"augan: terminated (SIGTERM); training state saved in "
                                   f"{checkpoints / CHECKPOINT_NAME} (run again with --resume to continue)."]
    saved = torch.load(checkpoints / CHECKPOINT_NAME, weights_only=True)
    assert (saved["epoch"], saved["epoch_step"], saved["steps"]) == (1, 1, 8) and not out.exists()
    command = [sys.executable, "-m", "augan_cli", *args]
    resumed = subprocess.run([str(a) for a in [*command, "--epochs", saved["epoch"] + 1, "--resume"]],
                             capture_output=True, text=True, timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    assert len(pd.read_csv(out)) == 5
    assert torch.load(checkpoints / CHECKPOINT_NAME, weights_only=True)["epoch"] == saved["epoch"] + 1


def test_a_model_trained_with_a_pathlib_checkpoint_dir_saves_and_loads(tmp_path):
    X, y = _table()
    gan = CGAN(**PARAMS, checkpoint_dir=tmp_path / "checkpoints").fit(X, y)
    gan.save(tmp_path / "model.augan")
    loaded = CGAN.load(tmp_path / "model.augan")
    assert loaded.checkpoint_dir == str(tmp_path / "checkpoints")
    pd.testing.assert_frame_equal(loaded.sample(20), gan.sample(20))
