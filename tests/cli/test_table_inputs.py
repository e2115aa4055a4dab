"""What a table file holds is what augan reads: no renamed duplicate, no index turned into a feature, no
dropped index, and dates met by one rule whatever the file or the entry point."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from augan import CGAN
from augan_cli.files import read_table

TRAIN = ["--epochs", "1", "--batch-size", "16", "--seed", "0", "--quiet"]


def _augan_in_a_subprocess(*args: object) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "augan_cli", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


def _table(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=n).round(3), "k": rng.integers(0, 4, n),
                         "y": np.repeat(["p", "q"], [n - 12, 12])})


# ------------------------------------------------------------------------------- duplicate column names
@pytest.mark.slow
def test_a_csv_that_names_a_column_twice_is_refused_not_renamed(tmp_path):
    data, out = tmp_path / "twice.csv", tmp_path / "out.csv"
    data.write_text("x,y,y\n" + "".join(f"{i},p,q\n" if i % 3 else f"{i},q,p\n" for i in range(30)))
    done = _augan_in_a_subprocess("generate", data, "--target", "y", "--n", 5, "--out", out, *TRAIN)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (f"augan: error: {data} has more than one column named 'y'; column names must "
                                   f"be unique.")
    assert not out.exists()


def test_a_parquet_file_that_names_a_column_twice_is_refused(tmp_path):
    path = tmp_path / "twice.parquet"
    pq.write_table(pa.table([pa.array([1, 2]), pa.array([3, 4]), pa.array(["p", "q"])], names=["a", "a", "y"]), path)
    with pytest.raises(ValueError, match=f"{path} has more than one column named 'a'"):
        read_table(path)


def test_a_csv_column_without_a_name_is_refused_unless_it_comes_first(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("x,,y\n1,2,p\n")
    with pytest.raises(ValueError, match="column 2 has no name in the header row"):
        read_table(path)


# ------------------------------------------------------------------------------- the rows' index
def test_an_unnamed_first_csv_column_is_the_index_as_pandas_writes_it(tmp_path):
    frame = _table().set_axis([f"r{i}" for i in range(40)], axis=0)
    path = tmp_path / "indexed.csv"
    frame.to_csv(path)
    read = read_table(path)
    assert list(read.columns) == ["x", "k", "y"]
    pd.testing.assert_frame_equal(read, frame, check_dtype=False)


def _index_of(path: Path) -> pd.Index:
    return read_table(path).index


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_resample_writes_the_index_back_for_the_original_rows(tmp_path, suffix):
    frame = _table().set_axis(pd.Index([f"r{i}" for i in range(40)], name="id" if suffix == ".parquet" else None),
                              axis=0)
    data, out = tmp_path / f"in{suffix}", tmp_path / f"out{suffix}"
    frame.to_parquet(data) if suffix == ".parquet" else frame.to_csv(data)
    done = _augan_in_a_subprocess("resample", data, "--target", "y", "--out", out, *TRAIN)
    assert done.returncode == 0, done.stderr
    written = read_table(out)
    assert list(written.columns) == ["x", "k", "y"]
    assert written.index.name == frame.index.name
    assert written.index[:40].tolist() == frame.index.tolist()
    assert written.index[40:].isna().all() and len(written) == 40 + 16
    pd.testing.assert_frame_equal(written.iloc[:40], frame, check_dtype=False)


def test_resample_keeps_the_index_column_pandas_writes_by_default(tmp_path, augan):
    # df.to_csv() writes the positions 0, 1, 2... as an unnamed first column: the file has it, so the output too.
    data, out = tmp_path / "default_index.csv", tmp_path / "out.csv"
    _table().to_csv(data)
    assert augan("resample", data, "--target", "y", "--out", out, *TRAIN).exit_code == 0
    assert out.read_text().splitlines()[0] == ",x,k,y"
    written = pd.read_csv(out, index_col=0)
    assert list(written.columns) == ["x", "k", "y"]
    assert written.index[:40].tolist() == list(range(40)) and written.index[40:].isna().all()
    pd.testing.assert_frame_equal(written.iloc[:40].reset_index(drop=True), _table(), check_dtype=False)


def test_a_table_without_an_index_is_written_without_one(tmp_path, augan):
    data, out = tmp_path / "plain.csv", tmp_path / "out.csv"
    _table().to_csv(data, index=False)
    assert augan("resample", data, "--target", "y", "--out", out, *TRAIN).exit_code == 0
    assert out.read_text().splitlines()[0] == "x,k,y"


# ------------------------------------------------------------------------------- dates and times
def _dates_table(kind: str) -> pd.DataFrame:
    frame = _table()
    start = datetime.datetime(2024, 1, 1)
    moments = [start + datetime.timedelta(days=i, minutes=7 * i) for i in range(len(frame))]
    values = {"datetime": pd.to_datetime(moments), "date": [m.date() for m in moments],
              "time": [m.time() for m in moments]}[kind]
    return frame.assign(when=values)


DATE_MESSAGES = {"datetime": "column 'when' holds dates", "date": "column 'when' holds dates",
                 "time": "column 'when' holds times of day"}


@pytest.mark.parametrize("kind", list(DATE_MESSAGES))
def test_the_api_refuses_dates_and_times_naming_the_column(kind):
    frame = _dates_table(kind)
    with pytest.raises(TypeError, match=DATE_MESSAGES[kind]):
        CGAN(epochs=1, device="cpu").fit(frame.drop(columns="y"), frame["y"])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("kind", list(DATE_MESSAGES))
def test_a_table_file_with_dates_or_times_meets_the_same_refusal(tmp_path, augan, user_error, kind, suffix):
    data, out = tmp_path / f"dates{suffix}", tmp_path / "out.csv"
    frame = _dates_table(kind)
    frame.to_parquet(data) if suffix == ".parquet" else frame.to_csv(data, index=False)
    user_error(augan("generate", data, "--target", "y", "--n", 5, "--out", out, *TRAIN), DATE_MESSAGES[kind])
    assert not out.exists()


@pytest.mark.slow
def test_csv_dates_are_refused_through_the_installed_command(tmp_path):
    data, out = tmp_path / "dates.csv", tmp_path / "out.csv"
    _dates_table("datetime").to_csv(data, index=False)
    done = _augan_in_a_subprocess("generate", data, "--target", "y", "--n", 5, "--out", out, *TRAIN)
    assert done.returncode == 2
    assert done.stderr.startswith("augan: error: column 'when' holds dates, which augan does not model")
    assert not out.exists()


def test_csv_text_that_only_looks_like_numbers_or_words_stays_categorical(tmp_path):
    path = tmp_path / "text.csv"
    path.write_text("code,stamp,y\n2024-1,10h30,p\nA-12,11h00,q\n")
    read = read_table(path)
    assert not pd.api.types.is_datetime64_any_dtype(read["code"]) and read["stamp"].tolist() == ["10h30", "11h00"]
