"""Everything that can be checked before training is: a mistake costs seconds, not a training run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import augan.evaluation
from augan import CGAN
from augan.data.images import write_npz

TINY = ["--epochs", "1", "--batch-size", "16", "--seed", "0", "--quiet"]


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A folder in which no file can be made: read-only for a user; sysfs for root, who ignores permissions."""
    if os.geteuid() == 0:
        yield Path("/sys")
        return
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.fixture
def no_training(monkeypatch):
    monkeypatch.setattr(CGAN, "fit", lambda self, X, y: pytest.fail("trained before refusing its arguments"))
    monkeypatch.setattr(augan.evaluation, "downstream_gain",
                        lambda *a, **k: pytest.fail("cross-validated before refusing its arguments"))


@pytest.fixture
def digits_npz(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    return write_npz(tmp_path / "digits.npz", (rng.random((12, 8, 8)) * 255).astype(np.uint8),
                     np.repeat(["3", "7"], 6))


UNWRITABLE = {
    "generate --out": lambda loans, d, tmp: ["generate", loans, "-t", "default", "--n", 3, "--out", d / "s.csv"],
    "fit --model-out": lambda loans, d, tmp: ["fit", loans, "-t", "default", "--model-out", d / "m.augan"],
    "resample --model-out": lambda loans, d, tmp: ["resample", loans, "-t", "default", "--out", tmp / "s.csv",
                                                   "--model-out", d / "m.augan"],
    "evaluate --report": lambda loans, d, tmp: ["evaluate", loans, "-t", "default", "--report", d / "r.html"],
    "image folder --out": lambda loans, d, tmp: ["generate", tmp / "digits.npz", "--per-class", 2, "--out",
                                                 d / "synthetic"],
    "--grid": lambda loans, d, tmp: ["generate", tmp / "digits.npz", "--per-class", 2, "--out", tmp / "s.npz",
                                     "--grid", d / "g.png"],
    "--checkpoint-dir": lambda loans, d, tmp: ["fit", loans, "-t", "default", "--model-out", tmp / "m.augan",
                                               "--checkpoint-dir", d / "checkpoints"],
}


EMPTY_PATH = {
    "DATA": (["generate", "", "-t", "default", "--n", 3, "--out", "s.csv"], "'data'"),
    "generate --out": (["generate", "LOANS", "-t", "default", "--n", 3, "--out", ""], "'--out'"),
    "fit --model-out": (["fit", "LOANS", "-t", "default", "--model-out", " "], "'--model-out'"),
    "resample --model-out": (["resample", "LOANS", "-t", "default", "--out", "s.csv", "--model-out", ""],
                             "'--model-out'"),
    "evaluate --report": (["evaluate", "LOANS", "-t", "default", "--report", ""], "'--report'"),
    "evaluate --model": (["evaluate", "LOANS", "-t", "default", "--model", ""], "'--model'"),
    "sample MODEL": (["sample", "", "--n", 3, "--out", "s.csv"], "'model'"),
    "--checkpoint-dir": (["fit", "LOANS", "-t", "default", "--model-out", "m.augan", "--checkpoint-dir", ""],
                         "'--checkpoint-dir'"),
    "--grid": (["generate", "LOANS", "-t", "default", "--n", 3, "--out", "s.csv", "--grid", ""], "'--grid'"),
}


@pytest.mark.parametrize("case", list(EMPTY_PATH))
def test_an_empty_path_is_refused_as_empty_not_read_as_the_current_folder(case, augan, user_error, loans,
                                                                          no_training, tmp_path, monkeypatch):
    # Audit 2026-12-06: DATA "" or --out "" was read as ".", so the message spoke of a folder the user never named.
    monkeypatch.chdir(tmp_path)
    args, option = EMPTY_PATH[case]
    training = TINY if args[0] != "sample" else []
    user_error(augan(*[loans if a == "LOANS" else a for a in args], *training), option,
               "is empty; give a file or folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loans.csv"]


@pytest.mark.parametrize("case", list(UNWRITABLE))
def test_an_output_folder_that_cannot_be_written_is_refused_before_training(
        case, augan, user_error, loans, digits_npz, unwritable, tmp_path, no_training):
    user_error(augan(*UNWRITABLE[case](loans, unwritable, tmp_path), *TINY), "cannot write in the folder",
               str(unwritable))


def test_a_checkpoint_dir_that_is_a_file_is_refused_before_training(augan, user_error, loans, tmp_path,
                                                                    no_training):
    (tmp_path / "checkpoints").write_text("not a folder")
    user_error(augan("fit", loans, "-t", "default", "--model-out", tmp_path / "m.augan", "--checkpoint-dir",
                     tmp_path / "checkpoints", *TINY), "--checkpoint-dir", "is a file")
    assert (tmp_path / "checkpoints").read_text() == "not a folder"


# Thumbs.db, desktop.ini and __MACOSX folders are skipped when a folder is read, so such a class would be written
# and then lost; a name past 255 bytes was found too long by the filesystem only after training.
@pytest.mark.parametrize("label", ["a/b", ".hidden", "..", "Thumbs.db", "desktop.ini", "__MACOSX", "b" * 256])
def test_labels_that_cannot_name_a_class_folder_are_refused_before_training(augan, user_error, tmp_path, label,
                                                                            no_training):
    data = write_npz(tmp_path / "d.npz", np.zeros((4, 8, 8), np.uint8), np.array([label, label, "ok", "ok"]))
    user_error(augan("generate", data, "--per-class", 2, "--out", tmp_path / "synthetic", *TINY),
               repr(label), "cannot name a class folder")
    assert not (tmp_path / "synthetic").exists()


def test_labels_that_one_folder_would_hold_are_refused_before_training(augan, user_error, tmp_path, monkeypatch,
                                                                      no_training):
    from augan.data import images

    monkeypatch.setattr(images, "folds_case", lambda path: True)  # as on macOS and Windows
    data = write_npz(tmp_path / "d.npz", np.zeros((4, 8, 8), np.uint8), np.array(["Cat", "Cat", "cat", "cat"]))
    user_error(augan("generate", data, "--per-class", 2, "--out", tmp_path / "synthetic", *TINY),
               "'Cat' and 'cat' differ only in case")


@pytest.mark.parametrize("out", ["synthetic", "synthetic.npz"])
def test_an_npz_holding_a_table_is_refused_before_training(augan, user_error, tmp_path, out, no_training):
    np.savez(tmp_path / "table.npz", X=np.random.default_rng(0).random((60, 5)), y=[0] * 40 + [1] * 20)
    user_error(augan("generate", tmp_path / "table.npz", "--per-class", 2, "--out", tmp_path / out,
                     "--architecture", "mlp", *TINY), "table.npz", "(60, 5)", "(n, H, W)", "CSV or Parquet")
    assert not (tmp_path / out).exists()


def test_evaluate_refuses_a_model_of_other_classes_before_cross_validating(augan, user_error, numbers_csv,
                                                                          loans_model, tmp_path, no_training):
    user_error(augan("evaluate", numbers_csv, "-t", "label", "--model", loans_model, "--report",
                     tmp_path / "r.html", *TINY), "--model", "classes no, yes", "0, 1")


def test_evaluate_refuses_a_model_of_other_columns_before_cross_validating(augan, user_error, loans, loans_model,
                                                                          tmp_path, no_training):
    other = tmp_path / "other.csv"
    pd.read_csv(loans).drop(columns=["age"]).to_csv(other, index=False)
    user_error(augan("evaluate", other, "-t", "default", "--model", loans_model, "--report", tmp_path / "r.html",
                     *TINY), "--model", "columns", "age")


@pytest.mark.slow  # a subprocess that imports augan
def test_an_unwritable_output_is_refused_by_the_installed_command(loans, unwritable, tmp_path):
    result = subprocess.run([sys.executable, "-m", "augan_cli", "fit", loans, "-t", "default", "--model-out",
                             unwritable / "m.augan", "--epochs", "300", "--quiet"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"augan: error: cannot write in the folder {unwritable}: Permission denied."]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("command", ["generate", "resample"])
def test_a_table_the_disk_has_no_room_for_is_refused_before_training(augan, user_error, loans, tmp_path, monkeypatch,
                                                                    no_training, suffix, command):
    import shutil

    free = 50_000  # bytes: fewer than 10,000 rows of the loans table take in either format
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - free, free))
    out = tmp_path / f"s{suffix}"
    asks = ["--n", 10_000] if command == "generate" else ["--strategy", "all"]
    if command == "resample":  # 185 + 15 rows, balanced to 370: make the table 50 times as large, rows distinct
        larger = pd.concat([pd.read_csv(loans)] * 50)
        larger["noise"] = np.random.default_rng(0).normal(size=len(larger))
        larger.to_csv(loans, index=False)
    user_error(augan(command, loans, "-t", "default", *asks, "--out", out, *TINY), "on disk", "free",
               str(tmp_path))
    assert not out.exists()


@pytest.mark.parametrize("out_name", ["images", "images.npz"])
@pytest.mark.parametrize("command", ["generate", "resample"])
def test_images_the_disk_has_no_room_for_are_refused_before_training(augan, user_error, tmp_path, monkeypatch,
                                                                     no_training, out_name, command):
    # Audit 5: only a table's size was checked; 200 images a class onto a full disk trained, then failed to write.
    import shutil

    from augan.data.images import write_image_folder

    rng = np.random.default_rng(0)
    data = write_image_folder(tmp_path / "digits", rng.integers(0, 256, (40, 16, 16), dtype=np.uint8),
                              np.repeat(["3", "7"], [30, 10]))
    free = 20_000  # bytes: 16x16 noise takes some 300 bytes an image in either format
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - free, free))
    asks = ["--per-class", 200] if command == "generate" else ["--strategy", "all"]
    if command == "resample":
        data = write_image_folder(tmp_path / "more", rng.integers(0, 256, (400, 16, 16), dtype=np.uint8),
                                  np.repeat(["3", "7"], [300, 100]))
    out = tmp_path / out_name
    user_error(augan(command, data, *asks, "--out", out, *TINY), "images", "on disk", "free", str(tmp_path))
    assert not out.exists()
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 0, 10**9))
    with pytest.raises(pytest.fail.Exception, match="trained before"):  # with room, it goes on to train
        augan(command, data, *asks, "--out", out, *TINY)


def test_sample_refuses_a_table_the_disk_has_no_room_for_before_drawing(augan, user_error, loans_model, tmp_path,
                                                                       monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 50_000, 50_000))
    monkeypatch.setattr(CGAN, "iter_samples", lambda *a, **k: pytest.fail("drew rows before refusing"))
    user_error(augan("sample", loans_model, "--n", 10_000, "--out", tmp_path / "s.csv", "--quiet"), "--n 10,000",
               "on disk")


@pytest.mark.parametrize("out_name", ["drawn", "drawn.npz"])
def test_sample_refuses_images_the_disk_has_no_room_for_before_drawing_them(augan, user_error, tmp_path,
                                                                           monkeypatch, out_name):
    # Audit 5 left this alone: sample sized only tables; the model's own draws now measure an image.
    import shutil

    rng = np.random.default_rng(0)
    model = tmp_path / "digits.augan"
    CGAN(epochs=1, batch_size=16, max_steps=2, random_state=0).fit(
        rng.integers(0, 256, (40, 16, 16), dtype=np.uint8), np.repeat(["3", "7"], [30, 10])).save(model)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 50_000, 50_000))
    drawn = []
    original = CGAN.sample
    monkeypatch.setattr(CGAN, "sample", lambda self, n=None, *a, **k: drawn.append(n) or original(self, n, *a, **k))
    out = tmp_path / out_name
    user_error(augan("sample", model, "--n", 10_000, "--out", out, "--quiet"), "--n 10,000", "images", "on disk")
    assert not out.exists() and max(drawn) <= 64, drawn
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 0, 10**9))
    assert augan("sample", model, "--n", 100, "--out", out, "--quiet").exit_code == 0
