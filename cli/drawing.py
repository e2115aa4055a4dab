"""Drawing synthetic rows (or images) into an output: the request checked before any work, tables streamed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from augan import CGAN
from augan._validation import check_draw_size, draw_bytes_per_row

from .files import write_images, write_table_chunks
from .target import describe_counts, with_target


def check_draw(rows: int, flag: str, values_per_row: int | None = None) -> None:
    """Refuse, naming ``flag``, a draw of ``rows`` rows that could not be produced (images: held in memory)."""
    check_draw_size(rows, flag, None if values_per_row is None else draw_bytes_per_row(values_per_row))


def write_draw(gan: CGAN, n: int | None, request: Any, out: Path, overwrite: bool, *, target: str | None,
               columns: Sequence[str] | None = None, random_state: int | None = None, noun: str = "rows") -> str:
    """Draw ``gan.sample(n, request)`` into ``out`` and say what was written (``"5 rows (a: 2, b: 3)"``).

    Images (``target`` None) are drawn at once; table rows are drawn and written chunk by chunk, so that the
    table never has to fit in memory.
    """
    if target is None:
        X_new, y_new = gan.sample(n, request, return_y=True, random_state=random_state)
        write_images(X_new, y_new, out, overwrite, value_max=gan.codec_.value_max_)
        return describe_counts(Counter(np.asarray(y_new).tolist()), noun)
    counts: Counter = Counter()

    def tables() -> Iterator[pd.DataFrame]:
        for X_new, y_new in gan.iter_samples(n, request, random_state=random_state):
            counts.update(np.asarray(y_new).tolist())
            yield with_target(X_new, y_new, target, columns)

    write_table_chunks(tables(), out, overwrite)
    return describe_counts(counts, noun)
