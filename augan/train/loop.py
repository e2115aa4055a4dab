"""The one training loop, for every loss and every kind of data: discriminator steps, a generator step, the
moving average of the generator, the end of an epoch.

The trainer sees tensors only: a float tensor of encoded samples (table rows or images) on the training
device, and their class indices. It knows nothing of columns or pixels. What is not the algorithm lives
beside it: the moving average (:mod:`.ema`), mixed precision (:mod:`.precision`), checkpoints and signals
(:mod:`.checkpoints`), and the settings of the run (:class:`~augan.train.config.TrainingConfig`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import torch
from torch import nn

from .. import distributed
from ..losses import Loss, check_loss_value
from ..seeding import seed_devices
from .checkpoints import (RESUMABLE_CHANGES, CheckpointFolder, check_same_fit, check_training_state,
                          interrupt_between_steps)
from .config import TrainingConfig
from .ema import EMA
from .lecam import LeCam
from .precision import Precision
from .sampler import BalancedBatchSampler

HISTORY_KEYS = ("d_loss", "g_loss", "d_acc_real", "d_acc_fake")
STABLE_LOSSES = ("wgan-gp", "hinge")  # what a diverged fit is told to try instead


class TrainingDivergedError(RuntimeError):
    """A loss became NaN or infinite; the message names the epoch."""


class Trainer:
    """Alternate discriminator and generator steps with one :class:`~augan.losses.Loss`.

    Parameters
    ----------
    generator, discriminator : nn.Module
        ``generator(z, y) -> x`` and ``discriminator(x, y) -> scores``, already on ``device``.
    loss : Loss
        The GAN loss.
    config : TrainingConfig
        The settings of the run. An epoch is ``ceil(n_samples / batch_size)`` generator steps, shortened to
        ``max_steps // epochs`` (at least one) when ``max_steps`` caps the run, and lengthened to
        ``min_steps // epochs`` when ``min_steps`` is above it; batches are drawn at random with replacement, so a
        shortened or lengthened epoch is still an unbiased pass. ``batch_size`` is capped at the
        number of rows and rounded down to a multiple of ``pac`` (the discriminator's pack size). With a
        ``checkpoint_dir``, ``checkpoint.pt`` is written atomically every ``checkpoint_every`` epochs, after
        the last one, and when training is interrupted. ``compile`` runs the training forward passes through
        :func:`torch.compile` (the gradient penalty's double backward stays eager). ``strategy="ddp"``: this
        process is one of several in a ``torch.distributed`` process group (see :mod:`augan.distributed`); the
        networks are wrapped in DistributedDataParallel, ``batch_size`` is per process, ``data`` is this
        process's shard, and only rank 0 calls ``callback`` and writes checkpoints.
    device : torch.device
        Where the networks and the data live.
    augment : callable, optional
        Differentiable augmentation applied to real and fake samples before the discriminator sees them.
    callback : callable, optional
        ``callback(epoch, epochs, row)`` after every epoch, with the epoch's mean losses and accuracies.

    Raises
    ------
    ValueError
        If ``config.amp`` is unknown or "fp16" off CUDA, or ``config.strategy`` is unknown or "ddp" without a
        process group.
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, loss: Loss, config: TrainingConfig, *,
                 device: torch.device = torch.device("cpu"),
                 augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
                 callback: Callable[[int, int, dict], None] | None = None, data_identity: str | None = None) -> None:
        if not isinstance(config, TrainingConfig):
            raise TypeError(f"config must be an augan.train.TrainingConfig, got {type(config).__name__}.")
        self.precision = Precision(config.amp, device)
        if config.strategy not in (None, *distributed.STRATEGIES):
            raise ValueError(f"strategy must be None or one of {distributed.STRATEGIES}, got {config.strategy!r}.")
        if config.strategy == "ddp" and not distributed.is_initialized():
            raise ValueError("strategy='ddp' needs a process group: call augan.distributed.init(device) first.")
        self.generator = generator
        self.discriminator = discriminator
        self.loss = loss
        self.config = config
        self.device = device
        self.augment = augment if augment is not None else (lambda x: x)
        self.callback = callback
        # What a checkpoint must have been written for to be resumed: this data (its digest, given by the caller)
        # and these settings; the step shape is added once fit knows it.
        self.identity: dict = {"data": data_identity, "settings": {
            "loss": repr(loss.name),
            **{name: repr(value) for name, value in config.to_dict().items() if name not in RESUMABLE_CHANGES}}}
        self._writes = config.strategy != "ddp" or distributed.is_main_process()  # progress and checkpoints
        self.checkpoints = CheckpointFolder(config.checkpoint_dir, config.checkpoint_every, writes=self._writes)
        self._set_forward_paths(config.compile)
        self._discriminator_parameters = list(discriminator.parameters())
        # Real and fake rows go through the discriminator as one batch, unless batch norm would mix their
        # statistics (which changes what the discriminator learns, not only how fast).
        self._one_discriminator_pass = not any(isinstance(m, nn.modules.batchnorm._BatchNorm)
                                               for m in discriminator.modules())
        # After the DDP wrap, which gives every process rank 0's weights, so the averages agree too.
        self.ema = EMA(generator, config.ema_decay) if config.ema_decay else None
        # Under DDP each process keeps the anchors of its own scores; the term's gradients are averaged as the rest.
        self.lecam = LeCam(config.lecam) if config.lecam else None
        self.opt_g = self.precision.stepper(_adam(generator, config.generator_lr, config.betas, device))
        self.opt_d = self.precision.stepper(_adam(discriminator, config.discriminator_lr, config.betas, device))
        self.epoch = 0
        self.steps = 0
        self.history: list[dict] = []
        # Progress inside the running epoch, checkpointed on Ctrl-C so that a resume carries on from the step.
        self.epoch_step = 0
        self.epoch_totals = torch.zeros(len(HISTORY_KEYS), device=device)

    @property
    def sampling_generator(self) -> nn.Module:
        """The generator to sample from: the moving average when there is one."""
        return self.ema.model if self.ema is not None else self.generator

    def _set_forward_paths(self, compile: bool) -> None:
        """Choose the callables of each forward pass; ``self.generator`` and ``self.discriminator`` stay bare.

        Under DDP only the passes whose backward trains a network go through its wrapper, since every
        wrapped forward with gradients on expects its gradients to be all-reduced: the fakes of the
        discriminator step (no gradients) and the frozen discriminator of the generator step use the bare
        modules, and so does the gradient penalty, whose double backward DDP cannot reduce (its final
        backward still reaches the discriminator's weights, where DDP averages it with the rest).
        """
        wrap = torch.compile if compile else (lambda module: module)
        if self.config.strategy == "ddp":
            self._generator_train = wrap(distributed.wrap(self.generator, self.device))
            self._discriminator_train = wrap(distributed.wrap(self.discriminator, self.device))
            self._generator_fakes = wrap(self.generator)
            self._discriminator_frozen = wrap(self.discriminator)
        else:
            self._generator_train = self._generator_fakes = wrap(self.generator)
            self._discriminator_train = self._discriminator_frozen = wrap(self.discriminator)

    # ------------------------------------------------------------------ loop
    def fit(self, data: torch.Tensor, labels: torch.Tensor, n_classes: int, resume: bool = False) -> list[dict]:
        """Train on ``data`` (n_samples, ...) with class indices ``labels`` (n_samples,), both on the device.

        With ``resume=True`` and a checkpoint in ``checkpoint_dir``, training continues from it.

        Raises
        ------
        TrainingDivergedError
            If a loss becomes NaN or infinite (the last good checkpoint is kept).
        KeyboardInterrupt
            On Ctrl-C, once the running step is done and the training state, progress inside the epoch
            included, is saved in ``checkpoint_dir``: resuming from it gives the weights of an uninterrupted run.
        """
        config = self.config
        sampler = BalancedBatchSampler(labels, n_classes, config.class_balance)
        batch = max(config.pac, (min(config.batch_size, data.shape[0]) // config.pac) * config.pac)
        steps_per_epoch = math.ceil(data.shape[0] / batch)
        if config.max_steps is not None:
            steps_per_epoch = min(steps_per_epoch, max(1, config.max_steps // config.epochs))
        if config.min_steps is not None:
            steps_per_epoch = max(steps_per_epoch, config.min_steps // config.epochs)
        if config.strategy == "ddp":
            batch, steps_per_epoch = self._agree_on_sizes(batch, steps_per_epoch)
            self._split_random_streams()
        self.steps_per_epoch, self.rows_per_step = steps_per_epoch, batch
        self.identity["settings"].update({"steps per epoch": repr(steps_per_epoch), "rows per step": repr(batch)})
        if resume and self.load_checkpoint() and self.epoch > config.run_epochs:
            raise ValueError(f"the checkpoint in {self.checkpoints.folder} is at epoch {self.epoch}, past the "
                             f"{config.run_epochs} this fit runs: give at least {self.epoch} epochs to continue it "
                             f"(it would train no step and return the checkpoint's networks).")
        self.generator.train()
        self.discriminator.train()
        # Under DDP every process must stop at the same step, which a per-process signal cannot promise.
        with interrupt_between_steps(config.strategy is None) as interruption:
            try:
                while self.epoch < config.run_epochs:
                    while self.epoch_step < steps_per_epoch:
                        self.epoch_totals += self.step(data, sampler, batch)
                        self.epoch_step += 1
                        if (stop := interruption()) is not None:
                            raise stop
                    means = self.epoch_totals / steps_per_epoch
                    self._end_epoch(distributed.all_reduce(means, "mean") if config.strategy == "ddp" else means)
            except KeyboardInterrupt:
                self._checkpoint_or_warn()
                raise
            self._checkpoint_or_warn()
        return self.history

    def _agree_on_sizes(self, batch: int, steps: int) -> tuple[int, int]:
        # Shards differ by a few rows; every process must run the same number of steps or DDP deadlocks.
        sizes = distributed.all_reduce(torch.tensor([-batch, steps], device=self.device), "max")
        return -int(sizes[0]), int(sizes[1])

    def _split_random_streams(self) -> None:
        # The processes start from one seed (equal weights); their noise and batches must then differ.
        base = int(torch.randint(2**62, (1,)))
        seed_devices(base + distributed.rank(), [self.device])

    def step(self, data: torch.Tensor, sampler: BalancedBatchSampler, batch: int) -> torch.Tensor:
        """``n_critic`` discriminator steps, then one generator step; returns the losses and accuracies.

        The last discriminator step's fakes are drawn with gradients and are the generator step's too (as in the
        DCGAN reference training loop): one generator forward fewer per step, 13% of a step's time at 128 and at
        500 rows on the CPU, with the KEEL suites' ranks and balanced accuracies within their noise
        (benchmarks/NOTES.md).
        """
        for critic_step in range(1, self.config.n_critic + 1):
            y = sampler.draw_labels(batch, self.config.pac)
            fake = self._fakes(y, grad=critic_step == self.config.n_critic)
            d_stats = self._discriminator_step(data[sampler.draw_rows(y)], fake.detach(), y)
        g_loss = self._generator_step(fake, y)
        self.steps += 1
        return torch.stack([d_stats[0], g_loss, d_stats[1], d_stats[2]])

    def _fakes(self, y: torch.Tensor, grad: bool) -> torch.Tensor:
        z = torch.randn(y.shape[0], self.config.noise_dim, device=self.device)
        with self.precision.autocast(), torch.set_grad_enabled(grad):
            return (self._generator_train if grad else self._generator_fakes)(z, y)

    def _discriminator_step(self, real: torch.Tensor, fake: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        with self.precision.autocast():
            real, fake = self.augment(real), self.augment(fake)
            if self._one_discriminator_pass:
                scores = self._discriminator_train(torch.cat([real, fake]), torch.cat([y, y])).float()
                real_scores, fake_scores = scores.chunk(2)
            else:
                real_scores = self._discriminator_train(real, y).float()
                fake_scores = self._discriminator_train(fake, y).float()
            loss = check_loss_value(self.loss.discriminator_loss(real_scores, fake_scores), self.loss,
                                    "discriminator_loss")
            if self.lecam is not None:
                loss = loss + self.lecam(real_scores, fake_scores)
        penalty = self.loss.penalty(self.discriminator, real, fake, y)
        if penalty is not None:
            loss = loss + penalty
        self.opt_d.step(loss)
        self.loss.after_discriminator_step(self.discriminator)
        with torch.no_grad():
            threshold = self.loss.threshold(real_scores, fake_scores)
            return torch.stack([loss.detach(), (real_scores > threshold).float().mean(),
                                (fake_scores <= threshold).float().mean()])

    def _generator_step(self, fake: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        self._freeze_discriminator(True)
        with self.precision.autocast():
            scores = self._discriminator_frozen(self.augment(fake), y).float()
            loss = check_loss_value(self.loss.generator_loss(scores), self.loss, "generator_loss")
        self.opt_g.step(loss)
        self._freeze_discriminator(False)
        if self.ema is not None:
            self.ema.update(self.generator, self.steps)
        return loss.detach()

    def _freeze_discriminator(self, frozen: bool) -> None:
        # Over a list made once: Module.requires_grad_ walks the modules at every call.
        for parameter in self._discriminator_parameters:
            parameter.requires_grad_(not frozen)

    def _end_epoch(self, means: torch.Tensor) -> None:
        values = means.tolist()  # the one device->host sync of the epoch
        steps = (self.history[-1].get("steps", 0) if self.history else 0) + self.steps_per_epoch
        row = {"epoch": self.epoch + 1, "steps": steps, **dict(zip(HISTORY_KEYS, values))}
        bad = [k for k in ("d_loss", "g_loss") if not math.isfinite(row[k])]
        if bad:
            kept = (f" The last good checkpoint is kept in {self.checkpoints.folder}."
                    if self.checkpoints.exists() else "")
            others = " or ".join(repr(name) for name in STABLE_LOSSES if name != self.loss.name)
            raise TrainingDivergedError(
                f"training diverged at epoch {self.epoch + 1}: the {' and '.join(bad)} became "
                f"{row[bad[0]]}. Lower the learning rates, or use loss={others}.{kept}")
        self.history.append(row)
        self.epoch += 1
        self.epoch_step = 0
        self.epoch_totals = torch.zeros_like(self.epoch_totals)
        if self.callback is not None and self._writes:
            self.callback(self.epoch, self.config.run_epochs, row)
        if self.checkpoints.due(self.epoch):
            self._checkpoint_or_warn()

    # ----------------------------------------------------------- checkpoints
    def state_dict(self) -> dict:
        """Everything a resumed run needs to continue as if never stopped: weights, optimisers, scalers, random
        generators, history and the progress inside the running epoch."""
        state = {
            "epoch": self.epoch, "steps": self.steps, "history": self.history,
            "epoch_step": self.epoch_step, "epoch_totals": self.epoch_totals,
            "generator": self.generator.state_dict(), "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.optimizer.state_dict(), "opt_d": self.opt_d.optimizer.state_dict(),
            "scaler_g": self.opt_g.scaler.state_dict(), "scaler_d": self.opt_d.scaler.state_dict(),
            "rng_cpu": torch.get_rng_state(), "identity": self.identity,
        }
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        if self.lecam is not None:
            state["lecam"] = self.lecam.state_dict()
        if self.device.type == "cuda":
            state["rng_cuda"] = torch.cuda.get_rng_state(self.device)
        return state

    def load_state_dict(self, state: dict) -> None:
        """Continue from a :meth:`state_dict`.

        Raises
        ------
        CheckpointMismatch
            If ``state`` is no training state, or was written by a fit on other data or with other settings (see
            :attr:`identity`).
        """
        check_training_state(state)
        check_same_fit(state.get("identity"), self.identity)
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if self.ema is not None and "ema" in state:
            self.ema.load_state_dict(state["ema"])
        if self.lecam is not None and "lecam" in state:
            self.lecam.load_state_dict(state["lecam"], self.device)
        for stepper, name in ((self.opt_g, "g"), (self.opt_d, "d")):
            stepper.optimizer.load_state_dict(state[f"opt_{name}"])
            stepper.scaler.load_state_dict(state[f"scaler_{name}"])
        # RNG states must be CPU byte tensors, wherever map_location put the rest of the checkpoint.
        torch.set_rng_state(state["rng_cpu"].cpu())
        if "rng_cuda" in state and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["rng_cuda"].cpu(), self.device)
        self.epoch, self.steps, self.history = state["epoch"], state["steps"], list(state["history"])
        # Checkpoints written before in-epoch progress was kept start the epoch over.
        self.epoch_step = int(state.get("epoch_step", 0))
        if "epoch_totals" in state:
            self.epoch_totals = state["epoch_totals"].to(self.device)
        else:
            self.epoch_totals = torch.zeros_like(self.epoch_totals)

    def save_checkpoint(self) -> None:
        """Write the training state to ``checkpoint_dir`` (nothing without one, or off rank 0)."""
        self.checkpoints.save(self.state_dict)

    def _checkpoint_or_warn(self) -> None:
        # A checkpoint is insurance: a disk that refuses it must not cost the run, nor the model it ends with.
        try:
            self.save_checkpoint()
        except OSError as exc:
            warnings.warn(f"{exc} Training goes on without this checkpoint.", RuntimeWarning, stacklevel=2)

    def load_checkpoint(self) -> bool:
        """Load ``checkpoint_dir/checkpoint.pt`` if it exists (else warn); return whether one was loaded.

        Raises
        ------
        ValueError
            If there is no ``checkpoint_dir``, or the checkpoint is damaged or belongs to another model.
        FileNotFoundError
            If the folder does not exist.
        """
        return self.checkpoints.resume(self.load_state_dict, self.device)


def _adam(network: nn.Module, lr: float, betas: tuple[float, float], device: torch.device) -> torch.optim.Adam:
    # The fused step updates every weight in one kernel, on the GPU and on the CPU alike: on the CPU about twice
    # as fast as the multi-tensor (foreach) step, and the fp16 scaler's inf check needs no host sync.
    parameters = list(network.parameters())
    if device.type in ("cuda", "cpu"):
        try:
            return torch.optim.Adam(parameters, lr=lr, betas=betas, fused=True)
        except RuntimeError:  # torch before 2.4 has no fused step on the CPU
            pass
    return torch.optim.Adam(parameters, lr=lr, betas=betas, foreach=device.type == "cpu" or None)
