"""A table as CSV text, the one way augan writes it: in the command's process, or in the worker processes that
format the chunks of a large draw (this module imports pandas only, so that a worker starts in a fraction of a
second)."""

from __future__ import annotations

import io

import pandas as pd


def labels_rows(index: pd.Index) -> bool:
    """Whether ``index`` is written with the rows: any index but pandas' default, the positions 0, 1, 2... as a
    RangeIndex. The same numbers read from a file's index column are the file's: they are written back."""
    return not (isinstance(index, pd.RangeIndex) and index.equals(pd.RangeIndex(len(index))))


def write_csv(frame: pd.DataFrame, path_or_buffer: object) -> None:
    frame.to_csv(path_or_buffer, index=labels_rows(frame.index))


def csv_text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    write_csv(frame, buffer)
    return buffer.getvalue()


def chunk_text(chunk: pd.DataFrame, first: bool) -> str:
    """``chunk`` as :func:`write_csv` writes a table; only the first chunk of a table keeps its header line."""
    text = csv_text(chunk)
    return text if first else text[len(csv_text(chunk.iloc[:0])):]
