"""Training: the :class:`Trainer` loop and its collaborators.

:mod:`.loop` (the trainer), :mod:`.config` (the frozen settings of a run), :mod:`.sampler` (batches by class),
:mod:`.ema` (the moving average of the generator), :mod:`.lecam` (the LeCam regularisation of the
discriminator), :mod:`.precision` (autocast and gradient scaling),
:mod:`.checkpoints` (saving, resuming, Ctrl-C and SIGTERM) and :mod:`.progress` (the progress bar).
"""

from .checkpoints import CHECKPOINT_NAME, CheckpointFolder, TrainingTerminated, check_checkpoint_dir
from .config import (AUTO_BUDGET, BUDGET_EPOCHS, CATEGORICAL_STEPS_FACTOR, LARGE_IMAGE_SET, TWO_CLASS_TABLE_STEPS,
                     TrainingConfig, training_budget)
from .ema import EMA
from .loop import HISTORY_KEYS, Trainer, TrainingDivergedError
from .precision import AMP_MODES, Precision, sampling_autocast
from .sampler import BalancedBatchSampler

__all__ = ["AMP_MODES", "AUTO_BUDGET", "BUDGET_EPOCHS", "BalancedBatchSampler", "CATEGORICAL_STEPS_FACTOR",
           "CHECKPOINT_NAME", "CheckpointFolder", "EMA", "HISTORY_KEYS", "LARGE_IMAGE_SET", "Precision", "Trainer",
           "TrainingConfig", "TrainingDivergedError", "TrainingTerminated", "TWO_CLASS_TABLE_STEPS",
           "check_checkpoint_dir", "sampling_autocast", "training_budget"]
