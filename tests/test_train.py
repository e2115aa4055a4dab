import math
import re

import pytest
import torch

from augan.losses import Loss, get_loss
from augan.nn.mlp import MLPDiscriminator, MLPGenerator
from augan.train import BalancedBatchSampler, Trainer, TrainingConfig, TrainingDivergedError


def _trainer(loss="hinge", **kwargs):
    torch.manual_seed(0)
    gen = MLPGenerator(4, 2, (3,), hidden=(8,))
    disc = MLPDiscriminator((3,), 2, hidden=(8,), pac=kwargs.get("pac", 1))
    options = dict(noise_dim=4, epochs=3, batch_size=16)
    options.update(kwargs)
    return Trainer(gen, disc, get_loss(loss), TrainingConfig(**options))


def _data(n=40):
    torch.manual_seed(1)
    labels = torch.cat([torch.zeros(n - 4, dtype=torch.long), torch.ones(4, dtype=torch.long)])
    return torch.randn(n, 3) + labels[:, None].float() * 3, labels


def test_balanced_sampler_draws_rare_classes_as_often_as_common_ones():
    labels = torch.tensor([0] * 95 + [1] * 5)
    sampler = BalancedBatchSampler(labels, 2, balance=True)
    drawn = sampler.draw_labels(20000)
    assert abs(drawn.float().mean().item() - 0.5) < 0.02
    rows = sampler.draw_rows(drawn)
    assert torch.equal(labels[rows], drawn), "each drawn row must belong to the drawn class"
    proportional = BalancedBatchSampler(labels, 2, balance=False).draw_labels(20000)
    assert abs(proportional.float().mean().item() - 0.05) < 0.01


def test_sampler_packs_share_one_class():
    sampler = BalancedBatchSampler(torch.tensor([0, 0, 1, 1, 2, 2]), 3)
    drawn = sampler.draw_labels(12, pac=3).reshape(-1, 3)
    assert (drawn == drawn[:, :1]).all()


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "wasserstein", "wgan-gp", "hinge"])
def test_every_loss_trains_and_records_history(loss):
    data, labels = _data()
    history = _trainer(loss).fit(data, labels, 2)
    assert [row["epoch"] for row in history] == [1, 2, 3]
    for row in history:
        assert set(row) == {"epoch", "steps", "d_loss", "g_loss", "d_acc_real", "d_acc_fake"}
        assert all(math.isfinite(v) for v in row.values())
        assert 0 <= row["d_acc_real"] <= 1 and 0 <= row["d_acc_fake"] <= 1


@pytest.mark.parametrize("max_steps, steps", [(None, 3 * 3), (100, 3 * 3), (6, 3 * 2), (4, 3 * 1), (3, 3 * 1)])
def test_max_steps_shortens_every_epoch_alike_and_keeps_the_epoch_count(max_steps, steps):
    data, labels = _data(40)  # batch 16: three steps per full epoch
    trainer = _trainer(max_steps=max_steps)
    history = trainer.fit(data, labels, 2)
    assert trainer.steps == steps
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert [row["steps"] for row in history] == [steps // 3, 2 * steps // 3, steps]


@pytest.mark.parametrize("max_steps", [1, 2])
def test_max_steps_below_the_epochs_is_still_the_cap_on_the_steps(max_steps):
    data, labels = _data(40)
    seen = []
    trainer = _trainer(epochs=3, max_steps=max_steps)
    trainer.callback = lambda epoch, epochs, row: seen.append((epoch, epochs))
    history = trainer.fit(data, labels, 2)
    assert trainer.steps == max_steps
    assert [row["steps"] for row in history] == list(range(1, max_steps + 1))  # epochs of one step each
    assert seen == [(e, max_steps) for e in range(1, max_steps + 1)]
    assert TrainingConfig(noise_dim=4, epochs=3, batch_size=16, max_steps=max_steps).run_epochs == max_steps


def test_training_moves_generator_and_ema_follows():
    data, labels = _data()
    trainer = _trainer(ema_decay=0.9)
    before = [p.clone() for p in trainer.generator.parameters()]
    trainer.fit(data, labels, 2)
    assert any(not torch.equal(a, b) for a, b in zip(before, trainer.generator.parameters()))
    assert trainer.sampling_generator is trainer.ema.model
    assert any(not torch.equal(a, b) for a, b in zip(trainer.ema.model.parameters(), trainer.generator.parameters()))
    without_ema = _trainer(ema_decay=None)
    assert without_ema.sampling_generator is without_ema.generator


def test_pac_trains_with_packed_discriminator():
    data, labels = _data()
    assert len(_trainer(pac=4).fit(data, labels, 2)) == 3


class _NaNAtEpoch2(Loss):
    name = "nan-at-epoch-2"

    def __init__(self):
        self.calls = 0

    def discriminator_loss(self, real, fake):
        self.calls += 1
        loss = torch.nn.functional.softplus(-real).mean() + torch.nn.functional.softplus(fake).mean()
        return loss * float("nan") if self.calls > 3 else loss

    def generator_loss(self, fake):
        return torch.nn.functional.softplus(-fake).mean()


def test_nan_loss_stops_training_with_the_epoch_named(tmp_path):
    data, labels = _data()
    trainer = _trainer(checkpoint_dir=tmp_path, checkpoint_every=1, epochs=5)
    trainer.loss = _NaNAtEpoch2()
    with pytest.raises(TrainingDivergedError, match="epoch 2"):
        trainer.fit(data, labels, 2)
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert saved["epoch"] == 1, "the last good checkpoint (epoch 1) is kept"


def test_checkpoint_written_every_n_epochs_and_resume_continues(tmp_path):
    data, labels = _data()
    trainer = _trainer(checkpoint_dir=tmp_path, checkpoint_every=2, epochs=2)
    trainer.fit(data, labels, 2)
    resumed = _trainer(checkpoint_dir=tmp_path, checkpoint_every=2, epochs=4)
    history = resumed.fit(data, labels, 2, resume=True)
    assert [row["epoch"] for row in history] == [1, 2, 3, 4]


def test_unknown_amp_mode_is_refused():
    with pytest.raises(ValueError, match="amp"):
        _trainer(amp="int8")


def test_resume_without_checkpoint_dir_is_refused():
    data, labels = _data()
    with pytest.raises(ValueError, match="checkpoint_dir"):
        _trainer().fit(data, labels, 2, resume=True)


def test_adam_takes_the_fused_step_on_the_cpu_and_the_weights_of_the_per_tensor_loop():
    data, labels = _data()
    # One step: training amplifies rounding differences from step to step, as any change of float order would.
    trainer = _trainer(epochs=1, max_steps=1)
    assert trainer.opt_g.optimizer.defaults["fused"] and trainer.opt_d.optimizer.defaults["fused"]
    trainer.fit(data, labels, 2)
    looped = _trainer(epochs=1, max_steps=1)
    for stepper in (looped.opt_g, looped.opt_d):
        for group in stepper.optimizer.param_groups:
            group["fused"], group["foreach"] = False, False
    looped.fit(data, labels, 2)
    for a, b in zip(trainer.generator.state_dict().values(), looped.generator.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_adam_falls_back_to_the_multi_tensor_step_where_torch_has_no_fused_one_on_the_cpu(monkeypatch):
    from augan.train import loop

    original = torch.optim.Adam

    class OldAdam(original):  # torch < 2.4 refuses fused=True for CPU tensors
        def __init__(self, params, fused=None, **kwargs):
            if fused:
                raise RuntimeError("`fused=True` requires all the params to be floating point Tensors of "
                                   "supported devices: ['cuda', 'xpu'].")
            super().__init__(params, fused=fused, **kwargs)

    monkeypatch.setattr(loop.torch.optim, "Adam", OldAdam)
    optimizer = loop._adam(torch.nn.Linear(3, 2), 1e-3, (0.5, 0.9), torch.device("cpu"))
    assert optimizer.defaults["foreach"] and not optimizer.defaults["fused"]
    assert len(optimizer.param_groups[0]["params"]) == 2  # the weights the failed attempt was given too


def _record_inputs(module):
    inputs = []
    module.register_forward_hook(lambda m, args, out: inputs.append((args[0].detach().clone(), args[1].clone())))
    return inputs


@pytest.mark.parametrize("loss, n_critic", [("hinge", 1), ("wasserstein", 5)])
def test_the_discriminator_sees_real_and_fake_rows_in_one_pass(loss, n_critic):
    data, labels = _data(40)
    trainer = _trainer(loss, epochs=1, max_steps=2, n_critic=n_critic)
    g_inputs, d_inputs = _record_inputs(trainer.generator), _record_inputs(trainer.discriminator)
    trainer.fit(data, labels, 2)
    g_calls, d_calls = [len(x) for x, _ in g_inputs], [len(x) for x, _ in d_inputs]
    assert g_calls == [16] * n_critic * 2  # fakes for each critic step; the last one's serve the generator step
    assert d_calls == ([32] * n_critic + [16]) * 2


@pytest.mark.parametrize("loss, n_critic", [("hinge", 1), ("wasserstein", 3), ("wgan-gp", 2)])
def test_the_generator_step_trains_on_the_fakes_and_labels_of_the_last_discriminator_step(loss, n_critic):
    data, labels = _data(40)
    trainer = _trainer(loss, epochs=1, max_steps=2, n_critic=n_critic)
    seen = _record_inputs(trainer.discriminator)
    trainer.fit(data, labels, 2)
    passes = n_critic + 1 + (n_critic if loss == "wgan-gp" else 0)  # the penalty scores mixed rows too
    assert len(seen) == 2 * passes
    for step in range(2):
        critic_passes = [seen[step * passes + i * (2 if loss == "wgan-gp" else 1)] for i in range(n_critic)]
        (last_rows, last_labels), (g_rows, g_labels) = critic_passes[-1], seen[(step + 1) * passes - 1]
        assert torch.equal(g_rows, last_rows[16:]) and torch.equal(g_labels, last_labels[16:])
        earlier = [rows[16:] for rows, _ in critic_passes[:-1]]
        assert not any(torch.equal(g_rows, rows) for rows in earlier)  # the other critic steps draw their own


def test_the_discriminator_step_leaves_the_generator_gradients_alone_and_the_generator_step_trains_it():
    data, labels = _data(40)
    trainer = _trainer("hinge", epochs=1, max_steps=3)
    d_step, changed = trainer.opt_d.step, []

    def watched(loss):
        before = [None if p.grad is None else p.grad.clone() for p in trainer.generator.parameters()]
        d_step(loss)
        after = [p.grad for p in trainer.generator.parameters()]
        changed.append(any((a is None) != (b is None) or (a is not None and not torch.equal(a, b))
                           for a, b in zip(after, before)))

    trainer.opt_d.step = watched
    weights = [p.detach().clone() for p in trainer.generator.parameters()]
    trainer.fit(data, labels, 2)
    assert changed == [False] * 3
    assert all(not torch.equal(w, p) for w, p in zip(weights, trainer.generator.parameters()))
    assert all(p.requires_grad for p in trainer.discriminator.parameters())


class _BatchNormDiscriminator(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = torch.nn.BatchNorm1d(3)
        self.inner = MLPDiscriminator((3,), 2, hidden=(8,))

    def forward(self, x, y):
        return self.inner(self.norm(x), y)


def test_a_discriminator_with_batch_norm_sees_real_and_fake_rows_in_separate_batches():
    data, labels = _data(40)
    torch.manual_seed(0)
    trainer = Trainer(MLPGenerator(4, 2, (3,), hidden=(8,)), _BatchNormDiscriminator(), get_loss("hinge"),
                      TrainingConfig(noise_dim=4, epochs=1, batch_size=16, max_steps=2))
    d_inputs = _record_inputs(trainer.discriminator)
    trainer.fit(data, labels, 2)
    assert [len(x) for x, _ in d_inputs] == [16, 16, 16] * 2


@pytest.mark.parametrize("pac", [1, 2, 4])
def test_one_discriminator_pass_gives_the_scores_of_two(pac):
    torch.manual_seed(0)
    disc = MLPDiscriminator((3,), 3, hidden=(8,), pac=pac)
    real, fake = torch.randn(16, 3), torch.randn(16, 3)
    y = torch.arange(3).repeat_interleave(pac).repeat(16)[:16]
    joint = disc(torch.cat([real, fake]), torch.cat([y, y])).chunk(2)
    torch.testing.assert_close(joint[0], disc(real, y))
    torch.testing.assert_close(joint[1], disc(fake, y))


def test_a_trainer_takes_its_settings_as_a_training_config():
    with pytest.raises(TypeError, match="config must be an augan.train.TrainingConfig, got dict"):
        Trainer(MLPGenerator(4, 2, (3,)), MLPDiscriminator((3,), 2), get_loss("hinge"),
                {"noise_dim": 4, "epochs": 1, "batch_size": 8})


@pytest.mark.parametrize("loss, advice", [("hinge", "use loss='wgan-gp'."), ("wgan-gp", "use loss='hinge'."),
                                          ("minimax", "use loss='wgan-gp' or 'hinge'.")])
def test_a_diverged_fit_is_told_to_try_another_loss_than_its_own(loss, advice):
    data, labels = _data()
    trainer = _trainer(loss, epochs=1, max_steps=1)
    trainer.fit(data, labels, 2)
    with pytest.raises(TrainingDivergedError, match=r"the d_loss became nan\. Lower the learning rates, or "
                                                   + re.escape(advice) + "$"):
        trainer._end_epoch(torch.tensor([math.nan, 1.0, 0.5, 0.5]))
