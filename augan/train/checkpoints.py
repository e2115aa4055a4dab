"""Checkpoints of a training run: the folder they live in, writing and reading them, and the Ctrl-C and SIGTERM
handling that lets a run stop at a step boundary with its state saved."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch

from ..storage import atomic_output, check_writable_folder, damaged_entry, plain_content, save_tensors

CHECKPOINT_NAME = "checkpoint.pt"
# What every Trainer.state_dict holds, by which a file is known as a checkpoint augan wrote.
STATE_KEYS = frozenset({"epoch", "steps", "history", "generator", "discriminator", "opt_g", "opt_d", "scaler_g",
                        "scaler_d", "rng_cpu"})


# Settings a resumed fit may change: how long it runs, where and how often it checkpoints, and compilation (which
# changes rounding only). Every other TrainingConfig field must be the checkpoint's.
RESUMABLE_CHANGES = frozenset({"epochs", "checkpoint_dir", "checkpoint_every", "compile"})


class CheckpointMismatch(ValueError):
    """A checkpoint written by another fit (other training data, or other training settings), or no training
    checkpoint at all."""


def data_identity(data: np.ndarray, labels: np.ndarray, *states: object) -> str:
    """A digest of the encoded training ``data``, its class indices ``labels`` and the plain-value ``states`` that
    encoded them (the codecs'): equal for the same rows, columns, transforms and classes."""
    digest = hashlib.sha256()
    for array in (data, labels):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.data)
    for state in states:
        digest.update(json.dumps(state, sort_keys=True, default=repr).encode())
    return digest.hexdigest()


def check_training_state(state: object) -> None:
    """Refuse what is not a Trainer's state (a saved model in place of a checkpoint, say), naming what it lacks.

    Raises
    ------
    CheckpointMismatch
    """
    missing = sorted(STATE_KEYS - set(state)) if isinstance(state, dict) else sorted(STATE_KEYS)
    if missing:
        raise CheckpointMismatch(f"is not a training checkpoint: it holds no {', '.join(missing[:3])} (a saved model "
                                 f"is not one); move it away, or give another checkpoint_dir to start afresh.")


def check_same_fit(saved: dict | None, current: dict) -> None:
    """Refuse a checkpoint whose ``saved`` identity (None: written before identities) differs from ``current``'s.

    Both hold ``"data"`` (see :func:`data_identity`, optional) and ``"settings"`` ({field: repr of its value}); a
    setting only one of them holds (a field of another version, or the step shape before ``fit``) is not compared.

    Raises
    ------
    CheckpointMismatch
        Naming the settings that differ, or saying that the data does.
    """
    if saved is None:
        return
    reasons: list[str] = []
    if saved.get("data") != current.get("data"):
        reasons.append("on other training data (its rows, columns, their transforms or the classes differ)")
    old, new = saved.get("settings", {}), current.get("settings", {})
    changed = [f"{name} {old[name]} now {new[name]}" for name in sorted(set(old) & set(new)) if old[name] != new[name]]
    if changed:
        reasons.append("with other training settings (" + "; ".join(changed) + ")")
    if reasons:
        raise CheckpointMismatch(f"was written by a fit {' and '.join(reasons)}; resume continues the same fit only. "
                                 f"Fit with the checkpoint's data and settings to continue it, or give another "
                                 f"checkpoint_dir (or delete the checkpoint) to start afresh.")


class TrainingTerminated(KeyboardInterrupt):
    """SIGTERM (``docker stop``, Slurm, Kubernetes) arrived during training, which then stopped as on Ctrl-C.

    A ``KeyboardInterrupt``, so code that handles Ctrl-C handles it too: the running step is finished and the
    training state saved in ``checkpoint_dir`` before it is raised.
    """


def check_checkpoint_dir(checkpoint_dir: str | os.PathLike | None, resume: bool = False,
                         replace: bool = False) -> None:
    """Refuse, before any training, a checkpoint folder that could not be used.

    Without ``resume``, a ``checkpoint.pt`` already in the folder (an earlier run's, or a file of the user's) is
    refused rather than replaced, unless ``replace`` (the command line's ``--overwrite``) and augan wrote it.

    Raises
    ------
    ValueError
        If ``resume`` is True without a ``checkpoint_dir``, or if without ``resume`` the folder already holds a
        ``checkpoint.pt`` that may not be replaced.
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
    checkpoint = Path(checkpoint_dir) / CHECKPOINT_NAME
    if resume or not (checkpoint.exists() or checkpoint.is_symlink()):
        return
    if not replace:
        raise ValueError(f"the checkpoint folder (checkpoint_dir, --checkpoint-dir) {checkpoint_dir} already holds "
                         f"{checkpoint}, which training would replace: pass resume (--resume) to continue from it, "
                         f"give another folder, or remove the file to start afresh (on the command line, "
                         f"--overwrite replaces a checkpoint augan wrote).")
    # Under torchrun, another process of the same run may have removed it meanwhile.
    if not _written_by_augan(checkpoint) and (checkpoint.exists() or checkpoint.is_symlink()):
        raise ValueError(f"the checkpoint folder (checkpoint_dir, --checkpoint-dir) {checkpoint_dir} holds "
                         f"{checkpoint}, which augan did not write; --overwrite replaces only the checkpoints augan "
                         f"writes: give another folder, or move the file away.")


def _written_by_augan(path: Path) -> bool:
    """Whether ``path`` is a checkpoint a Trainer wrote, as far as its plain values show."""
    state = plain_content(path)
    return isinstance(state, dict) and STATE_KEYS <= state.keys()


@contextlib.contextmanager
def interrupt_between_steps(enabled: bool) -> Iterator[Callable[[], type[KeyboardInterrupt] | None]]:
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


class CheckpointFolder:
    """Where a run keeps ``checkpoint.pt``, and when it writes it.

    Parameters
    ----------
    folder : path or None
        The checkpoint folder; None: no checkpoints (every method then does nothing).
    every : int
        Epochs between checkpoints.
    writes : bool
        Whether this process writes (under DDP only rank 0 does; every process reads).
    """

    def __init__(self, folder: str | os.PathLike | None, every: int = 10, writes: bool = True) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.every = every
        self.writes = writes

    @property
    def path(self) -> Path | None:
        """The checkpoint file, or None without a folder."""
        return self.folder / CHECKPOINT_NAME if self.folder is not None else None

    def due(self, epoch: int) -> bool:
        """Whether a checkpoint is written at the end of ``epoch`` (1-based)."""
        return self.folder is not None and epoch % self.every == 0

    def exists(self) -> bool:
        """Whether a checkpoint file is there."""
        return self.path is not None and self.path.exists()

    def save(self, state: Callable[[], dict]) -> None:
        """Write ``state()`` atomically (a write that fails keeps the previous checkpoint whole)."""
        if self.folder is None or not self.writes:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with atomic_output(self.path, overwrite=True, recognise=_written_by_augan,
                           kind="a checkpoint augan wrote") as tmp:
            save_tensors(state(), tmp)

    def resume(self, load_state: Callable[[dict], None], device: torch.device) -> bool:
        """Read the checkpoint onto ``device`` and hand it to ``load_state``; False (with a warning) if there is none.

        Raises
        ------
        ValueError
            If there is no folder, or the checkpoint is damaged or ``load_state`` refuses it (another model's).
        FileNotFoundError
            If the folder does not exist.
        """
        check_checkpoint_dir(self.folder, resume=True)
        path = self.path
        if not path.exists():
            if self.writes:
                warnings.warn(f"resume: the checkpoint folder {self.folder} holds no {CHECKPOINT_NAME}; "
                              f"training starts from scratch.", UserWarning, stacklevel=3)
            return False
        damaged = damaged_entry(path)
        if damaged is not None:
            raise ValueError(f"the checkpoint {path} is damaged (the bytes of its entry {damaged!r} do not match the "
                             f"checksum stored with them); delete it to start afresh.")
        try:
            state = torch.load(path, map_location=device, weights_only=True)
        except Exception as exc:  # torch raises several types for a damaged file
            raise ValueError(f"the checkpoint {path} cannot be read (damaged, or not written by augan: "
                             f"{type(exc).__name__}); if it is yours, move it away, or give another checkpoint_dir "
                             f"to start afresh.") from exc
        try:
            load_state(state)
        except CheckpointMismatch as exc:
            raise CheckpointMismatch(f"the checkpoint {path} {exc}") from exc
        except (KeyError, TypeError, RuntimeError, ValueError) as exc:
            raise ValueError(f"the checkpoint {path} does not match this model (it was written for networks of other "
                             f"shapes: other columns, classes or network parameters); delete it or point "
                             f"checkpoint_dir elsewhere.") from exc
        return True
