"""The options every training command shares, gathered into one :class:`Training` value.

``@training_options`` adds them to a command's signature (so Typer shows and parses them) and hands
them to the command as its ``training`` argument; each option is declared once, with its default
read from :class:`~augan.CGAN`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from augan import CGAN
from augan.data.images import linked_entries
from augan.data.tabular import auto_categorical_columns
from augan.device import resolve_device
from augan.distributed import launched_by_torchrun
from augan.storage import check_no_overlap
from augan.train import CHECKPOINT_NAME, check_checkpoint_dir

from . import options as o
from .messages import show_library_messages


@dataclasses.dataclass
class Training:
    """How to train, as given on the command line."""

    epochs: int
    batch_size: int | str
    max_steps: int | str | None
    loss: str
    device: str
    seed: int | None
    checkpoint_dir: Path | None
    resume: bool
    quiet: bool
    architecture: str | None = None
    amp: str | None = None
    compile: bool = False
    distributed: bool = False
    checkpoint_every: int = o.GAN_DEFAULTS["checkpoint_every"]
    categorical: str | None = None
    threads: int | None = None
    earlier_checkpoint_kept: bool = dataclasses.field(default=False, init=False)
    """Set when this run failed before saving a checkpoint and the earlier run's, set aside by
    :meth:`replacing_checkpoint`, was put back."""

    @property
    def categorical_columns(self) -> list[str]:
        """The column names of ``--categorical`` (none when it is not given).

        Raises
        ------
        ValueError
            If a name between the commas is empty.
        """
        if self.categorical is None:
            return []
        names = [name.strip() for name in self.categorical.split(",")]
        if not all(names):
            raise ValueError(f"--categorical takes column names separated by commas, got {self.categorical!r}.")
        return names

    def categorical_features(self, X: Any) -> str | list:
        """The GAN's ``categorical_features`` for the features ``X``: ``"auto"``, or with ``--categorical``
        its columns besides those "auto" makes categorical (text and true/false values)."""
        given = self.categorical_columns
        if not given:
            return "auto"
        auto = set(auto_categorical_columns(X))
        return [name for name in X.columns if name in given or name in auto]

    def make_gan(self, images: bool = False) -> CGAN:
        """The CGAN these options describe (progress bar on unless ``quiet``).

        ``images`` picks the default architecture: dcgan for images, mlp for tables. The library's messages
        (the expected training time) are shown on stderr from here on; only its warnings when ``quiet``.

        Raises
        ------
        ValueError
            If ``--categorical`` is given for images. An option the CGAN does not take fails, naming it.
        """
        if images and self.categorical is not None:
            raise ValueError("--categorical names columns of a table; images have none.")
        show_library_messages(self.quiet)
        o.set_threads(self.threads)
        if launched_by_torchrun() and not self.distributed:
            raise ValueError("augan was started by torchrun without --distributed: every process would train a GAN "
                             "of its own and write the same outputs; add --distributed, or run augan without "
                             "torchrun.")
        if self.distributed and not launched_by_torchrun():
            raise ValueError("--distributed trains in one process per device, started by torchrun: e.g. `torchrun "
                             "--nproc-per-node 2 -m augan_cli fit DATA ... --distributed`.")
        device = resolve_device(self.device)  # a device this machine lacks is refused before the data is read
        if o.parse_amp(self.amp) == "fp16" and device.type != "cuda":
            raise ValueError(f"--amp fp16 needs a CUDA GPU (its gradient scaling is CUDA-only here); on "
                             f"{device.type!r} use --amp bf16 or --amp none.")
        return CGAN(architecture=self.architecture or ("dcgan" if images else "mlp"), loss=o.check_loss(self.loss),
                    epochs=o.check_option("--epochs", self.epochs, CGAN, "epochs"),
                    batch_size=o.check_option("--batch-size", o.parse_budget(self.batch_size, "--batch-size"),
                                              CGAN, "batch_size"),
                    max_steps=o.check_option("--max-steps", o.parse_budget(self.max_steps, "--max-steps", none=True),
                                             CGAN, "max_steps", none="none"),
                    device=self.device, random_state=o.check_option("--seed", self.seed, CGAN, "random_state"),
                    resume=self.resume, verbose=not self.quiet, amp=o.parse_amp(self.amp), compile=self.compile,
                    strategy="ddp" if self.distributed else None,
                    checkpoint_every=o.check_option("--checkpoint-every", self.checkpoint_every, CGAN,
                                                    "checkpoint_every"),
                    checkpoint_dir=None if self.checkpoint_dir is None else str(self.checkpoint_dir))

    def check_files(self, inputs: dict[str, Path | None], outputs: dict[str, Path | None],
                    overwrite: bool = False) -> None:
        """Refuse, before any work, a checkpoint folder that cannot serve and outputs that overlap the inputs.

        ``inputs`` and ``outputs`` map option names to paths, as :func:`augan.storage.check_no_overlap` takes them;
        the checkpoint file joins the outputs, as training writes it. A checkpoint already in ``--checkpoint-dir``
        is refused unless ``--resume``, or ``--overwrite`` and augan wrote it (see :meth:`replacing_checkpoint`).
        """
        # A class folder or image that DATA links to from elsewhere is read as DATA is, so it is an input too.
        linked = {} if inputs.get("DATA") is None else {
            f"DATA's linked {'class folder' if path.is_dir() else 'image'} {path.relative_to(inputs['DATA'])}": path
            for path in linked_entries(inputs["DATA"])}
        check_no_overlap({**inputs, **linked}, {**outputs, "--checkpoint-dir": self.checkpoint})
        # After the overlap check: this one writes a probe file into the folder, which must not be an input's.
        check_checkpoint_dir(self.checkpoint_dir, self.resume, replace=overwrite)

    @property
    def checkpoint(self) -> Path | None:
        """The checkpoint file in ``--checkpoint-dir``, or None without one."""
        return None if self.checkpoint_dir is None else Path(self.checkpoint_dir) / CHECKPOINT_NAME

    @contextlib.contextmanager
    def replacing_checkpoint(self, overwrite: bool) -> Iterator[None]:
        """Run the training the block holds in place of the earlier run's checkpoint that :meth:`check_files` let
        this run replace (with ``--overwrite``, without ``--resume``).

        The library refuses to train over a checkpoint, so it is set aside (renamed, in its folder) for the block.
        It is removed when the block ends well, or fails after this run saved a checkpoint of its own; when the
        block fails before that (an error found late, Ctrl-C before the first step, a failed write), it is put back
        and :attr:`earlier_checkpoint_kept` is set. Without a checkpoint to replace, the block just runs.
        """
        checkpoint = self.checkpoint
        if not overwrite or self.resume or checkpoint is None:
            yield
            return
        check_checkpoint_dir(self.checkpoint_dir, replace=True)  # still the checkpoint check_files let through
        aside = checkpoint.with_name(f".{CHECKPOINT_NAME}.earlier-{os.getpid()}")
        try:
            os.replace(checkpoint, aside)
        except FileNotFoundError:  # none, or another process of this torchrun run set it aside
            yield
            return
        try:
            yield
        except BaseException:
            if not (checkpoint.exists() or checkpoint.is_symlink()):
                os.replace(aside, checkpoint)
                self.earlier_checkpoint_kept = True
            raise
        finally:
            aside.unlink(missing_ok=True)


_PARAMETERS = [
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
    for name, annotation, default in [
        ("epochs", o.Epochs, o.GAN_DEFAULTS["epochs"]),
        ("batch_size", o.BatchSize, o.GAN_DEFAULTS["batch_size"]),
        ("max_steps", o.MaxSteps, o.GAN_DEFAULTS["max_steps"] or "none"),
        ("loss", o.Loss, o.GAN_DEFAULTS["loss"]),
        ("device", o.Device, o.GAN_DEFAULTS["device"]),
        ("seed", o.Seed, o.GAN_DEFAULTS["random_state"]),
        ("threads", o.Threads, None),
        ("checkpoint_dir", o.CheckpointDir, o.GAN_DEFAULTS["checkpoint_dir"]),
        ("checkpoint_every", o.CheckpointEvery, o.GAN_DEFAULTS["checkpoint_every"]),
        ("resume", o.Resume, o.GAN_DEFAULTS["resume"]),
        ("quiet", o.Quiet, False),
        ("architecture", o.Architecture, None),
        ("amp", o.Amp, o.GAN_DEFAULTS["amp"]),
        ("compile", o.Compile, o.GAN_DEFAULTS["compile"]),
        ("distributed", o.Distributed, False),
        ("categorical", o.Categorical, None),
    ]
]


def training_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``command`` the shared training options; it receives them as ``training: Training``."""
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "training"]
    names = [p.name for p in _PARAMETERS]

    @functools.wraps(command)
    def with_training(**kwargs: Any) -> Any:
        training = Training(**{name: kwargs.pop(name) for name in names})
        return command(**kwargs, training=training)

    parameters = own + _PARAMETERS
    with_training.__signature__ = inspect.Signature(parameters)
    with_training.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_training
