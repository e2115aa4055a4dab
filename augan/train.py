"""The one training loop, for every loss and every kind of data.

The trainer sees tensors only: a float tensor of encoded samples (table rows or images) on the
training device, and their class indices. It knows nothing of columns or pixels.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import signal
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
from torch import nn

from . import distributed
from .io import atomic_output, check_writable_folder, save_tensors
from .losses import Loss

AMP_MODES = (None, "bf16", "fp16")
CHECKPOINT_NAME = "checkpoint.pt"
HISTORY_KEYS = ("d_loss", "g_loss", "d_acc_real", "d_acc_fake")


class TrainingDivergedError(RuntimeError):
    """A loss became NaN or infinite; the message names the epoch."""


class TrainingTerminated(KeyboardInterrupt):
    """SIGTERM (``docker stop``, Slurm, Kubernetes) arrived during training, which then stopped as on Ctrl-C.

    A ``KeyboardInterrupt``, so code that handles Ctrl-C handles it too: the running step is finished and the
    training state saved in ``checkpoint_dir`` before it is raised.
    """


def check_checkpoint_dir(checkpoint_dir: str | os.PathLike | None, resume: bool = False) -> None:
    """Refuse, before any training, a checkpoint folder that could not be used.

    Raises
    ------
    ValueError
        If ``resume`` is True without a ``checkpoint_dir``.
    NotADirectoryError
        If ``checkpoint_dir`` (or a folder above it) is a file.
    FileNotFoundError
        If ``resume`` is True and the folder does not exist (a mistyped path must not train from scratch).
    PermissionError
        If no file can be made in the folder (or, for a new one, in the nearest existing folder above it).
    """
    if checkpoint_dir is None:
        if resume:
            raise ValueError("resume=True needs checkpoint_dir: the folder where checkpoints were written.")
        return
    folder = Path(checkpoint_dir).absolute()
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        raise NotADirectoryError(f"the checkpoint folder (checkpoint_dir, --checkpoint-dir) {checkpoint_dir} "
                                 f"cannot be made: {existing} is a file; give a folder.")
    if resume and existing != folder:
        raise FileNotFoundError(f"there is no checkpoint folder {checkpoint_dir} to resume from; check the path, "
                                f"or drop resume (--resume) to start afresh.")
    check_writable_folder(existing)


@contextlib.contextmanager
def _interrupt_between_steps(enabled: bool) -> Iterator[Callable[[], type[KeyboardInterrupt] | None]]:
    """Let Ctrl-C (SIGINT) and SIGTERM end the running training step first, so no checkpoint holds half a step.

    Yields a function that returns the exception to raise at the next step boundary (``KeyboardInterrupt``
    for Ctrl-C, :class:`TrainingTerminated` for SIGTERM), or None. A signal not acted on is raised on leaving.
    Only in the main thread (where signals arrive), and for each signal only while Python's own handling of
    it is in place (SIGINT's ``default_int_handler``, SIGTERM's default): another handler is the caller's choice.
    """
    received: list[type[KeyboardInterrupt]] = []
    handled = {signal.SIGINT: (signal.default_int_handler, KeyboardInterrupt),
               signal.SIGTERM: (signal.SIG_DFL, TrainingTerminated)}
    previous = {}
    if enabled and threading.current_thread() is threading.main_thread():
        for signum, (default, exception) in handled.items():
            if signal.getsignal(signum) is default:
                previous[signum] = signal.signal(signum, lambda number, frame, e=exception: received.append(e))
    try:
        yield lambda: received[0] if received else None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        raise received[0]


class BalancedBatchSampler:
    """Draw batches of row indices from an on-device table, by class.

    With ``balance=True`` every class is drawn equally often, so minority classes are seen as often as the
    majority; otherwise classes come in their training proportions. Labels are drawn in groups of ``pac``
    (PacGAN packs share one class). Everything happens on the device, with no per-row Python.
    """

    def __init__(self, labels: torch.Tensor, n_classes: int, balance: bool = True) -> None:
        self.labels = labels
        self.order = torch.argsort(labels, stable=True)
        self.counts = torch.bincount(labels, minlength=n_classes)
        self.offsets = torch.cumsum(self.counts, 0) - self.counts
        present = (self.counts > 0).float()
        self.class_weights = present if balance else self.counts.float()

    def draw_labels(self, n: int, pac: int = 1) -> torch.Tensor:
        groups = torch.multinomial(self.class_weights, n // pac, replacement=True)
        return groups.repeat_interleave(pac)

    def draw_rows(self, labels: torch.Tensor) -> torch.Tensor:
        counts = self.counts[labels]
        within = (torch.rand(labels.shape, device=labels.device) * counts).long().clamp_max(counts - 1)
        return self.order[self.offsets[labels] + within]


class Trainer:
    """Alternate discriminator and generator steps with one :class:`~augan.losses.Loss`.

    Parameters
    ----------
    generator, discriminator : nn.Module
        ``generator(z, y) -> x`` and ``discriminator(x, y) -> scores``, already on ``device``.
    loss : Loss
        The GAN loss.
    noise_dim : int
        Length of the noise vector.
    epochs : int
        Passes over the data; an epoch is ``ceil(n_samples / batch_size)`` generator steps.
    max_steps : int or None
        Cap on the generator steps of the whole run: epochs are shortened to ``max_steps // epochs`` steps
        (at least one) when the data would need more. Batches are drawn at random with replacement, so a
        shortened epoch is still an unbiased pass; None: no cap.
    batch_size : int
        Rows per step (capped at the number of rows, rounded down to a multiple of ``pac``).
    n_critic : int
        Discriminator steps per generator step.
    generator_lr, discriminator_lr : float
        Adam learning rates.
    betas : tuple of float
        Adam betas.
    ema_decay : float or None
        Decay of the exponential moving average of the generator's weights used for sampling; None: no EMA.
    pac : int
        PacGAN pack size (the discriminator must have been built with the same value).
    class_balance : bool
        Draw every class equally often.
    augment : callable, optional
        Differentiable augmentation applied to real and fake samples before the discriminator sees them.
    amp : {None, "bf16", "fp16"}
        Mixed precision for the forward passes.
    device : torch.device
        Where the networks and the data live.
    callback : callable, optional
        ``callback(epoch, epochs, row)`` after every epoch, with the epoch's mean losses and accuracies.
    checkpoint_dir : path, optional
        Where to keep ``checkpoint.pt``, written atomically every ``checkpoint_every`` epochs, after the
        last one, and when training is interrupted.
    checkpoint_every : int
        Epochs between checkpoints.
    compile : bool
        Run the networks' training forward passes through :func:`torch.compile` (the gradient penalty's
        double backward stays eager: compiled graphs do not support it).
    strategy : {None, "ddp"}
        ``"ddp"``: this process is one of several in a ``torch.distributed`` process group (see
        :mod:`augan.distributed`); the networks are wrapped in DistributedDataParallel, ``batch_size`` is per
        process, ``data`` is this process's shard, and only rank 0 calls ``callback`` and writes checkpoints.
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, loss: Loss, *, noise_dim: int,
                 epochs: int, batch_size: int, max_steps: int | None = None, n_critic: int = 1,
                 generator_lr: float = 2e-4,
                 discriminator_lr: float = 2e-4, betas: tuple[float, float] = (0.5, 0.9),
                 ema_decay: float | None = 0.999, pac: int = 1, class_balance: bool = True,
                 augment: Callable[[torch.Tensor], torch.Tensor] | None = None, amp: str | None = None,
                 device: torch.device = torch.device("cpu"),
                 callback: Callable[[int, int, dict], None] | None = None,
                 checkpoint_dir: str | os.PathLike | None = None, checkpoint_every: int = 10,
                 compile: bool = False, strategy: str | None = None) -> None:
        if amp not in AMP_MODES:
            raise ValueError(f"amp must be one of {AMP_MODES}, got {amp!r}.")
        if amp == "fp16" and device.type != "cuda":
            raise ValueError(f"amp='fp16' needs a CUDA GPU (its gradient scaling is CUDA-only here); on "
                             f"{device.type!r} use amp='bf16' or amp=None.")
        if strategy not in (None, *distributed.STRATEGIES):
            raise ValueError(f"strategy must be None or one of {distributed.STRATEGIES}, got {strategy!r}.")
        if strategy == "ddp" and not distributed.is_initialized():
            raise ValueError("strategy='ddp' needs a process group: call augan.distributed.init(device) first.")
        self.generator = generator
        self.discriminator = discriminator
        self.loss = loss
        self.noise_dim = noise_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.max_steps = max_steps
        self.n_critic = n_critic
        self.pac = pac
        self.class_balance = class_balance
        self.augment = augment if augment is not None else (lambda x: x)
        self.amp = amp
        self.device = device
        self.callback = callback
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self.checkpoint_every = checkpoint_every
        self.ema_decay = ema_decay
        self.strategy = strategy
        self._writes = strategy != "ddp" or distributed.is_main_process()  # progress and checkpoints
        self._set_forward_paths(compile)
        # After the DDP wrap, which gives every process rank 0's weights, so the averages agree too.
        self.ema = copy.deepcopy(generator).eval().requires_grad_(False) if ema_decay else None
        # Fused Adam steps on the GPU in one kernel, and takes the fp16 scaler's inf check without a host sync.
        fused = device.type == "cuda"
        self.opt_g = torch.optim.Adam(generator.parameters(), lr=generator_lr, betas=betas, fused=fused)
        self.opt_d = torch.optim.Adam(discriminator.parameters(), lr=discriminator_lr, betas=betas, fused=fused)
        self.scaler_g = torch.amp.GradScaler(device.type, enabled=amp == "fp16")
        self.scaler_d = torch.amp.GradScaler(device.type, enabled=amp == "fp16")
        self.epoch = 0
        self.steps = 0
        self.history: list[dict] = []
        # Progress inside the running epoch, checkpointed on Ctrl-C so that a resume carries on from the step.
        self.epoch_step = 0
        self.epoch_totals = torch.zeros(len(HISTORY_KEYS), device=device)

    @property
    def sampling_generator(self) -> nn.Module:
        """The generator to sample from: the EMA copy when there is one."""
        return self.ema if self.ema is not None else self.generator

    def _set_forward_paths(self, compile: bool) -> None:
        """Choose the callables of each forward pass; ``self.generator`` and ``self.discriminator`` stay bare.

        Under DDP only the passes whose backward trains a network go through its wrapper, since every
        wrapped forward with gradients on expects its gradients to be all-reduced: the fakes of the
        discriminator step (no gradients) and the frozen discriminator of the generator step use the bare
        modules, and so does the gradient penalty, whose double backward DDP cannot reduce (its final
        backward still reaches the discriminator's weights, where DDP averages it with the rest).
        """
        wrap = torch.compile if compile else (lambda module: module)
        if self.strategy == "ddp":
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
        if resume:
            self.load_checkpoint()
        sampler = BalancedBatchSampler(labels, n_classes, self.class_balance)
        batch = max(self.pac, (min(self.batch_size, data.shape[0]) // self.pac) * self.pac)
        steps_per_epoch = math.ceil(data.shape[0] / batch)
        if self.max_steps is not None:
            steps_per_epoch = min(steps_per_epoch, max(1, self.max_steps // self.epochs))
        if self.strategy == "ddp":
            batch, steps_per_epoch = self._agree_on_sizes(batch, steps_per_epoch)
            self._split_random_streams()
        self.steps_per_epoch, self.rows_per_step = steps_per_epoch, batch
        self.generator.train()
        self.discriminator.train()
        # Under DDP every process must stop at the same step, which a per-process signal cannot promise.
        with _interrupt_between_steps(self.strategy is None) as interruption:
            try:
                while self.epoch < self.epochs:
                    while self.epoch_step < steps_per_epoch:
                        self.epoch_totals += self.step(data, sampler, batch)
                        self.epoch_step += 1
                        if (stop := interruption()) is not None:
                            raise stop
                    means = self.epoch_totals / steps_per_epoch
                    self._end_epoch(distributed.all_reduce(means, "mean") if self.strategy == "ddp" else means)
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
        torch.manual_seed(base + distributed.rank())

    def step(self, data: torch.Tensor, sampler: BalancedBatchSampler, batch: int) -> torch.Tensor:
        """``n_critic`` discriminator steps, then one generator step; returns the losses and accuracies."""
        for _ in range(self.n_critic):
            y = sampler.draw_labels(batch, self.pac)
            d_stats = self._discriminator_step(data[sampler.draw_rows(y)], y)
        g_loss = self._generator_step(sampler.draw_labels(batch, self.pac))
        self.steps += 1
        return torch.stack([d_stats[0], g_loss, d_stats[1], d_stats[2]])

    def _discriminator_step(self, real: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        z = torch.randn(y.shape[0], self.noise_dim, device=self.device)
        with self._autocast():
            with torch.no_grad():
                fake = self._generator_fakes(z, y)
            real, fake = self.augment(real), self.augment(fake)
            real_scores = self._discriminator_train(real, y).float()
            fake_scores = self._discriminator_train(fake, y).float()
            loss = self.loss.discriminator_loss(real_scores, fake_scores)
        penalty = self.loss.penalty(self.discriminator, real, fake, y)
        if penalty is not None:
            loss = loss + penalty
        self._optimise(loss, self.opt_d, self.scaler_d)
        self.loss.after_discriminator_step(self.discriminator)
        with torch.no_grad():
            threshold = self.loss.threshold(real_scores, fake_scores)
            return torch.stack([loss.detach(), (real_scores > threshold).float().mean(),
                                (fake_scores <= threshold).float().mean()])

    def _generator_step(self, y: torch.Tensor) -> torch.Tensor:
        z = torch.randn(y.shape[0], self.noise_dim, device=self.device)
        self.discriminator.requires_grad_(False)
        with self._autocast():
            scores = self._discriminator_frozen(self.augment(self._generator_train(z, y)), y).float()
            loss = self.loss.generator_loss(scores)
        self._optimise(loss, self.opt_g, self.scaler_g)
        self.discriminator.requires_grad_(True)
        self._update_ema()
        return loss.detach()

    def _optimise(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler) -> None:
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.ema is None:
            return
        # Warm-up: early on, the average follows the generator closely instead of its random start.
        decay = min(self.ema_decay, (1 + self.steps) / (10 + self.steps))
        ema_params = list(self.ema.parameters())
        torch._foreach_lerp_(ema_params, list(self.generator.parameters()), 1 - decay)
        for ema_buffer, buffer in zip(self.ema.buffers(), self.generator.buffers()):
            ema_buffer.copy_(buffer)

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.amp is None:
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.amp == "bf16" else torch.float16
        return torch.autocast(device_type=self.device.type, dtype=dtype)

    def _end_epoch(self, means: torch.Tensor) -> None:
        values = means.tolist()  # the one device->host sync of the epoch
        row = {"epoch": self.epoch + 1, **dict(zip(HISTORY_KEYS, values))}
        bad = [k for k in ("d_loss", "g_loss") if not math.isfinite(row[k])]
        if bad:
            kept = (f" The last good checkpoint is kept in {self.checkpoint_dir}."
                    if self.checkpoint_dir is not None and (self.checkpoint_dir / CHECKPOINT_NAME).exists() else "")
            raise TrainingDivergedError(
                f"training diverged at epoch {self.epoch + 1}: the {' and '.join(bad)} became "
                f"{row[bad[0]]}. Lower the learning rates, or use loss='wgan-gp' or 'hinge'.{kept}")
        self.history.append(row)
        self.epoch += 1
        self.epoch_step = 0
        self.epoch_totals = torch.zeros_like(self.epoch_totals)
        if self.callback is not None and self._writes:
            self.callback(self.epoch, self.epochs, row)
        if self.checkpoint_dir is not None and self.epoch % self.checkpoint_every == 0:
            self._checkpoint_or_warn()

    # ----------------------------------------------------------- checkpoints
    def state_dict(self) -> dict:
        state = {
            "epoch": self.epoch, "steps": self.steps, "history": self.history,
            "epoch_step": self.epoch_step, "epoch_totals": self.epoch_totals,
            "generator": self.generator.state_dict(), "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "scaler_g": self.scaler_g.state_dict(), "scaler_d": self.scaler_d.state_dict(),
            "rng_cpu": torch.get_rng_state(),
        }
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        if self.device.type == "cuda":
            state["rng_cuda"] = torch.cuda.get_rng_state(self.device)
        return state

    def load_state_dict(self, state: dict) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if self.ema is not None and "ema" in state:
            self.ema.load_state_dict(state["ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.scaler_g.load_state_dict(state["scaler_g"])
        self.scaler_d.load_state_dict(state["scaler_d"])
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
        if self.checkpoint_dir is None or not self._writes:
            return
        self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        with atomic_output(self.checkpoint_dir / CHECKPOINT_NAME, overwrite=True) as tmp:
            save_tensors(self.state_dict(), tmp)

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
        check_checkpoint_dir(self.checkpoint_dir, resume=True)
        path = self.checkpoint_dir / CHECKPOINT_NAME
        if not path.exists():
            if self._writes:
                warnings.warn(f"resume: the checkpoint folder {self.checkpoint_dir} holds no {CHECKPOINT_NAME}; "
                              f"training starts from scratch.", UserWarning, stacklevel=2)
            return False
        try:
            state = torch.load(path, map_location=self.device, weights_only=True)
        except Exception as exc:  # torch raises several types for a damaged file
            raise ValueError(f"the checkpoint {path} cannot be read (damaged, or not written by augan: "
                             f"{type(exc).__name__}); delete it to start afresh.") from exc
        try:
            self.load_state_dict(state)
        except (KeyError, TypeError, RuntimeError, ValueError) as exc:
            raise ValueError(f"the checkpoint {path} does not match this model (it was written for other data or "
                             f"other network parameters); delete it or point checkpoint_dir elsewhere.") from exc
        return True
