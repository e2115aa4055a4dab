"""Reading inputs and writing outputs, chosen by file extension (a folder means images, a class per subfolder).

A new kind of input or output is one function here, registered in ``_READERS``/``_WRITERS`` (tables) or
``_IMAGE_READERS``/``_IMAGE_WRITERS`` (images).
Outputs are written atomically (temporary file + rename) and never replace a file without ``overwrite``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import warnings
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import torch

from augan._validation import format_bytes
from augan.data.images import check_folder_names, read_image_folder, read_npz, write_image_folder, write_npz
from augan.data.output_folder import check_output_folder
from augan.storage import atomic_output, check_model_output, check_output_path

from .csv_text import CsvWorkers, WorkerStopped, chunk_text, labels_rows, write_csv


# What pandas' read_csv takes for a missing value by default (its ``na_values`` documentation), but for the empty cell.
_MISSING_MARKERS = frozenset({"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                              "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
# A leading '+', or a leading zero before a digit, that reading the value as a number would drop: 007, 02134, +33.
_CODE = re.compile(r"\s*(\+|[+-]?0\d)")
# The same for Arrow's RE2, anchored as re.match is; the whitespace that can come before a number is ASCII.
_CODE_RE2 = r"^[\t\n\v\f\r ]*(\+|[+-]?0\d)"


def _read_csv(path: Path, text_columns: Collection[str] = ()) -> pd.DataFrame:
    try:
        # Only an empty cell is missing text: "NA" (North America), "None" or "null" are values, which pandas'
        # default would read as missing and a resampled file would then write back blank.
        frame = pd.read_csv(path, encoding="utf-8", dtype=dict.fromkeys(text_columns, str), keep_default_na=False,
                            na_values=[""])
        return _keep_codes_as_text(_numbers_with_missing_markers(frame, path, text_columns), path)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text (it holds the byte {exc.object[exc.start]:#04x}); "
                         f"save it as UTF-8 and try again.") from exc
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{path} is empty.") from exc
    except pd.errors.ParserError as exc:
        raise ValueError(f"{path} is not a readable CSV table: {exc}") from exc


def _numbers_with_missing_markers(frame: pd.DataFrame, path: Path, text_columns: Collection[str]) -> pd.DataFrame:
    """``frame`` with each text column that pandas' default reading makes a column of numbers (its other cells
    being markers of a missing value: "NA", "NaN", "#N/A", ...) read that way, as its numbers and missing values."""
    marked = [j for j, name in enumerate(frame.columns) if name not in text_columns
              and pd.api.types.is_string_dtype(frame.dtypes.iloc[j]) and frame.iloc[:, j].isin(_MISSING_MARKERS).any()]
    if not marked:
        return frame
    default = pd.read_csv(path, encoding="utf-8", usecols=marked)
    for k, j in enumerate(marked):
        dtype = default.dtypes.iloc[k]
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            frame.isetitem(j, default.iloc[:, k])
    return frame


def _keep_codes_as_text(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """``frame`` with each number column whose text a number would change (codes, ZIPs, IDs) read as text."""
    numeric = [j for j, dtype in enumerate(frame.dtypes)
               if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)]
    if not numeric:
        return frame
    coded = _columns_with_codes(path, numeric)
    if coded:
        text = pd.read_csv(path, encoding="utf-8", dtype=str, usecols=coded)
        for k, j in enumerate(coded):
            frame.isetitem(j, text.iloc[:, k])
    return frame


def _columns_with_codes(path: Path, columns: list[int]) -> list[int]:
    """The positions among ``columns`` where a cell's text matches ``_CODE``.

    Arrow reads the columns as text on every core and matches them in C++: with pandas' text read and Python's
    regex on every cell, reading a 1,000,000-row table took 15.8 s on 2 cores, against 2.2 s. Where Arrow cannot
    read the file as pandas did (a row shorter than the header, say), pandas does it.
    """
    names = [f"f{j}" for j in columns]
    as_text = pa_csv.ConvertOptions(include_columns=names, column_types=dict.fromkeys(names, pa.string()))
    try:
        table = pa_csv.read_csv(path, read_options=pa_csv.ReadOptions(skip_rows=1, autogenerate_column_names=True),
                                parse_options=pa_csv.ParseOptions(newlines_in_values=True), convert_options=as_text)
    except pa.ArrowInvalid:
        text = pd.read_csv(path, encoding="utf-8", dtype=str, usecols=columns)
        return [j for k, j in enumerate(columns) if text.iloc[:, k].str.match(_CODE, na=False).any()]
    return [j for j, name in zip(columns, names) if pc.any(pc.match_substring_regex(table[name], _CODE_RE2)).as_py()]


def _read_parquet(path: Path, text_columns: Collection[str] = ()) -> pd.DataFrame:
    """The Parquet file at ``path``, its columns in dtypes that keep their Arrow types when written back:
    decimals as Arrow decimals (not objects), integers with nulls as nullable integers (not floats).

    A Parquet file stores each column's type, so no column needs to be read as text.
    """
    try:
        table = pq.read_table(path)
        frame = table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_decimal(t) else None)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{path} is not a readable Parquet file: {exc}") from exc
    for j, name in enumerate(frame.columns):
        kind = table.schema.field(name).type if name in table.schema.names else None
        if kind is not None and pa.types.is_integer(kind) and frame.dtypes.iloc[j].kind == "f":  # nulls made floats
            signed = "" if pa.types.is_signed_integer(kind) else "U"
            nullable = pd.api.types.pandas_dtype(f"{signed}Int{kind.bit_width}")
            frame.isetitem(j, pd.Series(nullable.__from_arrow__(table.column(name)), index=frame.index))
    return frame


def _read_csv_table(path: Path, text_columns: Collection[str] = ()) -> pd.DataFrame:
    """A CSV table checked against its header as written, an unnamed first column as its index, dates typed."""
    frame = _read_csv(path, text_columns)
    header = _csv_header(path)
    _refuse_duplicates(header, path)
    unnamed = [position + 1 for position, name in enumerate(header) if not name.strip()]
    if unnamed and unnamed != [1]:
        raise ValueError(f"{path}: column {unnamed[-1]} has no name in the header row; name it (only the first "
                         f"column may be unnamed: it is then the rows' index, as pandas' to_csv writes one).")
    if unnamed:
        frame = frame.set_index(frame.columns[0]).rename_axis(None)
        if isinstance(frame.index, pd.RangeIndex):  # pandas took the file's column of 0, 1, 2... for its default
            frame.index = pd.Index(frame.index.to_numpy())
    return _typed_dates(frame)


def _csv_header(path: Path) -> list[str]:
    """The column names as the file writes them: read_csv renames a repeated "a" to "a.1" and a blank to
    "Unnamed: 0" without a word, so the header row is read again as a row of plain text."""
    row = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False, encoding="utf-8")
    return row.iloc[0].tolist() if len(row) else []


_ISO_DATE = r"\d{4}-\d{2}(-\d{2})?([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
_UTC_OFFSET = r"(Z|[+-]\d{2}:?\d{2})"
_TIME_OF_DAY = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?"


def _typed_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns of ISO 8601 dates (date-times) or times of day, read as datetime64 or ``datetime.time``.

    A CSV file has no types; so read, its dates meet the rule a Parquet file's dates meet (the GAN's codec
    refuses them, naming the column) instead of being modelled as categories.
    """
    date = _ISO_DATE + _UTC_OFFSET + "?"
    for name in frame.columns:
        values = frame[name].dropna()
        if frame[name].dtype.kind != "O" or values.empty or pd.api.types.infer_dtype(values) != "string":
            continue
        first = values.iloc[0]
        if re.fullmatch(date, first) and values.str.fullmatch(date).all():
            with_offset = bool(values.str.fullmatch(".*" + _UTC_OFFSET).any())
            frame[name] = pd.to_datetime(frame[name], format="ISO8601", utc=with_offset)
        elif re.fullmatch(_TIME_OF_DAY, first) and values.str.fullmatch(_TIME_OF_DAY).all():
            frame[name] = pd.to_datetime(frame[name], format="mixed").dt.time
    return frame


def _read_parquet_table(path: Path, text_columns: Collection[str] = ()) -> pd.DataFrame:
    """A Parquet table, its index (which pandas keeps in the file) included; repeated column names refused."""
    try:
        names = pq.read_schema(path).names
    except (ValueError, OSError):
        names = []  # not Parquet: _read_parquet says so
    _refuse_duplicates(names, path)
    frame = _read_parquet(path, text_columns)
    if isinstance(frame.index, pd.MultiIndex):
        raise ValueError(f"{path} has an index of {frame.index.nlevels} levels; augan keeps an index of one: "
                         f"save the table after reset_index() (or with a single index).")
    return frame


def _refuse_duplicates(names: list, path: Path) -> None:
    repeated = sorted(str(name) for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise ValueError(f"{path} has more than one column named {', '.join(map(repr, repeated))}; "
                         f"column names must be unique.")


# A table longer than this is written in chunks of this many rows (as many as CGAN.iter_samples draws at a time).
_CSV_CHUNK_ROWS = 65536


def _write_csv(frame: pd.DataFrame, path: Path | io.IOBase) -> None:
    """``frame`` as CSV; a large one to a file in chunks, formatted by worker processes as a draw is."""
    if len(frame) <= _CSV_CHUNK_ROWS or not isinstance(path, (str, os.PathLike)):
        write_csv(frame, path)
        return
    chunks = (frame.iloc[start:start + _CSV_CHUNK_ROWS] for start in range(0, len(frame), _CSV_CHUNK_ROWS))
    _write_csv_texts(chunks, path, index=labels_rows(frame.index))


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=labels_rows(frame.index))


_READERS: dict[str, Callable[[Path, Collection[str]], pd.DataFrame]] = {
    ".csv": _read_csv_table, ".parquet": _read_parquet_table, ".pq": _read_parquet_table,
}
_WRITERS: dict[str, Callable[[pd.DataFrame, Path], None]] = {
    ".csv": _write_csv, ".parquet": _write_parquet, ".pq": _write_parquet,
}


def _pick(path: Path, registry: dict, what: str, choices: str | None = None) -> Callable:
    """The function ``registry`` holds for the extension of ``path``; ``choices`` says what the registry takes."""
    suffix = path.suffix.lower()
    if suffix not in registry:
        raise ValueError(f"{path}: cannot {what} a {suffix or 'file without extension'!r} file; "
                         f"use {choices or 'one of ' + ', '.join(registry)}.")
    return registry[suffix]


def read_table(path: Path, text_columns: Collection[str] = ()) -> pd.DataFrame:
    """Read the table at ``path`` (.csv, .parquet or .pq).

    In a CSV, the columns named in ``text_columns`` are read as text, and so is a column of numbers whose
    text a number would change (a leading zero or '+': ZIP codes, IDs), so its values come back as written.

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
    return _pick(path, _READERS, "read")(path, text_columns)


def check_table_output(path: Path, overwrite: bool) -> Path:
    """Refuse, before any work, an output ``path`` that could not be written (a folder named so first: it has no
    table format to name)."""
    checked = check_output_path(path, overwrite)
    _pick(Path(path), _WRITERS, "write")
    return checked


def check_disk_space(out: Path, rows: int, example: pd.DataFrame | np.ndarray, asked: str,
                     labels: np.ndarray | None = None) -> None:
    """Refuse, before any work, a table of ``rows`` rows (or ``rows`` images) that the disk holding ``out`` has no
    room for.

    The size of a row is that of ``example`` (rows like the output's: a table, or images with their ``labels``,
    the input's or a first draw of the model) written in the output's format: drawn numbers are written with more
    digits than most data has, and generated images compress less well than real ones, so an example from the input
    errs on the small side; either way only what could not fit is refused. ``asked`` says, in the message, what
    asked for the rows (``"--n 10,000"``).

    Raises
    ------
    ValueError
        If the output would take more than the free space of the disk that holds ``out``.
    """
    images = labels is not None
    example = example[:64] if images else example.iloc[:1000]
    if len(example) < 2:
        return
    half = len(example) // 2
    if images:
        sizes = [_images_size(out, example, labels[:len(example)]), _images_size(out, example[:half], labels[:half])]
    else:
        writer = _pick(Path(out), _WRITERS, "write")
        sizes = []
        for part in (example, example.iloc[:half]):
            buffer = io.BytesIO()
            writer(part, buffer)
            sizes.append(buffer.getbuffer().nbytes)
    # The difference leaves out what a file holds once (a header, Parquet's metadata, a manifest's frame).
    per_row = max(sizes[0] - sizes[1], 1) / (len(example) - half)
    folder = next(p for p in Path(os.path.abspath(out)).parents if p.is_dir())
    free = shutil.disk_usage(folder).free
    if rows * per_row > free:
        made, kind = (f"{rows:,} images", "an image") if images else (f"a table of {rows:,} rows", "a row")
        written_as = "PNG files" if images and _image_writer(out) is write_image_folder else Path(out).suffix
        raise ValueError(f"{asked} makes {made}, which would take at least {format_bytes(rows * per_row)} on disk "
                         f"as {written_as} (about {per_row:,.0f} bytes {kind}), more than the {format_bytes(free)} "
                         f"free in {folder}: ask for fewer, or write them to another disk.")


def _images_size(out: Path, X: np.ndarray, y: np.ndarray) -> int:
    """Bytes that ``X, y`` take written as ``out`` would be (a folder of PNG files, or an .npz)."""
    with tempfile.TemporaryDirectory(prefix=".augan-size-") as scratch:
        written = Path(scratch) / ("images.npz" if _image_writer(out) is write_npz else "images")
        write_images(X, y, written, overwrite=False)
        paths = [written] if written.is_file() else [p for p in written.rglob("*") if p.is_file()]
        return sum(p.stat().st_size for p in paths)


def check_outputs(out: Path | None, model_out: Path | None, overwrite: bool, images: bool = False) -> None:
    """Check the output of tables (or of ``images``) and the model output (either may be None) before training."""
    if out is not None:
        (check_images_output if images else check_table_output)(out, overwrite)
    if model_out is not None:
        check_model_output(model_out, overwrite)


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
    """The chunks of a draw as one CSV table, each with its index where it labels the rows."""
    _write_csv_texts(_numbered_as_the_table(chunks), path, index=None)


def _write_csv_texts(chunks: Iterable[pd.DataFrame], path: Path, index: bool | None) -> None:
    """The chunks as one CSV table. From the second chunk on, worker processes format them (formatting numbers is
    most of a large table's time, and holds the GIL) while this one makes the next; the texts go out in order.
    Where the workers cannot start, or one stops, this process formats what they have not."""
    count = _csv_workers()
    workers: CsvWorkers | None = None
    pending: deque = deque()  # (chunk, the worker formatting it)

    def text(chunk: pd.DataFrame, worker: int) -> str:
        nonlocal workers
        if workers is not None:
            try:
                return workers.receive(worker)
            except WorkerStopped as exc:
                warnings.warn(f"a process formatting the CSV stopped ({exc}); this one writes the rest, slower.",
                              stacklevel=2)
                _close(workers)
                workers = None
        return chunk_text(chunk, False, index)

    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            for number, chunk in enumerate(chunks):
                if number == 0:
                    handle.write(chunk_text(chunk, True, index))
                    continue
                if number == 1 and count > 0:
                    try:
                        workers = CsvWorkers(count)
                    except OSError:  # no processes here (a limit on them, say): this one formats every chunk
                        workers = None
                if workers is not None and len(pending) == count:
                    handle.write(text(*pending.popleft()))  # where a worker stopped, workers is None from here
                if workers is None:  # none started, or one stopped: what they held first, then this chunk
                    while pending:
                        handle.write(text(*pending.popleft()))
                    handle.write(chunk_text(chunk, False, index))
                    continue
                worker = (number - 1) % count  # the one whose last chunk was just written, or a new one
                try:
                    workers.send(worker, chunk, False, index)
                except WorkerStopped:
                    pass  # text() says so when it comes to this chunk
                pending.append((chunk, worker))
            while pending:
                handle.write(text(*pending.popleft()))
    finally:
        _close(workers)


def _close(workers: CsvWorkers | None) -> None:
    if workers is not None:
        workers.close()


def _csv_workers() -> int:
    """Worker processes for formatting a large CSV, beside the process that draws the rows: together as many as
    the cores this process may use and torch's threads (``--threads``) allow, at most 8 workers; none below 4.

    On 2 cores, one worker beside the drawing process gained nothing (sending the chunks costs what the worker
    saves), and two were 1.4 times as fast as none on a table to write alone (500,000 x 21: 11.5 against 8.1 s).
    """
    cores = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
                torch.get_num_threads())
    return 0 if cores < 4 else min(cores - 1, 8)


def _numbered_as_the_table(chunks: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    # A chunk numbered on from the previous one (as CGAN.iter_samples numbers them) holds positions of the whole
    # table, no labels: written as the whole table would be, without them.
    start = 0
    for chunk in chunks:
        if chunk.index.equals(pd.RangeIndex(start, start + len(chunk))):
            chunk = chunk.reset_index(drop=True)
        start += len(chunk)
        yield chunk


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
_IMAGE_WRITERS: dict[str, Callable[..., Path]] = {".npz": write_npz}  # anything else: a folder, if it can be one
# Extensions of files that are not a folder of images: a path ending so is refused as an image output; any other
# dot in a name (run.v2, gen_0.5, 2024.01.05) is part of a folder's name.
_FILE_SUFFIXES = frozenset(".png .jpg .jpeg .gif .bmp .tif .tiff .webp .csv .parquet .pq .npy .json .txt .zip .gz "
                           ".tar .pkl .pt .augan".split())


def _image_writer(path: Path) -> Callable[..., Path]:
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir() or suffix not in {*_IMAGE_WRITERS, *_FILE_SUFFIXES}:
        return write_image_folder
    if suffix in _IMAGE_WRITERS:
        return _IMAGE_WRITERS[suffix]
    raise ValueError(f"{path}: cannot write images to a {suffix!r} file; use a folder (one subfolder of PNG files "
                     f"per class) or .npz.")


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
    """Refuse, before any work, an image output (a folder, or an .npz file) that could not be written.

    A folder must be new, empty, or (with ``overwrite``) hold only what augan wrote there before
    (see :mod:`augan.data.output_folder`).
    """
    path = Path(path)
    if _image_writer(path) is write_npz:
        return check_output_path(path, overwrite)
    if path.is_file():
        raise FileExistsError(f"{path} is a file; give a folder (written as one subfolder per class) or an .npz.")
    return check_output_folder(path, overwrite)


def check_image_labels(classes: np.ndarray, out: Path) -> None:
    """Refuse, before training, classes that cannot name the subfolders of the image folder ``out``."""
    if _image_writer(out) is write_image_folder:
        check_folder_names(classes, out)


def write_images(X: np.ndarray, y: np.ndarray, path: Path, overwrite: bool, value_max: float | None = None,
                 synthetic_from: int | None = None) -> None:
    """Write images: an .npz file, or a folder of one subfolder of PNG files per class (any other path whose
    extension is not that of another kind of file).

    For PNG files, ``value_max`` is the pixel scale of ``X`` (a model's ``codec_.value_max_``; None reads it from
    ``X``) and the images from position ``synthetic_from`` on are named ``synthetic-NNNNNN.png``.
    """
    writer = _image_writer(path)
    if writer is write_image_folder:
        writer(path, X, y, overwrite=overwrite, value_max=value_max, synthetic_from=synthetic_from)
    else:
        writer(path, X, y, overwrite=overwrite)
