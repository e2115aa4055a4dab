"""A table as CSV text, the one way augan writes it, and the worker processes that format the chunks of a large
one. A worker imports this module and pandas only (not torch, not the command), so it starts in a fraction of a
second; it runs :func:`serve`."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from typing import BinaryIO

import numpy as np
import pandas as pd


def labels_rows(index: pd.Index) -> bool:
    """Whether ``index`` is written with the rows: any index but pandas' default, the positions 0, 1, 2... as a
    RangeIndex. The same numbers read from a file's index column are the file's: they are written back."""
    return not (isinstance(index, pd.RangeIndex) and index.equals(pd.RangeIndex(len(index))))


def write_csv(frame: pd.DataFrame, path_or_buffer: object, index: bool | None = None, header: bool = True) -> None:
    """``frame`` as CSV, with its index where :func:`labels_rows` says so (or where ``index`` says, if given)."""
    index = labels_rows(frame.index) if index is None else index
    _with_float_text(frame).to_csv(path_or_buffer, index=index, header=header)


def _with_float_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each float64 column as the text pandas writes for it: the shortest digits that read back
    as the same number (numpy's, which pandas uses, and Python's ``repr`` are the same digits, in the same
    notation), an empty cell for NaN. ``repr`` takes half the time of numpy's formatting, which was a quarter of
    ``augan generate`` on a million-row table."""
    floats = [j for j, dtype in enumerate(frame.dtypes) if dtype == np.float64]
    if not floats:
        return frame
    frame = frame.copy(deep=False)
    for j in floats:
        values = frame.iloc[:, j].to_numpy()
        text = np.array(list(map(float.__repr__, values.tolist())), dtype=object)
        text[np.isnan(values)] = ""
        frame.isetitem(j, text)
    return frame


def chunk_text(chunk: pd.DataFrame, first: bool, index: bool | None = None) -> str:
    """``chunk`` as :func:`write_csv` writes a table; only the first chunk of a table keeps its header line."""
    buffer = io.StringIO()
    write_csv(chunk, buffer, index, header=first)
    return buffer.getvalue()


class WorkerStopped(RuntimeError):
    """A worker process ended before it answered (killed, out of memory, or it could not start)."""


class CsvWorkers:
    """``count`` processes that format chunks (:func:`chunk_text`), one chunk each at a time.

    ``send(k, ...)`` gives worker ``k`` a chunk; ``receive(k)`` waits for its text. A worker is given its next
    chunk only once its text has been received, so neither side ever waits on the other's full pipe.
    """

    def __init__(self, count: int) -> None:
        # The parent's sys.path, so that a worker imports this very module (a checkout on PYTHONPATH, say).
        code = "import sys; sys.path[:0] = sys.argv[1:]; from augan_cli.csv_text import serve; serve()"
        self.processes: list[subprocess.Popen] = []
        try:
            for _ in range(count):
                # Its stderr is not the command's: a worker that fails is reported in one line, by its exit status.
                # In a session of its own, Ctrl-C at the terminal reaches the command alone, which ends the input.
                self.processes.append(subprocess.Popen([sys.executable, "-c", code, *sys.path], stdin=subprocess.PIPE,
                                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                                       start_new_session=True))
        except BaseException:
            self.close()
            raise

    def send(self, worker: int, chunk: pd.DataFrame, first: bool, index: bool | None) -> None:
        try:
            pickle.dump((chunk, first, index), self.processes[worker].stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.processes[worker].stdin.flush()
        except OSError as exc:  # a broken pipe: the worker has ended
            raise WorkerStopped(self._ended(worker)) from exc

    def receive(self, worker: int) -> str:
        stream = self.processes[worker].stdout
        length = stream.read(8)
        size = int.from_bytes(length, "little")
        data = stream.read(size) if len(length) == 8 else b""
        if len(length) < 8 or len(data) < size:  # the worker's output ended early
            raise WorkerStopped(self._ended(worker))
        return data.decode("utf-8")

    def _ended(self, worker: int) -> str:
        process = self.processes[worker]
        try:
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        return f"it ended with exit status {code}"

    def close(self) -> None:
        for process in self.processes:
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def serve(source: BinaryIO | None = None, sink: BinaryIO | None = None) -> None:
    """A worker's loop: a pickled ``(chunk, first, index)`` in, its text out as UTF-8 after its length (8 bytes,
    little-endian), until the input ends."""
    source = source or sys.stdin.buffer
    sink = sink or sys.stdout.buffer
    while True:
        try:
            chunk, first, index = pickle.load(source)
        except EOFError:
            return
        data = chunk_text(chunk, first, index).encode("utf-8")
        sink.write(len(data).to_bytes(8, "little"))
        sink.write(data)
        sink.flush()
