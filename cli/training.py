"""The options every training command shares, gathered into one :class:`Training` value.

``@training_options`` adds them to a command's signature (so Typer shows and parses them) and hands
them to the command as its ``training`` argument; each option is declared once, with its default
read from :class:`~augan.CGAN`.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from augan import CGAN
from augan.device import resolve_device

from . import options as o


@dataclasses.dataclass(frozen=True)
class Training:
    """How to train, as given on the command line."""

    epochs: int
    batch_size: int
    max_steps: int | None
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

    def make_gan(self, images: bool = False) -> CGAN:
        """The CGAN these options describe (progress bar on unless ``quiet``).

        ``images`` picks the default architecture: dcgan for images, mlp for tables.
        """
        resolve_device(self.device)  # a device this machine lacks is refused before the data is read
        return CGAN(architecture=self.architecture or ("dcgan" if images else "mlp"), loss=o.check_loss(self.loss),
                    epochs=self.epochs, batch_size=self.batch_size, max_steps=self.max_steps,
                    device=self.device, random_state=self.seed,
                    resume=self.resume, verbose=not self.quiet, amp=self.amp, compile=self.compile,
                    strategy="ddp" if self.distributed else None,
                    checkpoint_dir=None if self.checkpoint_dir is None else str(self.checkpoint_dir))


_PARAMETERS = [
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
    for name, annotation, default in [
        ("epochs", o.Epochs, o.GAN_DEFAULTS["epochs"]),
        ("batch_size", o.BatchSize, o.GAN_DEFAULTS["batch_size"]),
        ("max_steps", o.MaxSteps, o.GAN_DEFAULTS["max_steps"]),
        ("loss", o.Loss, o.GAN_DEFAULTS["loss"]),
        ("device", o.Device, o.GAN_DEFAULTS["device"]),
        ("seed", o.Seed, o.GAN_DEFAULTS["random_state"]),
        ("checkpoint_dir", o.CheckpointDir, o.GAN_DEFAULTS["checkpoint_dir"]),
        ("resume", o.Resume, o.GAN_DEFAULTS["resume"]),
        ("quiet", o.Quiet, False),
        ("architecture", o.Architecture, None),
        ("amp", o.Amp, o.GAN_DEFAULTS["amp"]),
        ("compile", o.Compile, o.GAN_DEFAULTS["compile"]),
        ("distributed", o.Distributed, False),
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
