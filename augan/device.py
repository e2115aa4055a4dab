"""Which torch device to train on."""

from __future__ import annotations

from typing import Any

import torch


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Return the torch device for ``device``.

    Parameters
    ----------
    device : str or torch.device, default="auto"
        ``"auto"`` picks CUDA when available, then Apple MPS, then the CPU. Any other value is passed to
        :class:`torch.device` and must name a device that exists on this machine.

    Raises
    ------
    ValueError
        If ``device`` is not a valid device string or names a device that is not available.
    """
    if isinstance(device, torch.device):
        resolved = device
    elif device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    else:
        try:
            resolved = torch.device(device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(f"device={device!r} is not a valid torch device ('auto', 'cpu', 'cuda', ...).") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} asks for CUDA, but no CUDA GPU is available here; use 'auto' or 'cpu'.")
    if resolved.type == "mps" and not (
        getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    ):
        raise ValueError(f"device={device!r} asks for MPS, but it is not available here; use 'auto' or 'cpu'.")
    return resolved


def to_device(array: Any, device: torch.device) -> torch.Tensor:
    """``array`` (numpy or a CPU tensor) as a tensor on ``device``.

    To a GPU the copy goes through pinned (page-locked) memory without blocking the host, so the host
    can go on preparing work while the copy runs; later work on the device is ordered after it.
    """
    tensor = torch.as_tensor(array)
    if device.type != "cuda":
        return tensor.to(device)
    return tensor.pin_memory().to(device, non_blocking=True)
