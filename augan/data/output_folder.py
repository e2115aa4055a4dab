"""Output folders that augan owns: it writes a manifest of its files, and replaces only those.

A folder augan writes holds ``.augan-manifest.json``, the list of the files it wrote there with their SHA-256.
``overwrite`` replaces exactly those files, unchanged, and refuses a folder that holds anything else, a listed file
the user has since edited, or no manifest, so a mistyped output path never costs the user a file augan did not make
and a rerun never costs them an edit. A new folder is written under a
temporary name and renamed whole; an existing one gets its new files first and loses its old ones last, so a
failure midway leaves the previous files in place.

Each temporary folder holds a mark naming the process and machine that made it. A write killed outright (SIGKILL, an
out-of-memory kill, a power cut) cannot remove its temporary folder; the next write to the same folder removes it,
once the mark shows that its process is gone.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from .._validation import check_bool
from ..storage import (MANIFEST_NAME, check_writable_folder, file_digest, process_is_gone, replacement_mode,
                       sigterm_after_cleanup, this_machine, write_failure)

_MANIFEST_FORMAT = "augan-output-folder"
# Version 1 listed names only; 2 adds each file's SHA-256, so that an edited file is not replaced.
_MANIFEST_VERSION = 2
_STAGING_PREFIX = ".augan-writing-"  # a rewrite's temporary folder, inside the folder it rewrites
_STAGING_MARK = ".augan-staging.json"


def check_output_folder(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Return ``path`` as a Path if augan may write its files there; otherwise raise, saying why.

    A folder may be written when it does not exist yet (its parent does), when it is empty, or, with
    ``overwrite``, when everything in it is listed in the manifest of an earlier write, with the content it was
    written with.

    Raises
    ------
    FileExistsError
        If ``path`` is a file, or a folder that is not empty and ``overwrite`` is False, or that holds a file
        augan did not write or that was changed since (the message names it).
    FileNotFoundError
        If the parent folder does not exist.
    PermissionError
        If the folder (or, for a new one, its parent) does not let files be made in it.
    TypeError
        If ``overwrite`` is not True or False (a truthy ``"no"`` must not replace a folder).
    """
    overwrite = check_bool(overwrite, "overwrite")
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
        if written is None and _manifest_version(path) == 1:
            raise FileExistsError(f"{path} was written by an earlier version of augan, whose {MANIFEST_NAME} holds "
                                  f"no checksums, so augan cannot tell whether you changed its files; overwrite "
                                  f"replaces only what augan wrote unchanged: move the folder away or give a new one.")
        if written is None and (path / MANIFEST_NAME).exists():
            raise FileExistsError(f"{path} holds a {MANIFEST_NAME} that is not a readable augan manifest; "
                                  f"overwrite replaces only a folder augan wrote: give a new or empty folder.")
        foreign = _first_foreign(path, written or {}, skip=set(_abandoned_stagings(path)))
        if foreign is not None:
            entry, changed = foreign
            if _is_staging_name(entry):
                raise FileExistsError(f"{path} holds {entry}, the temporary folder of another augan write into it, "
                                      f"which is still running or ran on another machine; let it finish, or, if no "
                                      f"augan is writing there, delete {path / entry} and run again.")
            what = ("which was changed after augan wrote it (its checksum is not the one"
                    if changed else "which augan did not write (no")
            raise FileExistsError(f"{path} holds {entry}, {what} {MANIFEST_NAME} lists); overwrite replaces only "
                                  f"what augan wrote there: move it away or give a new or empty folder.")
    check_writable_folder(path)
    return path


def read_manifest(folder: Path) -> dict[str, set[str]] | None:
    """The files (relative POSIX paths) that the manifest of ``folder`` lists, each with the SHA-256 digests it may
    have (one; two while a rewrite is moving files in), or None without a valid manifest of this version.

    Entries that could point outside the folder (absolute, or with ``..``) make the manifest invalid.
    """
    content = _manifest_content(folder)
    files = content.get("files") if content is not None and content.get("version") == _MANIFEST_VERSION else None
    if not isinstance(files, dict) or not all(isinstance(f, str) and _is_inner(f) for f in files):
        return None
    digests = {name: {value} if isinstance(value, str) else value for name, value in files.items()}
    if not all(isinstance(value, (set, list)) and all(isinstance(d, str) for d in value) for value in digests.values()):
        return None
    return {name: set(value) for name, value in digests.items()}


def _manifest_content(folder: Path) -> dict | None:
    try:
        content = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return content if isinstance(content, dict) and content.get("format") == _MANIFEST_FORMAT else None


def _manifest_version(folder: Path) -> object:
    content = _manifest_content(folder)
    return content.get("version") if content is not None else None


def _is_inner(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not PurePosixPath(name).is_absolute() and not {"..", ".", ""} & set(parts) \
        and name != MANIFEST_NAME and "\\" not in name


def _first_foreign(root: Path, written: dict[str, set[str]], skip: set[str] = frozenset()) -> tuple[str, bool] | None:
    """The first thing under ``root`` that is neither a listed file with a listed content, a folder holding one, the
    manifest nor one of the top-level entries ``skip``, and whether it is a listed file whose content changed."""
    folders = {str(parent) for name in written for parent in PurePosixPath(name).parents if str(parent) != "."}
    for folder, subfolders, files in os.walk(root):
        relative = PurePosixPath(Path(folder).relative_to(root).as_posix())
        if str(relative) == ".":
            subfolders[:] = [name for name in subfolders if name not in skip]
        for name in sorted(subfolders + files):
            entry = (relative / name).as_posix() if str(relative) != "." else name
            if entry in skip:
                continue
            path = Path(folder) / name
            real_folder = path.is_dir() and not path.is_symlink()
            if real_folder and entry not in folders:
                return entry, False
            if real_folder or entry == MANIFEST_NAME:
                continue
            if entry not in written or path.is_symlink() or not path.is_file():
                return entry, False
            if file_digest(path) not in written[entry]:
                return entry, True
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
        with sigterm_after_cleanup():
            if not location.exists():
                _write_new(location, fill)
            else:
                _replace_contents(location, fill, read_manifest(location) or {})
    except OSError as exc:
        raise write_failure(target, exc, previous="what was") from exc
    return target


def _write_new(target: Path, fill: Callable[[Path], list[str]]) -> None:
    _remove(target.parent, _abandoned_stagings(target.parent, f".{target.name}."))
    staging = _make_staging(target.parent, f".{target.name}.")
    try:
        _write_manifest(staging, _digests(staging, fill(staging)))
        (staging / _STAGING_MARK).unlink()  # the folder becomes the output next
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; the user's new folders are not
        os.rename(staging, target)  # fails if a non-empty folder appeared there meanwhile
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace_contents(target: Path, fill: Callable[[Path], list[str]], old: dict[str, set[str]]) -> None:
    _remove(target, _abandoned_stagings(target))
    staging = _make_staging(target, _STAGING_PREFIX)
    try:
        written = _digests(staging, fill(staging))
        new, gone = set(written), set(old) - set(written)
        # Listing both first: if the moves stop midway, every file in the folder is still one augan may replace.
        _write_manifest(target, {name: old.get(name, set()) | written.get(name, set()) for name in set(old) | new})
        for name in sorted(new):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target / name)
        for name in sorted(gone):
            (target / name).unlink(missing_ok=True)
        kept = {str(parent) for name in new for parent in PurePosixPath(name).parents}
        emptied = {parent for name in gone for parent in PurePosixPath(name).parents
                   if str(parent) not in kept and str(parent) != "."}
        for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
            if not any((target / folder).iterdir()):
                (target / folder).rmdir()
        _write_manifest(target, written)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _make_staging(parent: Path, prefix: str) -> Path:
    """A new temporary folder in ``parent``, marked with this process and machine (see :func:`_abandoned_stagings`)."""
    staging = Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=parent))
    (staging / _STAGING_MARK).write_text(json.dumps({"pid": os.getpid(), "machine": this_machine()}),
                                         encoding="utf-8")
    return staging


def _is_staging_name(name: str, prefix: str = _STAGING_PREFIX) -> bool:
    return name.startswith(prefix) and name.endswith(".tmp") and "/" not in name


def _abandoned_stagings(parent: Path, prefix: str = _STAGING_PREFIX) -> list[str]:
    """Names of the temporary folders in ``parent`` that a killed augan write left: named as augan names them,
    holding augan's mark, made on this machine by a process that no longer runs."""
    try:
        names = [entry.name for entry in parent.iterdir() if _is_staging_name(entry.name, prefix)]
    except OSError:
        return []
    return [name for name in names if _is_abandoned(parent / name)]


def _is_abandoned(staging: Path) -> bool:
    if staging.is_symlink() or not staging.is_dir():
        return False
    try:
        mark = json.loads((staging / _STAGING_MARK).read_text(encoding="utf-8"))
        pid, machine = int(mark["pid"]), str(mark["machine"])
    except (OSError, ValueError, TypeError, KeyError):
        return False
    return process_is_gone(pid, machine)


def _remove(parent: Path, names: list[str]) -> None:
    for name in names:
        shutil.rmtree(parent / name, ignore_errors=True)


def _digests(folder: Path, names: list[str]) -> dict[str, set[str]]:
    return {name: {file_digest(folder / name)} for name in names}


def _write_manifest(folder: Path, files: dict[str, set[str]]) -> None:
    content = {"format": _MANIFEST_FORMAT, "version": _MANIFEST_VERSION,
               "note": "files augan wrote here, by SHA-256; overwrite replaces these, unchanged, and refuses anything "
                       "else",
               "files": {name: next(iter(digests)) if len(digests) == 1 else sorted(digests)
                         for name, digests in sorted(files.items())}}
    handle, tmp = tempfile.mkstemp(prefix=f"{MANIFEST_NAME}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(content, stream, indent=1)
        os.chmod(tmp, replacement_mode(folder / MANIFEST_NAME))  # mkstemp makes it private; the images are not
        os.replace(tmp, folder / MANIFEST_NAME)
    finally:
        Path(tmp).unlink(missing_ok=True)
