"""Output folders that augan owns: it writes a manifest of its files, and replaces only those.

A folder augan writes holds ``.augan-manifest.json``, the list of the files it wrote there. ``overwrite``
replaces exactly those files and refuses a folder that holds anything else (or has no manifest), so a
mistyped output path never costs the user a file augan did not make. A new folder is written under a
temporary name and renamed whole; an existing one gets its new files first and loses its old ones last, so a
failure midway leaves the previous files in place.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from ..storage import MANIFEST_NAME, check_writable_folder, write_failure

_MANIFEST_FORMAT = "augan-output-folder"


def check_output_folder(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Return ``path`` as a Path if augan may write its files there; otherwise raise, saying why.

    A folder may be written when it does not exist yet (its parent does), when it is empty, or, with
    ``overwrite``, when everything in it is listed in the manifest of an earlier write.

    Raises
    ------
    FileExistsError
        If ``path`` is a file, or a folder that is not empty and ``overwrite`` is False, or that holds a file
        augan did not write (the message names it).
    FileNotFoundError
        If the parent folder does not exist.
    PermissionError
        If the folder (or, for a new one, its parent) does not let files be made in it.
    """
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise FileExistsError(f"{path} is a broken link; give a folder.")
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"{path} is a file; give a folder.")
    if not path.exists():
        parent = Path(os.path.abspath(path)).parent
        if not parent.is_dir():
            raise FileNotFoundError(f"the folder {parent} does not exist; create it first.")
        check_writable_folder(parent)
        return path
    if any(path.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{path} already exists and is not empty; pass overwrite=True (CLI: --overwrite) "
                                  f"to replace what augan wrote there.")
        written = read_manifest(path)
        if written is None and (path / MANIFEST_NAME).exists():
            raise FileExistsError(f"{path} holds a {MANIFEST_NAME} that is not a readable augan manifest; "
                                  f"overwrite replaces only a folder augan wrote: give a new or empty folder.")
        foreign = _first_foreign(path, written or set())
        if foreign is not None:
            raise FileExistsError(f"{path} holds {foreign}, which augan did not write (no {MANIFEST_NAME} "
                                  f"lists it); overwrite replaces only what augan wrote there: move it "
                                  f"away or give a new or empty folder.")
    check_writable_folder(path)
    return path


def read_manifest(folder: Path) -> set[str] | None:
    """The files (relative POSIX paths) that the manifest of ``folder`` lists, or None without a valid one.

    Entries that could point outside the folder (absolute, or with ``..``) make the manifest invalid.
    """
    try:
        content = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = content.get("files") if isinstance(content, dict) and content.get("format") == _MANIFEST_FORMAT \
        else None
    if not isinstance(files, list) or not all(isinstance(f, str) and _is_inner(f) for f in files):
        return None
    return set(files)


def _is_inner(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not PurePosixPath(name).is_absolute() and not {"..", ".", ""} & set(parts) \
        and name != MANIFEST_NAME and "\\" not in name


def _first_foreign(root: Path, written: set[str]) -> str | None:
    """The first thing under ``root`` that is neither a listed file, a folder holding one, nor the manifest."""
    folders = {str(parent) for name in written for parent in PurePosixPath(name).parents if str(parent) != "."}
    for folder, subfolders, files in os.walk(root):
        relative = PurePosixPath(Path(folder).relative_to(root).as_posix())
        for name in sorted(subfolders + files):
            entry = (relative / name).as_posix() if str(relative) != "." else name
            real_folder = (Path(folder) / name).is_dir() and not (Path(folder) / name).is_symlink()
            if real_folder and entry not in folders:
                return entry
            if not real_folder and entry not in written and entry != MANIFEST_NAME:
                return entry
    return None


def write_output_folder(path: str | os.PathLike, fill: Callable[[Path], list[str]], overwrite: bool = False) -> Path:
    """Write files into the folder ``path`` with ``fill``, recording them in its manifest.

    Parameters
    ----------
    path : path
        The folder (see :func:`check_output_folder` for which ones may be written).
    fill : callable
        ``fill(folder)`` writes the files into the empty ``folder`` and returns their paths relative to it.
    overwrite : bool, default=False
        Replace the files an earlier write recorded; anything else in the folder makes this fail instead.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        If a file cannot be written (a full disk, say): one line naming ``path``; its previous files stay.
    """
    target = check_output_folder(path, overwrite)
    location = Path(os.path.abspath(target))
    try:
        if not location.exists():
            _write_new(location, fill)
        else:
            _replace_contents(location, fill, read_manifest(location) or set())
    except OSError as exc:
        raise write_failure(target, exc, previous="what was") from exc
    return target


def _write_new(target: Path, fill: Callable[[Path], list[str]]) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        _write_manifest(staging, fill(staging))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; the user's new folders are not
        os.rename(staging, target)  # fails if a non-empty folder appeared there meanwhile
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace_contents(target: Path, fill: Callable[[Path], list[str]], old: set[str]) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".augan-writing-", suffix=".tmp", dir=target))
    try:
        new = set(fill(staging))
        # Listing both first: if the moves stop midway, every file in the folder is still one augan may replace.
        _write_manifest(target, old | new)
        for name in sorted(new):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target / name)
        for name in sorted(old - new):
            (target / name).unlink(missing_ok=True)
        kept = {str(parent) for name in new for parent in PurePosixPath(name).parents}
        emptied = {parent for name in old - new for parent in PurePosixPath(name).parents
                   if str(parent) not in kept and str(parent) != "."}
        for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
            if not any((target / folder).iterdir()):
                (target / folder).rmdir()
        _write_manifest(target, new)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_manifest(folder: Path, files: set[str] | list[str]) -> None:
    content = {"format": _MANIFEST_FORMAT, "version": 1,
               "note": "files augan wrote here; overwrite replaces these and refuses anything else",
               "files": sorted(files)}
    handle, tmp = tempfile.mkstemp(prefix=f"{MANIFEST_NAME}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(content, stream, indent=1)
        os.replace(tmp, folder / MANIFEST_NAME)
    finally:
        Path(tmp).unlink(missing_ok=True)
