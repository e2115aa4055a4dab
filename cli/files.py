"""Reading inputs and writing outputs, chosen by file extension.

A new kind of input or output is one function here, registered in ``_READERS`` or ``_WRITERS``.
Outputs are written atomically (temporary file + rename) and never replace a file without ``overwrite``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

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
