"""Reading inputs and writing outputs, chosen by file extension (a folder means images, a class per subfolder).

A new kind of input or output is one function here, registered in ``_READERS``/``_WRITERS`` (tables) or
``_IMAGE_READERS``/``_IMAGE_WRITERS`` (images).
Outputs are written atomically (temporary file + rename) and never replace a file without ``overwrite``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from augan.data.images import read_image_folder, read_npz, write_image_folder, write_npz
from augan.io import atomic_output, check_output_path


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text (it holds the byte {exc.object[exc.start]:#04x}); "
                         f"save it as UTF-8 and try again.") from exc
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{path} is empty.") from exc
    except pd.errors.ParserError as exc:
        raise ValueError(f"{path} is not a readable CSV table: {exc}") from exc


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{path} is not a readable Parquet file: {exc}") from exc


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


_READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    ".csv": _read_csv, ".parquet": _read_parquet, ".pq": _read_parquet,
}
_WRITERS: dict[str, Callable[[pd.DataFrame, Path], None]] = {
    ".csv": _write_csv, ".parquet": _write_parquet, ".pq": _write_parquet,
}


def _pick(path: Path, registry: dict, what: str) -> Callable:
    suffix = path.suffix.lower()
    if suffix not in registry:
        raise ValueError(f"{path}: cannot {what} a {suffix or 'file without extension'!r} file; "
                         f"use one of {', '.join(registry)}.")
    return registry[suffix]


def read_table(path: Path) -> pd.DataFrame:
    """Read the table at ``path`` (.csv, .parquet or .pq).

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the extension is not supported or the file cannot be read as a table (non-UTF-8 CSV included).
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a table file ({', '.join(_READERS)}).")
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    return _pick(path, _READERS, "read")(path)


def check_table_output(path: Path, overwrite: bool) -> Path:
    """Refuse, before any work, an output ``path`` that could not be written."""
    _pick(Path(path), _WRITERS, "write")
    return check_output_path(path, overwrite)


def check_outputs(out: Path | None, model_out: Path | None, overwrite: bool) -> None:
    """Check the table output and the model output (either may be None) before training."""
    if out is not None:
        check_table_output(out, overwrite)
    if model_out is not None:
        check_output_path(model_out, overwrite)
    if out is not None and model_out is not None and Path(out).resolve() == Path(model_out).resolve():
        raise ValueError(f"--out and --model-out both name {out}; give two different files.")


def write_table(frame: pd.DataFrame, path: Path, overwrite: bool) -> None:
    """Write ``frame`` to ``path`` atomically: a failed write leaves no file behind."""
    writer = _pick(Path(path), _WRITERS, "write")
    with atomic_output(path, overwrite) as tmp:
        writer(frame, tmp)


def write_table_chunks(chunks: Iterable[pd.DataFrame], path: Path, overwrite: bool) -> None:
    """Write ``chunks`` end to end as one table at ``path``, atomically, holding one chunk at a time."""
    _pick(Path(path), _WRITERS, "write")
    with atomic_output(path, overwrite) as tmp:
        _pick(Path(path), _CHUNK_WRITERS, "write")(chunks, tmp)


def _write_csv_chunks(chunks: Iterable[pd.DataFrame], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        for number, chunk in enumerate(chunks):
            text = _csv_text(chunk)
            # Every chunk is written as _write_csv writes a table; only the first keeps its header line.
            handle.write(text if number == 0 else text[len(_csv_text(chunk.iloc[:0])):])


def _csv_text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    _write_csv(frame, buffer)
    return buffer.getvalue()


def _write_parquet_chunks(chunks: Iterable[pd.DataFrame], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for chunk in chunks:
            table = pa.Table.from_pandas(chunk, preserve_index=False, schema=writer.schema if writer else None)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


_CHUNK_WRITERS: dict[str, Callable[[Iterable[pd.DataFrame], Path], None]] = {
    ".csv": _write_csv_chunks, ".parquet": _write_parquet_chunks, ".pq": _write_parquet_chunks,
}


# ---------------------------------------------------------------- images: a class-per-subfolder folder or .npz
_IMAGE_READERS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {".npz": read_npz}
_IMAGE_WRITERS: dict[str, Callable[..., Path]] = {".npz": write_npz, "": write_image_folder}


def is_images(path: Path) -> bool:
    """True when ``path`` names images (a folder, or an .npz file) rather than a table."""
    return Path(path).is_dir() or Path(path).suffix.lower() in _IMAGE_READERS


def read_images(path: Path, size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read images and labels: a folder with one subfolder per class (resized to ``size`` if given), or .npz.

    Raises
    ------
    FileNotFoundError
        If nothing is at ``path``.
    ValueError
        If ``size`` is given for an .npz file, or the library cannot read the images (mixed sizes, a file
        that is not an image, an .npz without arrays X and y).
    """
    path = Path(path)
    if path.is_dir():
        return read_image_folder(path, size=size)
    if size is not None:
        raise ValueError(f"--size resizes the images of a folder; {path} holds arrays, resize them before saving.")
    return _pick(path, _IMAGE_READERS, "read images from")(path)


def check_images_output(path: Path, overwrite: bool) -> Path:
    """Refuse, before any work, an image output (a folder, or an .npz file) that could not be written."""
    path = Path(path)
    writer = _pick(path, _IMAGE_WRITERS, "write images to")
    if writer is write_npz:
        return check_output_path(path, overwrite)
    if path.is_file():
        raise FileExistsError(f"{path} is a file; give a folder (written as one subfolder per class) or an .npz.")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise FileExistsError(f"{path} already exists and is not empty; pass --overwrite to replace it.")
    if not path.absolute().parent.is_dir():
        raise FileNotFoundError(f"the folder {path.absolute().parent} does not exist; create it first.")
    return path


def write_images(X: np.ndarray, y: np.ndarray, path: Path, overwrite: bool) -> None:
    """Write images: one subfolder of PNG files per class (a path without extension) or an .npz file."""
    _pick(Path(path), _IMAGE_WRITERS, "write images to")(path, X, y, overwrite=overwrite)
