"""cli/files.py: tables read and written by extension, atomically, never clobbering."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from augan.storage import LEDGER_NAME
from augan_cli.files import check_outputs, read_table, write_table


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"n": [1, 2, 3], "x": [0.5, float("nan"), 2.0], "s": ["a", "b", None],
                         "b": [True, False, True]})


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".pq", ".CSV"])
def test_a_written_table_reads_back_equal(frame, tmp_path, suffix):
    path = tmp_path / f"t{suffix}"
    write_table(frame, path, overwrite=False)
    pd.testing.assert_frame_equal(read_table(path), frame)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, LEDGER_NAME]), "no temporary file left"


def test_write_refuses_an_existing_file_without_overwrite(frame, tmp_path):
    path = tmp_path / "t.csv"
    write_table(frame.iloc[:1], path, overwrite=False)
    with pytest.raises(FileExistsError, match="--overwrite"):
        write_table(frame, path, overwrite=False)
    assert len(read_table(path)) == 1
    write_table(frame, path, overwrite=True)
    assert len(read_table(path)) == 3


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_overwrite_never_replaces_a_table_of_the_users(frame, tmp_path, suffix):
    path = tmp_path / f"t{suffix}"
    frame.to_csv(path) if suffix == ".csv" else frame.to_parquet(path)
    before = path.read_bytes()
    for check in (lambda: check_outputs(path, None, overwrite=True), lambda: write_table(frame, path, True)):
        with pytest.raises(FileExistsError, match="not written by augan"):
            check()
    assert path.read_bytes() == before


def test_read_names_the_supported_extensions(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\n")
    with pytest.raises(ValueError, match=r"\.csv, \.parquet, \.pq"):
        read_table(path)


def test_read_says_when_a_csv_is_not_utf8(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("ville\nBr\xe9sil\n".encode("cp1252"))
    with pytest.raises(ValueError, match="not UTF-8"):
        read_table(path)


def test_missing_input_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_table(tmp_path / "t.csv")


def test_check_outputs_refuses_before_any_work(tmp_path):
    (tmp_path / "m.augan").write_bytes(b"x")
    with pytest.raises(FileExistsError):
        check_outputs(tmp_path / "s.csv", tmp_path / "m.augan", overwrite=False)
    with pytest.raises(ValueError, match="cannot write"):
        check_outputs(tmp_path / "s.txt", None, overwrite=False)
    with pytest.raises(FileExistsError, match="not an augan model file"):
        check_outputs(tmp_path / "s.csv", tmp_path / "m.augan", overwrite=True)
    assert (tmp_path / "m.augan").read_bytes() == b"x"


def test_csv_columns_whose_text_a_number_would_change_are_read_as_text(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text('zip,phone,amount,neg,count,price,label\n02134,+3312,"1,000",-1,1,0.50,007\n'
                    '12345,+4401,"2,500",-05,2,,1\n,33,"3",3,3,1.25,2\n')
    frame = read_table(path, text_columns=["label"])
    for name, values in {"zip": ["02134", "12345", "-"], "phone": ["+3312", "+4401", "33"],
                         "amount": ["1,000", "2,500", "3"], "neg": ["-1", "-05", "3"],
                         "label": ["007", "1", "2"]}.items():
        assert pd.api.types.is_string_dtype(frame[name]), name
        assert frame[name].fillna("-").tolist() == values, name
    assert frame["count"].dtype == "int64" and frame["price"].dtype == "float64"


CODES = ('index,zip,spaced,quoted,plus,minus,zero,small,note,label\n'
         '0,12345, 0123,"007",1,-1,0,0.5,"two\nlines",a\n'
         '1,02134,7,"8",+2,-05,0.0,-0.25,plain,b\n'
         '2,3,8,"9",3,3,0,1e-3,"x, y",a\n')
CODE_COLUMNS = ["zip", "spaced", "quoted", "plus", "minus"]


@pytest.mark.parametrize("reader", ["arrow", "pandas"])
def test_codes_are_found_by_arrow_and_by_pandas_alike(tmp_path, monkeypatch, reader):
    # Arrow finds the columns on every core; pandas reads a file Arrow cannot. Either way: the same columns.
    from augan_cli import files

    if reader == "pandas":
        def refuse(*args, **kwargs):
            raise pa.ArrowInvalid("CSV parse error")
        monkeypatch.setattr(files.pa_csv, "read_csv", refuse)
    path = tmp_path / "codes.csv"
    path.write_text(CODES)
    frame = read_table(path)
    assert [name for name in frame.columns if pd.api.types.is_string_dtype(frame[name])] == CODE_COLUMNS + ["note",
                                                                                                             "label"]
    assert frame["zip"].tolist() == ["12345", "02134", "3"] and frame["spaced"].tolist() == [" 0123", "7", "8"]
    assert frame["minus"].tolist() == ["-1", "-05", "3"] and frame["note"].tolist() == ["two\nlines", "plain", "x, y"]
    assert frame["zero"].tolist() == [0.0, 0.0, 0.0] and frame["small"].tolist() == [0.5, -0.25, 0.001]


def test_a_csv_arrow_cannot_read_is_read_by_pandas_with_its_codes_found(tmp_path):
    # pandas fills a short row with missing values; Arrow refuses it, and pandas looks for the codes instead.
    path = tmp_path / "short.csv"
    path.write_text("zip,amount,label\n02134,1.5,a\n12345\n")
    frame = read_table(path)
    assert frame["zip"].tolist() == ["02134", "12345"] and frame["amount"].iloc[0] == 1.5


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_chunks_numbered_on_from_one_another_are_written_as_one_table_without_its_positions(tmp_path, suffix):
    from augan_cli.files import write_table_chunks

    table = pd.DataFrame({"x": [0.5, 1.5, 2.5, 3.5, 4.5], "c": list("abcab")})
    # As CGAN.iter_samples numbers its chunks: 0, 1, 2 then 3, 4.
    write_table_chunks(iter([table.iloc[:3], table.iloc[3:]]), tmp_path / f"chunks{suffix}", overwrite=False)
    write_table(table, tmp_path / f"whole{suffix}", overwrite=False)
    if suffix == ".csv":
        written = (tmp_path / "chunks.csv").read_text()
        assert written == (tmp_path / "whole.csv").read_text() == table.to_csv(index=False)
    else:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "chunks.parquet"), table)


def _draw_table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": rng.normal(size=60) * 10.0 ** rng.integers(-7, 7, size=60),
                          "n": rng.integers(-5, 5, size=60), "flag": rng.random(60) < 0.5,
                          "c": pd.Categorical(rng.choice(["a", "b, c", 'say "d"', "two\nlines"], size=60)),
                          "label": rng.choice(["p", "q"], size=60)})
    table.loc[[3, 40], "x"] = np.nan
    return table


def _write_in_chunks(table: pd.DataFrame, path) -> None:
    from augan_cli.files import write_table_chunks

    # Numbered on from one another, as CGAN.iter_samples numbers them: 0-6, 7-13, ...
    write_table_chunks((table.iloc[i:i + 7] for i in range(0, len(table), 7)), path, overwrite=False)


@pytest.fixture
def counted_workers(monkeypatch) -> dict:
    """Real worker processes, counted: how many were started, and how many texts they sent back."""
    from augan_cli import files

    counts = {"started": [], "received": 0}

    class Counted(files.CsvWorkers):
        def __init__(self, count):
            counts["started"].append(count)
            super().__init__(count)

        def receive(self, worker):
            text = super().receive(worker)
            counts["received"] += 1
            return text

    monkeypatch.setattr(files, "CsvWorkers", Counted)
    return counts


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_a_draw_of_many_chunks_formatted_by_worker_processes_is_the_table_to_csv_writes(tmp_path, monkeypatch,
                                                                                         counted_workers, workers):
    from augan_cli import files

    monkeypatch.setattr(files, "_csv_workers", lambda: workers)
    table = _draw_table()
    _write_in_chunks(table, tmp_path / "draw.csv")
    assert (tmp_path / "draw.csv").read_text() == table.to_csv(index=False)
    # 9 chunks of 7 rows: this process writes the first, the workers the other 8.
    assert counted_workers == ({"started": [], "received": 0} if workers == 0 else {"started": [workers],
                                                                                      "received": 8})


@pytest.mark.parametrize("workers", [0, 3])
@pytest.mark.parametrize("index", ["positions", "labels that start as positions", "named text"])
def test_a_long_table_is_written_in_chunks_as_to_csv_writes_it_whole(tmp_path, monkeypatch, counted_workers, workers,
                                                                      index):
    # `augan resample` writes the real rows and the new ones: a table as long as the input and more.
    from augan_cli import files

    monkeypatch.setattr(files, "_CSV_CHUNK_ROWS", 7)
    monkeypatch.setattr(files, "_csv_workers", lambda: workers)
    table = _draw_table()
    if index == "labels that start as positions":  # 0-6, then 100, 101, ...: the first chunk alone looks unlabelled
        table.index = [*range(7), *range(100, 153)]
    elif index == "named text":
        table.index = pd.Index([f"row {i}" for i in range(60)], name="id")
    write_table(table, tmp_path / "long.csv", overwrite=False)
    assert (tmp_path / "long.csv").read_text() == table.to_csv(index=index != "positions")
    assert counted_workers["received"] == (8 if workers else 0)


def test_a_draw_is_still_written_whole_where_worker_processes_cannot_start(tmp_path, monkeypatch):
    from augan_cli import files

    def cannot_start(count):
        raise OSError(11, "Resource temporarily unavailable")  # fork refused: a limit on processes, say

    monkeypatch.setattr(files, "CsvWorkers", cannot_start)
    monkeypatch.setattr(files, "_csv_workers", lambda: 2)
    table = _draw_table()
    _write_in_chunks(table, tmp_path / "draw.csv")
    assert (tmp_path / "draw.csv").read_text() == table.to_csv(index=False)


def test_a_draw_is_still_written_whole_when_a_worker_process_is_killed(tmp_path, monkeypatch):
    from augan_cli import files

    class OneKilled(files.CsvWorkers):
        sent = 0

        def send(self, worker, chunk, first, index):
            OneKilled.sent += 1
            if OneKilled.sent == 3:  # the third chunk a worker is given: its process is killed first
                self.processes[worker].kill()
                self.processes[worker].wait()
            super().send(worker, chunk, first, index)

    monkeypatch.setattr(files, "CsvWorkers", OneKilled)
    monkeypatch.setattr(files, "_csv_workers", lambda: 2)
    table = _draw_table()
    with pytest.warns(UserWarning, match=r"a process formatting the CSV stopped \(it ended with exit status -9\); "
                                         "this one writes the rest"):
        _write_in_chunks(table, tmp_path / "draw.csv")
    assert (tmp_path / "draw.csv").read_text() == table.to_csv(index=False)


def test_csv_worker_processes_need_4_cores_and_follow_torchs_threads(monkeypatch):
    import torch

    from augan_cli import files

    monkeypatch.setattr(files.os, "sched_getaffinity", lambda pid: set(range(16)))
    for threads, workers in [(1, 0), (3, 0), (4, 3), (8, 7), (16, 8)]:  # --threads 1: this process alone
        monkeypatch.setattr(torch, "get_num_threads", lambda threads=threads: threads)
        assert files._csv_workers() == workers, threads
    monkeypatch.setattr(files.os, "sched_getaffinity", lambda pid: {0, 1})
    assert files._csv_workers() == 0  # 2 cores, 16 threads


def test_a_worker_answers_each_chunk_with_its_text_until_its_input_ends():
    import io
    import pickle

    from augan_cli.csv_text import chunk_text, serve

    table = _draw_table()
    source = io.BytesIO(pickle.dumps((table.iloc[:7], True, None)) + pickle.dumps((table.iloc[7:20], False, True)))
    sink = io.BytesIO()
    serve(source, sink)
    data, texts = sink.getvalue(), []
    while data:
        size = int.from_bytes(data[:8], "little")
        texts.append(data[8:8 + size].decode("utf-8"))
        data = data[8 + size:]
    assert texts == [chunk_text(table.iloc[:7], True), chunk_text(table.iloc[7:20], False, True)]
    assert texts[0].startswith("x,n,flag,c,label\n") and texts[1].startswith("7,")


def test_sample_writes_a_draw_of_several_chunks_as_before(tmp_path, monkeypatch):
    from augan import CGAN
    from augan_cli import drawing
    from augan_cli.target import with_target

    rng = np.random.default_rng(0)
    gan = CGAN(epochs=1, batch_size=16, noise_dim=4, generator_dims=(8,), discriminator_dims=(8,), device="cpu",
               random_state=0).fit(pd.DataFrame({"x": rng.normal(size=40)}), np.repeat(["a", "b"], 20))
    real = CGAN.iter_samples
    monkeypatch.setattr(CGAN, "iter_samples", lambda self, *a, **k: real(self, *a, **{**k, "chunk_size": 1}))
    assert len(list(gan.iter_samples(9000, random_state=3))) == 3, "the draw spans three chunks"
    drawing.write_draw(gan, 9000, None, tmp_path / "rows.csv", False, target="y", random_state=3)
    X, y = gan.sample(9000, return_y=True, random_state=3)
    assert (tmp_path / "rows.csv").read_text() == with_target(X, y, "y").to_csv(index=False)


def test_csv_text_cells_that_pandas_reads_as_missing_stay_as_written_but_mark_missing_numbers(tmp_path):
    # "NA" is North America, "None" a severity, "null" a value: in a text column only an empty cell is missing.
    # In a column of numbers, the markers pandas knows (R's NA, an exported NaN) still read as missing values.
    path = tmp_path / "markers.csv"
    path.write_text("region,x,n,label\nNA,1.5,1,NA\nEU,NA,,None\nNone,2.5,NaN,NA\nnull,#N/A,3,\n,0.25,4,EU\n")
    frame = read_table(path, text_columns=["label"])
    assert frame["region"].fillna("-").tolist() == ["NA", "EU", "None", "null", "-"]
    assert frame["label"].fillna("-").tolist() == ["NA", "None", "NA", "-", "EU"]
    assert frame["x"].dtype == "float64" and frame["x"].isna().tolist() == [False, True, False, True, False]
    assert frame["n"].dtype == "float64" and frame["n"].fillna(-1).tolist() == [1, -1, -1, 3, 4]


def test_resample_writes_text_cells_read_as_missing_by_pandas_back_as_written(augan, tmp_path):
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": rng.normal(size=60).round(3), "region": np.tile(["NA", "EU", "None", "null"], 15),
                          "label": np.repeat(["NA", "SA"], [45, 15])})
    data, out = tmp_path / "regions.csv", tmp_path / "balanced.csv"
    table.to_csv(data, index=False)
    result = augan("resample", data, "--target", "label", "--out", out, "--epochs", "1", "--batch-size", "16",
                   "--max-steps", "2", "--seed", "0", "--quiet")
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(written.iloc[:60].drop(columns="x"), table.drop(columns="x"))
    assert set(written["label"]) == {"NA", "SA"} and (written["label"] == "SA").sum() == 45
    assert written["region"].isin(["NA", "EU", "None", "null"]).all()


def test_float_columns_are_written_as_pandas_writes_them(tmp_path):
    # write_csv formats float64 columns itself (Python's repr, twice as fast as numpy's formatting that pandas
    # uses); the bytes must be pandas' own, for every kind of number and with other columns beside them.
    from augan_cli.csv_text import labels_rows, write_csv

    rng = np.random.default_rng(0)
    n = 20_000
    bits = rng.integers(0, 2**63, n, dtype=np.uint64).view(np.float64)
    special = [np.nan, -0.0, 0.0, np.inf, -np.inf, 5e-324, 1e16, 1e15, 9999999999999998.0, 1e-4, 9.999e-5, 0.1,
               1 / 3, 2.5, -1e300, 123456789.0]
    frame = pd.DataFrame({
        "bits": bits, "special": np.resize(special, n), "rounded": np.round(rng.normal(size=n) * 100, 2),
        "whole": rng.integers(-1000, 1000, n).astype(float), "f32": rng.normal(size=n).astype(np.float32),
        "text": rng.choice(["a,b", 'say "hi"', "plain", None], n), "count": rng.integers(0, 9, n),
        "level": pd.Categorical(rng.choice(["x", "y"], n)), "nullable": pd.array([1.5, None] * (n // 2), "Float64"),
    })
    frame.insert(1, "bits", rng.normal(size=n), allow_duplicates=True)  # a name twice: columns by position
    for table, index in [(frame, None), (frame.set_axis(np.arange(n) * 2.5), None), (frame, False)]:
        written = tmp_path / "written.csv"
        write_csv(table, written, index=index)
        expected = table.to_csv(index=labels_rows(table.index) if index is None else index)
        assert written.read_bytes() == expected.encode(), index
    assert frame.dtypes.iloc[0] == np.float64, "the caller's frame is left as it was"
