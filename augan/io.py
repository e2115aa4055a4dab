"""Files: atomic writes that never clobber, and augan's model format.

A model file is a ``torch.save`` archive holding only plain values and tensors: a format tag and
version, the estimator's parameters, the codecs' states and the network weights. It is read with
``torch.load(weights_only=True)``, which refuses anything that would run code, after its zip directory is
checked (entries stored as torch.save stores them, plain values of bounded size); the tensors are
memory-mapped, so nothing is allocated for them before the caller has checked them against its networks.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

MODEL_FORMAT = "augan-model"
MODEL_VERSION = 1
# A model file's plain values (parameters, codec and label states, history, metadata): a table of thousands of
# columns takes a few MiB.
MAX_PLAIN_VALUES_BYTES = 64 * 2**20
MAX_ARCHIVE_ENTRIES = 10_000


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

    Its tensors are memory-mapped from the file, not read into memory: nothing is allocated for them until
    the caller has checked them (see :func:`stored_tensor_bytes`).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is truncated, corrupt, not an augan model, of an unknown format version, or holds
        anything but plain values and tensors (code).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}.")
    _check_archive(path)
    try:
        content = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"GLOBAL (\S+)", str(exc))
        raise ValueError(f"{path} is not a readable augan model file: it holds Python objects "
                         f"({found.group(1) if found else 'not plain values or tensors'}) that only code could "
                         f"rebuild, and augan never runs code from a file.") from None
    except (zipfile.BadZipFile, EOFError, RuntimeError, AttributeError, ValueError,
            TypeError, KeyError, OSError, IndexError) as exc:
        raise ValueError(f"{path} is not a readable augan model file (corrupt, truncated, or not written by "
                         f"augan): {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc
    if not isinstance(content, dict) or content.get("format") != MODEL_FORMAT:
        raise ValueError(f"{path} is not an augan model file.")
    version = content.get("version")
    if version != MODEL_VERSION:
        raise ValueError(f"{path} has model format version {version!r}; this augan reads version {MODEL_VERSION}.")
    return content


def _archive_entries(path: Path) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ValueError(f"{path} is not a readable augan model file (corrupt, truncated, or not written by "
                         f"augan): not a torch.save archive ({exc}).") from None


def _check_archive(path: Path) -> None:
    """Refuse, from the zip's directory alone, an archive that would cost more to read than a model file can."""
    entries = _archive_entries(path)
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise ValueError(f"{path} is not an augan model file: it holds {len(entries)} archive entries "
                         f"(a model file holds fewer than {MAX_ARCHIVE_ENTRIES}).")
    for entry in entries:
        # torch.save stores every entry as it is, so an entry's size can be trusted: nothing unpacks.
        if entry.compress_type != zipfile.ZIP_STORED:
            raise ValueError(f"{path} is not an augan model file: its entry {entry.filename!r} is compressed, "
                             f"which torch.save never does.")
        if entry.filename.endswith("/data.pkl") and entry.file_size > MAX_PLAIN_VALUES_BYTES:
            raise ValueError(f"{path} is not an augan model file: its plain values take {entry.file_size:,} "
                             f"bytes, more than the {MAX_PLAIN_VALUES_BYTES:,} a model file may hold.")


def stored_tensor_bytes(path: str | os.PathLike) -> int:
    """Bytes of all the tensors a ``torch.save`` archive at ``path`` holds (referenced or not)."""
    return sum(entry.file_size for entry in _archive_entries(Path(path)) if "/data/" in entry.filename)
