"""Training with strategy="ddp": sharding, the process group, and a real two-process torchrun run on the CPU.

The torchrun tests start this very file as the worker script (see ``_worker`` at the bottom), so what
each process does is plain code here rather than a string.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from augan import CGAN, distributed
from augan.losses import WassersteinGP
from augan.nn.mlp import MLPDiscriminator, MLPGenerator
from augan.train import BalancedBatchSampler, Trainer, TrainingConfig

WORLD_SIZE = 2
EPOCHS = 2


def _labels() -> np.ndarray:
    """Three classes of 200, 37 and 3 rows, shuffled."""
    return np.random.default_rng(0).permutation(np.repeat([0, 1, 2], [200, 37, 3]))


def _table() -> tuple[np.ndarray, np.ndarray]:
    y = _labels()
    X = np.random.default_rng(1).normal(size=(len(y), 4)) + y[:, None]
    return X, y


# ------------------------------------------------------------------ sharding
@pytest.mark.parametrize("world_size", [1, 2, 3, 4])
def test_shards_cover_every_row_once_and_every_process_has_every_class(world_size):
    labels = np.repeat([0, 1, 2], [50, 7, 4])
    shards = [distributed.shard_rows(labels, rank, world_size) for rank in range(world_size)]
    assert sorted(np.concatenate(shards).tolist()) == list(range(len(labels)))
    for shard in shards:
        assert set(labels[shard]) == {0, 1, 2}
        assert abs(len(shard) - len(labels) / world_size) <= 3  # at most one extra row per class


def test_class_with_fewer_rows_than_processes_lends_a_copy_to_the_others():
    labels = np.array([0] * 12 + [1, 1] + [2])
    shards = [distributed.shard_rows(labels, rank, 4) for rank in range(4)]
    for shard in shards:
        assert set(labels[shard]) == {0, 1, 2}
        assert len(set(shard.tolist())) == len(shard)
    assert [len(shard) for shard in shards] == [3 + 1 + 1] * 4
    assert {int(shard[labels[shard] == 2][0]) for shard in shards} == {14}


def test_sharding_follows_the_row_order_within_each_class():
    labels = np.array([1, 0, 1, 0, 1, 0])
    assert distributed.shard_rows(labels, 0, 2).tolist() == [1, 5, 0, 4]
    assert distributed.shard_rows(labels, 1, 2).tolist() == [3, 2]


# ------------------------------------------------------------------ refusals
def test_ddp_outside_torchrun_is_a_clear_error(monkeypatch, tiny):
    for name in distributed.TORCHRUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    X, y = _table()
    with pytest.raises(ValueError, match="torchrun --nproc-per-node"):
        CGAN(strategy="ddp", device="cpu", **tiny).fit(X, y)


def test_unknown_strategy_is_refused(tiny):
    X, y = _table()
    with pytest.raises(ValueError, match="strategy"):
        CGAN(strategy="dp", **tiny).fit(X, y)


def test_trainer_with_ddp_needs_a_process_group():
    networks = MLPGenerator(4, 2, (3,)), MLPDiscriminator((3,), 2)
    with pytest.raises(ValueError, match="process group"):
        Trainer(*networks, WassersteinGP(), TrainingConfig(noise_dim=4, epochs=1, batch_size=8, strategy="ddp"))
    with pytest.raises(ValueError, match="strategy"):
        Trainer(*networks, WassersteinGP(), TrainingConfig(noise_dim=4, epochs=1, batch_size=8, strategy="fsdp"))


def test_ddp_refuses_other_devices_and_another_processs_gpu(monkeypatch):
    with pytest.raises(ValueError, match="'mps'"):
        distributed.init(torch.device("mps"))
    for name, value in {"RANK": "0", "LOCAL_RANK": "0", "WORLD_SIZE": "1", "MASTER_ADDR": "localhost",
                        "MASTER_PORT": "1"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=r"cuda:0 here"):
        distributed.init(torch.device("cuda", 1))
    assert not distributed.is_initialized()


# ------------------------------------------------------------ two processes
# What libstdc++ prints when gloo's threads are torn down in the wrong order as a process exits, after its
# work is done (pytorch/pytorch#190489, pytorch/gloo#155); seen once in CI, never in 40 local runs.
_GLOO_EXIT_ABORT = "terminate called without an active exception"


def _torchrun(out: Path) -> tuple[Path, list[dict]]:
    """Run this file's ``_worker`` in 2 CPU processes with torchrun and gloo.

    Returns the folder the processes wrote to and each process's report.

    A launch whose every process wrote its report and then died of gloo's exit-time abort is run once more
    (in a fresh folder): the abort is torch's, but a second one, or any other failure, fails the test.
    """
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    for attempt in range(2):
        folder = out if attempt == 0 else out / "retry"
        folder.mkdir(exist_ok=True)
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                   f"--nproc-per-node={WORLD_SIZE}", __file__, str(folder)]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
        reports = [folder / f"rank{rank}.json" for rank in range(WORLD_SIZE)]
        exit_abort = _GLOO_EXIT_ABORT in result.stderr and all(report.exists() for report in reports)
        if result.returncode == 0 or attempt == 1 or not exit_abort:
            break
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder, [json.loads(report.read_text()) for report in reports]


@pytest.mark.slow  # torchrun: subprocesses that import augan
def test_torchrun_ddp_averages_penalised_gradients_writes_once_and_its_model_samples_in_one_process(tmp_path):
    # One torchrun launch for every check: starting the processes costs more than the checks.
    folder, (first, second) = _torchrun(tmp_path)
    for report in (first, second):
        assert report["grad_spread"] > 1e-4, "the processes should have seen different batches"
        assert report["grad_error"] < 1e-5, "DDP gradients (with gradient penalty) != mean of per-process ones"

    assert first["seed"] == second["seed"]
    assert first["parameters"] == pytest.approx(second["parameters"], abs=1e-6)
    assert first["history"] == second["history"] and len(first["history"]) == EPOCHS
    assert first["resumed_epochs"] == second["resumed_epochs"] == list(range(1, EPOCHS + 2))

    assert first["files_written"] >= 2 and second["files_written"] == 0  # checkpoint + model, by rank 0 alone
    written = sorted(p.name for p in folder.iterdir() if not p.name.startswith("rank") and p.name != "retry")
    assert written == ["checkpoints", "model.pt"]
    assert [p.name for p in (folder / "checkpoints").iterdir()] == ["checkpoint.pt"]
    assert "augan fit" in first["stderr"] and "augan fit" not in second["stderr"]

    model = CGAN.load(folder / "model.pt", device="cpu")
    assert model.strategy is None
    X, y = model.sample(y={0: 5, 2: 20}, return_y=True, random_state=0)
    assert X.shape == (25, 4) and np.isfinite(X).all()
    assert sorted(y.tolist()) == [0] * 5 + [2] * 20


# ----------------------------------------------------- the worker processes
def _gradient_check() -> dict:
    """One discriminator and one generator step with the gradient penalty, under DDP and one process at a time.

    With learning rates of 0 the weights stay put, so the gradients left in ``.grad`` can be compared:
    DDP's must equal the mean of the gradients each process's batch gives on its own.
    """
    rank, world_size = distributed.rank(), distributed.world_size()
    torch.manual_seed(0)
    networks = MLPGenerator(4, 2, (3,), (8,)), MLPDiscriminator((3,), 2, (8,))
    copies = tuple(copy.deepcopy(network) for network in networks)

    def trainer(nets: tuple, strategy: str | None) -> Trainer:
        return Trainer(*nets, WassersteinGP(), TrainingConfig(noise_dim=4, epochs=1, batch_size=16, generator_lr=0.0,
                                                              discriminator_lr=0.0, strategy=strategy))

    data = torch.Generator().manual_seed(123)
    batches = [(torch.randn(16, 3, generator=data), torch.randint(2, (16,), generator=data))
               for _ in range(world_size)]

    def step(t: Trainer, batch_of: int) -> list[torch.Tensor]:
        torch.manual_seed(1000 + batch_of)
        real, y = batches[batch_of]
        t.step(real, BalancedBatchSampler(y, 2), 16)
        return [p.grad.clone() for p in (*t.discriminator.parameters(), *t.generator.parameters())]

    averaged = step(trainer(networks, "ddp"), rank)
    single = trainer(copies, None)
    per_process = [step(single, r) for r in range(world_size)]
    expected = [torch.stack(grads).mean(0) for grads in zip(*per_process)]
    return {"grad_error": max((a - e).abs().max().item() for a, e in zip(averaged, expected)),
            "grad_spread": max((own - e).abs().max().item() for own, e in zip(per_process[rank], expected))}


def _train_and_save(out: Path, rank: int) -> dict:
    writes = []
    save = torch.save
    torch.save = lambda *args, **kwargs: (writes.append(str(args[1])), save(*args, **kwargs))[1]
    stderr, sys.stderr = sys.stderr, (out / f"rank{rank}.stderr.txt").open("w")
    try:
        X, y = _table()
        params = dict(batch_size=32, noise_dim=8, generator_dims=(16, 16), discriminator_dims=(16, 16),
                      loss="wgan-gp", strategy="ddp", device="cpu", checkpoint_dir=str(out / "checkpoints"),
                      random_state=None if rank else 0, verbose=True)
        model = CGAN(epochs=EPOCHS, **params).fit(X, y)
        model.save(out / "model.pt")
        # Each process trains on its shard; the checkpoint rank 0 wrote is of the whole data, which every one resumes.
        # A resume is a later launch, after that write; in this one the processes wait for it.
        torch.distributed.barrier()
        resumed = CGAN(epochs=EPOCHS + 1, resume=True, **params).fit(X, y)
    finally:
        sys.stderr.close()
        sys.stderr, torch.save = stderr, save
    return {"files_written": len(writes), "history": model.history_, "seed": model.seed_,
            "resumed_epochs": [row["epoch"] for row in resumed.history_],
            "stderr": (out / f"rank{rank}.stderr.txt").read_text(),
            "parameters": [float(p.double().sum()) for p in model.generator_.parameters()]
            + [float(p.double().sum()) for p in model.discriminator_.parameters()]}


def _worker(out: Path) -> None:
    distributed.init(torch.device("cpu"))
    rank = distributed.rank()
    report = {**_gradient_check(), **_train_and_save(out, rank)}
    (out / f"rank{rank}.json").write_text(json.dumps(report))


if __name__ == "__main__":
    _worker(Path(sys.argv[1]))
