"""One frozen record of how a GAN is trained, built once by the estimator and read by the trainer and the
model file."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from ..losses import Loss


#: What ``batch_size="auto"`` and ``max_steps="auto"`` mean, by the kind of data (see :func:`training_budget`); a
#: table's steps are those of a table without categories.
AUTO_BUDGET: dict[str, tuple[int, int | None]] = {"table": (128, 600), "image": (64, 2400),
                                                  "large image set": (500, 5000)}
#: ``max_steps="auto"`` for a numeric table of two classes: half the table budget, where the KEEL binary suite's
#: scores have levelled off; three or more classes need the whole of it (benchmarks/NOTES.md).
TWO_CLASS_TABLE_STEPS = 300
#: From this many training images on, ``"auto"`` is the large image set's budget.
LARGE_IMAGE_SET = 5000
#: ``max_steps="auto"`` gives a table this many times its steps again, times the share of its columns that are
#: categorical: 1,800 steps for a table of categories only.
CATEGORICAL_STEPS_FACTOR = 2
#: CGAN's default epochs, over which a table's auto budget is spread: fewer epochs make a shorter fit.
BUDGET_EPOCHS = 300


def training_budget(kind: str, batch_size: int | str, max_steps: int | str | None,
                    categorical_share: float = 0.0, epochs: int = BUDGET_EPOCHS,
                    n_rows: int | None = None, n_classes: int | None = None) -> tuple[int, int | None, int | None]:
    """The rows per step and the cap and floor on the steps of a fit of ``epochs`` on data of ``kind`` ("table"
    or "image"), with ``"auto"`` replaced by :data:`AUTO_BUDGET`'s value for that kind.

    Tables: 128 rows a step for at most 600 steps, so that a fit takes seconds and its length does not grow with the
    rows (an oversampler is fitted once per cross-validation fold; 128 rows a step fit a KEEL fold in about two
    thirds to three quarters of the time of 256, within 0.1 rank on the binary suite and ahead on the other two,
    within the noise: benchmarks/NOTES.md). A numeric table of ``n_classes`` 2 trains :data:`TWO_CLASS_TABLE_STEPS`
    (300): on the KEEL binary suite those score level with 600 in half the fit time, where 300 cost the multiclass
    sets and 900 bought them nothing (benchmarks/NOTES.md); with ``n_classes`` unknown (a model file from before it
    counted), 600. Categorical columns add steps (``categorical_share``, from 0 to 1, whatever the classes): ``600 *
    (1 + CATEGORICAL_STEPS_FACTOR * categorical_share)``, 1,800 for a table of categories only, whose joint
    distribution of categories 600 steps leave under-learned (these were not screened at fewer steps for two
    classes; benchmarks/NOTES.md). A table with categorical columns trains at least ``budget / BUDGET_EPOCHS`` steps
    an epoch, so at the default 300 epochs its whole budget however few its rows (fewer epochs still make a shorter
    fit); a numeric one of up to 128 rows trains one full batch an epoch, 300 steps at the default epochs. Images
    (``n_rows`` of them): below :data:`LARGE_IMAGE_SET`, 64 a step for at most 2,400 steps, 8 an epoch at the
    default epochs, which the image benchmark measures (a DCGAN fit on 1,400 digits of 28 px in about 2 minutes on
    one CPU core, where 500 images a step took 6); from there on (or with ``n_rows`` unknown), 500 a step for at
    most 5,000 steps, so that a large set still trains over many passes. A given ``max_steps`` is a cap only (no
    floor).
    """
    if not 0 <= categorical_share <= 1:
        raise ValueError(f"categorical_share must be between 0 and 1, got {categorical_share!r}.")
    floor = None
    if kind == "image":
        small = n_rows is not None and n_rows < LARGE_IMAGE_SET
        auto_batch, auto_steps = AUTO_BUDGET["image" if small else "large image set"]
    else:
        auto_batch, auto_steps = AUTO_BUDGET["table"]
        auto_steps = round(auto_steps * (1 + CATEGORICAL_STEPS_FACTOR * categorical_share))
        if categorical_share == 0 and n_classes == 2:
            auto_steps = TWO_CLASS_TABLE_STEPS
        if max_steps == "auto" and categorical_share > 0:
            floor = auto_steps * min(epochs, BUDGET_EPOCHS) // BUDGET_EPOCHS
    return (auto_batch if batch_size == "auto" else batch_size,
            auto_steps if max_steps == "auto" else max_steps, floor)


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """The training parameters of a fit, as one immutable value.

    ``CGAN`` builds it from its own parameters (:meth:`from_params`), the
    :class:`~augan.train.Trainer` runs it, and the model file keeps it (:meth:`to_dict`, :meth:`from_dict`).
    The fields mean what the ``CGAN`` parameters of the same names mean, with ``n_critic`` resolved (never None).

    Attributes
    ----------
    noise_dim, epochs, batch_size : int
        Noise length, passes over the data, rows per step: the loop takes ``min(batch_size, n_rows)``, rounded
        down to a whole number of PacGAN packs, so a table smaller than a batch trains on all its rows a step.
    max_steps : int or None
        Cap on the generator steps of the whole run. Below ``epochs`` it leaves one step an epoch and runs
        ``max_steps`` epochs (:attr:`run_epochs`).
    min_steps : int or None
        Floor on them: a table too small to fill ``min_steps // epochs`` batches an epoch draws that many anyway.
    n_critic : int
        Discriminator steps per generator step.
    generator_lr, discriminator_lr : float
        Adam learning rates.
    betas : tuple of float
        Adam betas.
    ema_decay : float or None
        Decay of the generator's moving average; None: no average.
    lecam : float or None
        Weight of the LeCam regularisation of the discriminator; None: none.
    pac : int
        PacGAN pack size.
    class_balance : bool
        Draw every class equally often.
    amp : {None, "bf16", "fp16"}
        Mixed precision of the forward passes.
    compile : bool
        Compile the training passes with ``torch.compile``.
    strategy : {None, "ddp"}
        One process, or one of a DistributedDataParallel group.
    checkpoint_dir : str or None
        Folder of the training checkpoints.
    checkpoint_every : int
        Epochs between checkpoints.
    """

    noise_dim: int
    epochs: int
    batch_size: int
    max_steps: int | None = None
    min_steps: int | None = None
    n_critic: int = 1
    generator_lr: float = 2e-4
    discriminator_lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.9)
    ema_decay: float | None = 0.999
    lecam: float | None = None
    pac: int = 1
    class_balance: bool = True
    amp: str | None = None
    compile: bool = False
    strategy: str | None = None
    checkpoint_dir: str | None = None
    checkpoint_every: int = 10

    def __post_init__(self) -> None:
        if isinstance(self.batch_size, str) or isinstance(self.max_steps, str):
            raise ValueError(f"a training config needs numbers, got batch_size={self.batch_size!r}, max_steps="
                             f"{self.max_steps!r}: resolve 'auto' with training_budget() first.")
        if self.min_steps is not None and self.max_steps is not None and self.min_steps > self.max_steps:
            raise ValueError(f"a training config's min_steps={self.min_steps} must be at most "
                             f"max_steps={self.max_steps}.")
        # Frozen: the normalised values are set through object.__setattr__, once.
        object.__setattr__(self, "betas", tuple(self.betas))
        if self.checkpoint_dir is not None:
            object.__setattr__(self, "checkpoint_dir", os.fspath(self.checkpoint_dir))

    @property
    def run_epochs(self) -> int:
        """The epochs the run goes through: ``epochs``, or ``max_steps`` where that cap leaves less than a step an
        epoch (each epoch has at least one step, so the cap would otherwise not hold)."""
        return self.epochs if self.max_steps is None else min(self.epochs, self.max_steps)

    @classmethod
    def from_params(cls, params: Mapping[str, Any], loss: Loss) -> TrainingConfig:
        """The config of an estimator's ``get_params()``; a None ``n_critic`` becomes ``loss.n_critic``."""
        values = {f.name: params[f.name] for f in dataclasses.fields(cls) if f.name in params}
        if values.get("n_critic") is None:
            values["n_critic"] = loss.n_critic
        return cls(**values)

    def to_dict(self) -> dict:
        """The fields as plain JSON values (what a model file holds)."""
        return {**dataclasses.asdict(self), "betas": list(self.betas)}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainingConfig:
        """The config :meth:`to_dict` gave.

        Raises
        ------
        ValueError
            If ``values`` names a field this version does not have, or lacks a required one.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(map(str, set(values) - names))
        if unknown:
            raise ValueError(f"a training config has no fields {unknown}; known: {sorted(names)}.")
        try:
            return cls(**values)
        except TypeError as exc:
            raise ValueError(f"a training config needs noise_dim, epochs and batch_size: {exc}") from exc
