"""Files: atomic writes that never clobber, and augan's model format.

A model file is a ``torch.save`` archive holding only plain values and tensors: a format tag and
version, the estimator's parameters, the codecs' states and the network weights. It is read with
``torch.load(weights_only=True)``, which refuses anything that would run code.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

MODEL_FORMAT = "augan-model"
MODEL_VERSION = 1


def check_output_path(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Return ``path`` as a Path, refusing an existing file unless ``overwrite``.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    FileNotFoundError
        If the folder that should hold ``path`` does not exist.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True (CLI: --overwrite) to replace it.")
    if not path.parent.exists():
        raise FileNotFoundError(f"the folder {path.parent} does not exist; create it first.")
    return path


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed to ``path``, on error removed.

    Readers never see a half-written file and an existing file is never lost to a failed write.
    """
    path = check_output_path(path, overwrite)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} appeared while it was being written; not replacing it.")
        # mkstemp creates the file 0600; give it the mode any new file of the user's gets.
        umask = os.umask(0)
        os.umask(umask)
        if tmp_path.is_file():
            os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def save_model(path: str | os.PathLike, payload: dict, overwrite: bool = False) -> Path:
    """Write a model ``payload`` (plain values and tensors) to ``path`` atomically."""
    content = {"format": MODEL_FORMAT, "version": MODEL_VERSION, **payload}
    with atomic_output(path, overwrite) as tmp:
        torch.save(content, tmp)
    return Path(path)


def load_model(path: str | os.PathLike) -> dict[str, Any]:
    """Read a model file written by :func:`save_model`, executing nothing from it.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is truncated, corrupt, not an augan model, or of an unknown format version.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}.")
    try:
        content = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, zipfile.BadZipFile, EOFError, RuntimeError, AttributeError, ValueError,
            TypeError, KeyError, OSError, IndexError) as exc:
        raise ValueError(f"{path} is not a readable augan model file (corrupt, truncated, or not written by "
                         f"augan): {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc
    if not isinstance(content, dict) or content.get("format") != MODEL_FORMAT:
        raise ValueError(f"{path} is not an augan model file.")
    version = content.get("version")
    if version != MODEL_VERSION:
        raise ValueError(f"{path} has model format version {version!r}; this augan reads version {MODEL_VERSION}.")
    return content
