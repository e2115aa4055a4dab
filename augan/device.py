"""Which torch device to train on."""

from __future__ import annotations

from typing import Any

import torch

from ._validation import available_memory


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Return the torch device for ``device``.

    Parameters
    ----------
    device : str or torch.device, default="auto"
        ``"auto"`` picks CUDA when available, then Apple MPS, then the CPU. Any other value is passed to
        :class:`torch.device` and must name a device this machine has (see :func:`available_devices`).

    Raises
    ------
    ValueError
        If ``device`` is not a valid device string or names a device this machine does not have; the
        message lists those it has.
    """
    if isinstance(device, str) and device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _has_mps():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        resolved = device if isinstance(device, torch.device) else torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a valid torch device; {_choices()}.") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} asks for CUDA, but no CUDA GPU is available here; {_choices()}.")
    known = {"cpu": 1, "cuda": torch.cuda.device_count() if torch.cuda.is_available() else 0,
             "mps": int(_has_mps())}
    if known.get(resolved.type, 0) == 0 or (resolved.index is not None and resolved.index >= known[resolved.type]):
        raise ValueError(f"device={device!r} is not a device of this machine; {_choices()}.")
    return resolved


def available_devices() -> list[str]:
    """The devices this machine has, as ``device=`` takes them: ``["cpu", "cuda:0", ...]``."""
    cuda = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return ["cpu", *(f"cuda:{i}" for i in range(cuda)), *(["mps"] if _has_mps() else [])]


def _choices() -> str:
    return f"use 'auto' or one of the devices this machine has: {', '.join(available_devices())}"


def _has_mps() -> bool:
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def device_memory(device: torch.device) -> int | None:
    """Bytes free for new tensors on ``device`` now; None where it cannot be known (MPS, ...)."""
    if device.type == "cpu":
        return available_memory()
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    return None


def to_device(array: Any, device: torch.device) -> torch.Tensor:
    """``array`` (numpy or a CPU tensor) as a tensor on ``device``.

    To a GPU the copy goes through pinned (page-locked) memory without blocking the host, so the host
    can go on preparing work while the copy runs; later work on the device is ordered after it.
    """
    tensor = torch.as_tensor(array)
    if device.type != "cuda":
        return tensor.to(device)
    return tensor.pin_memory().to(device, non_blocking=True)
