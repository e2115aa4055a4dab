"""Files: atomic writes that never clobber, and augan's model format.

An existing file is replaced only when asked (``overwrite``) and only if augan wrote it: a model file by its
format tag, a checkpoint by its keys, any other output by the ledger ``.augan-files.json`` beside it, which
records the SHA-256 of every file augan writes in that folder (a file changed since is the user's).

A model file is a ``torch.save`` archive holding only plain values and tensors: a format tag and
version, the estimator's parameters, the codecs' states and the network weights. It is read with
``torch.load(weights_only=True)``, which refuses anything that would run code, after its zip directory is
checked (entries stored as torch.save stores them, plain values of bounded size) and its entries' CRC32; the
tensors are memory-mapped, so nothing is allocated for them before the caller has checked them against its
networks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import re
import signal
import socket
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import torch

from ._validation import check_bool, check_path

MODEL_FORMAT = "augan-model"
MODEL_VERSION = 1
MODEL_KIND = "an augan model file"
# The files augan wrote in a folder (see written_by_augan), and those of an output folder it owns
# (augan.data.output_folder): never an output's name.
LEDGER_NAME = ".augan-files.json"
MANIFEST_NAME = ".augan-manifest.json"
_BOOKKEEPING_NAMES = frozenset({LEDGER_NAME, MANIFEST_NAME})
_LEDGER_FORMAT = "augan-written-files"
# A model file's plain values (parameters, codec and label states, history, metadata): a table of thousands of
# columns takes a few MiB.
MAX_PLAIN_VALUES_BYTES = 64 * 2**20
MAX_ARCHIVE_ENTRIES = 10_000


def check_output_path(path: str | os.PathLike, overwrite: bool = False,
                      recognise: Callable[[Path], bool] | None = None, kind: str = "") -> Path:
    """Return ``path`` as a Path if a file may be written there; otherwise raise, saying why.

    Refused: a folder; one of augan's bookkeeping names; an existing file (or link) unless ``overwrite`` and
    augan wrote it; a path whose folder is missing or does not let a file be made in it.

    Parameters
    ----------
    path : path
        The file to write.
    overwrite : bool, default=False
        Whether an existing file augan wrote may be replaced.
    recognise : callable, optional
        ``recognise(path)`` says whether the existing file is augan's to replace. Default: :func:`written_by_augan`
        (the ledger of the files augan wrote in that folder).
    kind : str, optional
        With ``recognise``, what the files it recognises are called ("an augan model file"), for the message.

    Raises
    ------
    TypeError
        If ``path`` is not a file path (str or PathLike), or ``overwrite`` is not True or False (a string such as
        "no" would otherwise read as True and replace the file).
    ValueError
        If the file name is one augan keeps its bookkeeping in.
    FileExistsError
        If ``path`` exists and ``overwrite`` is False, or it holds a file augan may not replace.
    IsADirectoryError
        If ``path`` is a folder (``overwrite`` replaces files, never folders).
    FileNotFoundError
        If the folder that should hold ``path`` does not exist.
    PermissionError
        If that folder does not let a new file be made in it.
    """
    path = Path(check_path(path))
    overwrite = check_bool(overwrite, "overwrite")
    if path.name in _BOOKKEEPING_NAMES:
        raise ValueError(f"{path}: augan keeps its bookkeeping in files of that name; give the output another name.")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name.")
    if path.exists() or path.is_symlink():
        if not overwrite:
            raise FileExistsError(f"{path} already exists; pass overwrite=True (CLI: --overwrite) to replace it.")
        if not (recognise or written_by_augan)(path):
            raise FileExistsError(_refusal(path, kind if recognise else ""))
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {path.parent} does not exist; create it first.")
    check_writable_folder(path.parent)
    return path


def _refusal(path: Path, kind: str) -> str:
    if kind:
        return (f"{path} is not {kind}, and overwrite (--overwrite) replaces only {kind}; it is left as it is: give "
                f"another path, or move it away.")
    return (f"{path} was not written by augan, or was changed after augan wrote it (augan knows its own files by "
            f"the {LEDGER_NAME} beside them, which holds no file written before augan kept that list), and overwrite "
            f"(--overwrite) replaces only a file augan wrote and nobody changed since; it is left as it is: give "
            f"another path, or move it away.")


# ------------------------------------------------------------ the ledger of the files augan wrote, per folder
def written_by_augan(path: str | os.PathLike) -> bool:
    """Whether the file at ``path`` is one augan wrote and nobody changed since.

    Every file augan writes through :func:`atomic_output` is recorded, by name and SHA-256, in the ledger
    ``.augan-files.json`` of its folder; a link, a file of another content or a folder without a readable ledger
    is not augan's.
    """
    path = Path(path)
    if path.is_symlink() or not path.is_file():
        return False
    recorded = (_read_ledger(path.parent) or {}).get(path.name)
    return recorded is not None and recorded == file_digest(path)


def file_digest(path: str | os.PathLike) -> str:
    """The SHA-256 of the file at ``path``, in hex: how augan knows a file it wrote is unchanged."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _read_ledger(folder: Path) -> dict[str, str] | None:
    """The ledger of ``folder`` (file name -> SHA-256): empty if there is none, None if a file of its name is not
    one augan wrote (which is then neither trusted nor replaced)."""
    location = folder / LEDGER_NAME
    if not (location.exists() or location.is_symlink()):
        return {}
    try:
        content = json.loads(location.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = content.get("files") if isinstance(content, dict) and content.get("format") == _LEDGER_FORMAT else None
    if location.is_symlink() or not isinstance(files, dict) \
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return None
    return files


def _record(path: Path, digest: str) -> None:
    """Enter ``path`` with ``digest`` in its folder's ledger, atomically. Entries stay after their file is gone
    (another writer's file may not be in place yet); one cannot vouch for a file of other content put there."""
    folder = path.parent
    with _folder_lock(folder):
        files = _read_ledger(folder)
        if files is None:
            return
        files[path.name] = digest
        content = {"format": _LEDGER_FORMAT, "version": 1,
                   "note": "files augan wrote in this folder, by SHA-256; --overwrite replaces only these, unchanged",
                   "files": dict(sorted(files.items()))}
        location = folder / LEDGER_NAME
        fd, tmp = tempfile.mkstemp(prefix=f"{LEDGER_NAME}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                json.dump(content, stream, indent=1)
            os.chmod(tmp, replacement_mode(location))
            os.replace(tmp, location)
        finally:
            Path(tmp).unlink(missing_ok=True)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` while it is held, where the system has one (not on Windows): two writers
    entering files in one ledger at once would otherwise lose one of the entries."""
    try:
        import fcntl
        handle = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def check_writable_folder(folder: str | os.PathLike) -> Path:
    """Return ``folder`` as a Path if a file can be made in it (tried, not guessed from its mode bits).

    Raises
    ------
    PermissionError
        If no file can be made there (no write permission, a read-only disk); the message names the folder.
    """
    folder = Path(folder)
    try:
        fd, probe = tempfile.mkstemp(prefix=".augan-probe-", dir=folder)
    except OSError as exc:
        raise PermissionError(f"cannot write in the folder {folder}: {exc.strerror or exc}.") from exc
    os.close(fd)
    os.unlink(probe)
    return folder


def check_no_overlap(inputs: Mapping[str, str | os.PathLike | None],
                     outputs: Mapping[str, str | os.PathLike | None]) -> None:
    """Refuse an output that is, holds or lies inside an input or another output.

    ``inputs`` and ``outputs`` map a name for the message (``"--out"``) to a path; None entries are skipped.
    Paths are compared as the filesystem sees them: relative ones from the working folder, symbolic links
    resolved, and existing ones by device and inode, which also catches hard links and names that differ only
    in case on a filesystem that folds case.

    Raises
    ------
    ValueError
        Naming both paths, if an output is an input or another output, a folder holding one, or lies in one.
    """
    given_inputs = [(name, Path(path)) for name, path in inputs.items() if path is not None]
    given_outputs = [(name, Path(path)) for name, path in outputs.items() if path is not None]
    for index, (name, path) in enumerate(given_outputs):
        for other_name, other in given_inputs + given_outputs[:index]:
            what = "an input" if (other_name, other) in given_inputs else "another output"
            if _within(path, other) and _within(other, path):
                raise ValueError(f"{name} {path} is the same file as {other_name} {other}; augan never writes "
                                 f"over {what}, with or without --overwrite: give another path.")
            for inner, inner_name, outer, outer_name in ((path, name, other, other_name),
                                                         (other, other_name, path, name)):
                if _within(inner, outer):
                    raise ValueError(f"{inner_name} {inner} lies inside {outer_name} {outer}; an output may "
                                     f"neither hold {what} nor lie inside one: give another path.")


def _within(inner: Path, outer: Path) -> bool:
    """Whether ``inner`` is ``outer`` or lies somewhere inside it, as the filesystem resolves them."""
    inner_real, outer_real = Path(os.path.realpath(inner)), Path(os.path.realpath(outer))
    try:
        outer_stat = os.stat(outer_real)
    except OSError:
        outer_stat = None
    for path in (inner_real, *inner_real.parents):
        if path == outer_real:
            return True
        if outer_stat is None:
            if str(path).casefold() == str(outer_real).casefold() and folds_case(path):
                return True
            continue
        with contextlib.suppress(OSError):
            if os.path.samestat(os.stat(path), outer_stat):
                return True
    return False


def folds_case(path: str | os.PathLike) -> bool:
    """Whether the filesystem that would hold ``path`` treats names differing only in case as one name.

    Tried with a temporary file in the nearest existing folder above ``path``; when that cannot be done, True
    (the cautious answer for the callers, which ask in order to refuse two names that may collide).
    """
    folder = next((p for p in Path(os.path.abspath(path)).parents if p.is_dir()), None)
    if folder is None:
        return False
    try:
        with tempfile.NamedTemporaryFile(prefix=".augan-case-probe-", dir=folder) as probe:
            name = Path(probe.name)
            return (name.parent / name.name.swapcase()).exists()
    except OSError:
        return True


def this_machine() -> str:
    """A short tag of this machine (a digest of its host name), for names of temporary files."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def process_is_gone(pid: int, machine: str) -> bool:
    """Whether the process ``pid`` of the machine tagged ``machine`` (see :func:`this_machine`) no longer runs.

    False whenever that cannot be known: another machine, or a system without ``os.kill(pid, 0)`` (on Windows it
    would end the process).
    """
    if machine != this_machine() or os.name != "posix" or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}.augan-{os.getpid()}-{this_machine()}-"


def _remove_abandoned_temporaries(path: Path) -> None:
    """Remove the temporary files of earlier writes of ``path`` whose process was killed before it could."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.augan-(\d+)-([0-9a-f]{{8}})-[^/]*\.tmp")
    try:
        candidates = [entry for entry in path.parent.iterdir() if pattern.fullmatch(entry.name)]
    except OSError:
        return
    for entry in candidates:
        pid, machine = pattern.fullmatch(entry.name).groups()
        if entry.is_file() and not entry.is_symlink() and process_is_gone(int(pid), machine):
            entry.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, overwrite: bool = False,
                  recognise: Callable[[Path], bool] | None = None, kind: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed to ``path``, on error removed.

    Readers never see a half-written file and an existing file is never lost to a failed write. With
    ``overwrite``, an existing file is replaced only if augan may replace it (see :func:`check_output_path`,
    whose ``recognise`` and ``kind`` this takes), checked again just before it is replaced. Without
    ``recognise``, the file written is entered in its folder's ledger, so a later ``overwrite`` may replace it. A
    file that is replaced passes its permission bits on to its replacement. The temporary file's name holds this
    process's id and machine: a write killed outright (SIGKILL) cannot remove it, and the next write of ``path``
    does, once that process is gone.
    """
    path = check_output_path(path, overwrite, recognise, kind)
    with sigterm_after_cleanup():
        _remove_abandoned_temporaries(path)
        fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=path.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        try:
            try:
                yield tmp_path
            except OSError as exc:
                raise write_failure(path, exc) from exc
            if path.exists() or path.is_symlink():
                if not overwrite:
                    raise FileExistsError(f"{path} appeared while it was being written; not replacing it.")
                if not (recognise or written_by_augan)(path):
                    raise FileExistsError(f"{path} changed while augan was writing its replacement; not replacing "
                                          f"it.")
            if tmp_path.is_file():
                os.chmod(tmp_path, replacement_mode(path))
                if recognise is None:
                    _record_or_explain(path, file_digest(tmp_path))
            os.replace(tmp_path, path)
        finally:
            tmp_path.unlink(missing_ok=True)


class _Terminated(BaseException):
    """SIGTERM arrived while a file was being written."""


@contextlib.contextmanager
def sigterm_after_cleanup() -> Iterator[None]:
    """Let SIGTERM (``docker stop``, Slurm, Kubernetes) end the process only after the block's cleanup has run, so
    that a write it stops leaves no temporary file behind: the process then ends by the signal, as it would have.

    Only in the main thread, and only while SIGTERM has its default handling (during training, the trainer's own
    handler finishes the running step first, and keeps its place).
    """
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def terminate(number: int, frame: Any) -> None:
        raise _Terminated

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise  # not reached: the signal ends the process
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _record_or_explain(path: Path, digest: str) -> None:
    try:
        _record(path, digest)
    except OSError as exc:
        error = type(exc)(f"could not write {path}: augan could not update {path.parent / LEDGER_NAME}, the list of "
                          f"the files it wrote in that folder ({exc.strerror or exc}); nothing was written.")
        error.errno = exc.errno
        raise error from exc


def replacement_mode(path: Path) -> int:
    """The permission bits of a file about to become ``path``: those of the file it replaces (a private file stays
    private), else those any new file of the user's gets (mkstemp makes its files 0600)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_failure(path: Path, exc: OSError, previous: str = "the file") -> OSError:
    """``exc`` (a failed write towards ``path``) as one line naming ``path``: same type, same errno.

    The line says that ``previous`` (what ``path`` held) is unchanged, or that nothing was written there.
    """
    reason = exc.strerror or (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    kept = f"{previous} there is unchanged" if path.exists() else "nothing was written there"
    error = type(exc)(f"could not write {path}: {reason}; {kept}.")
    error.errno = exc.errno
    return error


def save_tensors(content: Any, path: str | os.PathLike) -> None:
    """``torch.save(content, path)``, with a failed write raised as the ``OSError`` it is.

    ``torch.save`` turns a failing disk (full, over quota, file too large) into a ``RuntimeError`` of its
    C++ writer; writing through a Python file keeps the operating system's error, with its errno.
    """
    try:
        with open(path, "wb") as handle:
            torch.save(content, handle)
    except RuntimeError as exc:
        if isinstance(exc.__context__, OSError):
            raise exc.__context__ from None
        raise


def check_model_output(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """:func:`check_output_path` for a model file: ``overwrite`` replaces only a file that is an augan model.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False, or it is not an augan model file (a file of the user's
        that happens to have the name).
    """
    return check_output_path(path, overwrite, _is_model_file, MODEL_KIND)


def _is_model_file(path: Path) -> bool:
    """Whether ``path`` holds an augan model, by its format tag."""
    content = plain_content(path)
    return isinstance(content, dict) and content.get("format") == MODEL_FORMAT


def plain_content(path: str | os.PathLike) -> Any:
    """What the ``torch.save`` file at ``path`` holds (its tensors memory-mapped, not read; nothing executed), or
    None if torch cannot read it as one: how augan tells its own files from others before replacing them."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:  # torch raises several types for a file that is not its own
        return None


def save_model(path: str | os.PathLike, payload: dict, overwrite: bool = False) -> Path:
    """Write a model ``payload`` (plain values and tensors) to ``path`` atomically.

    Raises
    ------
    FileExistsError
        If a file is at ``path`` and ``overwrite`` is False or the file is not an augan model.
    OSError
        If the file cannot be written (a full disk, say): one line naming ``path``; a file already there is
        left as it was.
    """
    check_model_output(path, overwrite)
    content = {"format": MODEL_FORMAT, "version": MODEL_VERSION, **payload}
    with atomic_output(path, overwrite, _is_model_file, MODEL_KIND) as tmp:
        save_tensors(content, tmp)
        _check_loadable(tmp, path)
    return Path(path)


def _check_loadable(tmp: str | os.PathLike, path: str | os.PathLike) -> None:
    """Refuse to keep a model file that :func:`load_model` would refuse: one holding Python objects beyond plain
    values and tensors (a column of a type augan learned by its values, say). Nothing is written then."""
    try:
        torch.load(tmp, map_location="cpu", weights_only=True, mmap=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"GLOBAL (\S+)", str(exc))
        raise ValueError(f"cannot save the model to {path}: it would hold Python objects "
                         f"({found.group(1) if found else 'not plain values or tensors'}) that augan does not read "
                         f"back from a file; nothing was written.") from None


def load_model(path: str | os.PathLike) -> dict[str, Any]:
    """Read a model file written by :func:`save_model`, executing nothing from it.

    The file is read once to check its entries' checksums; its tensors are then memory-mapped from it, not read into
    memory: nothing is allocated for them until the caller has checked them (see :func:`stored_tensor_bytes`).

    Raises
    ------
    TypeError
        If ``path`` is not a file path (str or PathLike).
    FileNotFoundError
        If ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a folder.
    ValueError
        If the file is truncated, corrupt (bytes that do not match their CRC32 included), not an augan model, of an
        unknown format version, or holds anything but plain values and tensors (code).
    """
    path = Path(check_path(path))
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a model file; give the file itself (written by CGAN.save or "
                                f"augan fit --model-out).")
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
    # NotImplementedError: zipfile's answer to a damaged header's "extract version".
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ValueError(f"{path} is not a readable augan model file (corrupt, truncated, or not written by "
                         f"augan): not a torch.save archive ({exc}).") from None


def _check_archive(path: Path) -> None:
    """Refuse an archive that would cost more to read than a model file can (from the zip's directory alone), then
    one whose bytes do not match their checksums."""
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
    damaged = damaged_entry(path)
    if damaged is not None:
        raise ValueError(f"{path} is not a readable augan model file: it is damaged (the bytes of its entry "
                         f"{damaged!r} do not match the checksum stored with them); save the model again or use "
                         f"a copy.")


def damaged_entry(path: str | os.PathLike) -> str | None:
    """The first entry of the ``torch.save`` archive at ``path`` whose bytes do not match the CRC32 stored with them,
    or None (also when ``path`` is no zip archive: its loader says so). Reads the whole file once.

    ``torch.load`` checks no checksum, so a file damaged after it was written loads without this. An entry whose
    stored CRC32 is 0 is not checked: ``torch.save`` stores that when
    ``torch.serialization.set_crc32_options(False)`` turned its checksums off.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for entry in archive.infolist():
                if entry.CRC == 0:
                    continue
                try:
                    with archive.open(entry) as stream:
                        while stream.read(2**20):
                            pass
                except (zipfile.BadZipFile, EOFError):  # a bad CRC-32, or a local header that does not match
                    return entry.filename
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    return None


def stored_tensor_bytes(path: str | os.PathLike) -> int:
    """Bytes of all the tensors a ``torch.save`` archive at ``path`` holds (referenced or not)."""
    return sum(entry.file_size for entry in _archive_entries(Path(path)) if "/data/" in entry.filename)
