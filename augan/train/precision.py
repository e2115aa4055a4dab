"""Mixed precision for the trainer: autocast of the forward passes, and the gradient scaling fp16 needs."""

from __future__ import annotations

import contextlib

import torch

AMP_MODES = (None, "bf16", "fp16")


class Precision:
    """How the forward passes are computed, and how each optimiser takes its step.

    Parameters
    ----------
    amp : {None, "bf16", "fp16"}
        None: float32 throughout. "bf16": forward passes under bfloat16 autocast. "fp16": float16
        autocast with gradient scaling, CUDA only.
    device : torch.device
        Where training runs.

    Raises
    ------
    ValueError
        If ``amp`` is unknown, or "fp16" off CUDA.
    """

    def __init__(self, amp: str | None, device: torch.device) -> None:
        if amp not in AMP_MODES:
            raise ValueError(f"amp must be one of {AMP_MODES}, got {amp!r}.")
        if amp == "fp16" and device.type != "cuda":
            raise ValueError(f"amp='fp16' needs a CUDA GPU (its gradient scaling is CUDA-only here); on "
                             f"{device.type!r} use amp='bf16' or amp=None.")
        self.amp = amp
        self.device = device

    def autocast(self) -> contextlib.AbstractContextManager:
        """The context of a forward pass: autocast to the chosen dtype, or nothing with ``amp=None``."""
        if self.amp is None:
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.amp == "bf16" else torch.float16
        return torch.autocast(device_type=self.device.type, dtype=dtype)

    def stepper(self, optimizer: torch.optim.Optimizer) -> ScaledStep:
        """``optimizer`` with a gradient scaler of its own, enabled only for fp16."""
        return ScaledStep(optimizer, torch.amp.GradScaler(self.device.type, enabled=self.amp == "fp16"))


def sampling_autocast(amp: str | None, device: torch.device) -> contextlib.AbstractContextManager:
    """The context in which a fitted generator draws: the autocast it was trained under, where ``device`` can run
    it, else float32. A model trained with ``amp="fp16"`` on a GPU and loaded on a CPU samples in float32 there.

    Parameters
    ----------
    amp : {None, "bf16", "fp16"}
        The GAN's mixed precision.
    device : torch.device
        Where the generator draws.
    """
    if amp == "fp16" and device.type != "cuda":
        amp = None
    return Precision(amp, device).autocast()


class ScaledStep:
    """One optimiser and its gradient scaler: :meth:`step` is a whole optimisation step on a loss.

    Attributes
    ----------
    optimizer : torch.optim.Optimizer
    scaler : torch.amp.GradScaler
        Disabled (a pass-through) unless training in fp16.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler) -> None:
        self.optimizer = optimizer
        self.scaler = scaler

    def step(self, loss: torch.Tensor) -> None:
        """Zero the gradients, back-propagate ``loss`` (scaled), step the optimiser and update the scale."""
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
