"""What the commands may write: never over an input, and --overwrite replaces only what augan wrote."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from augan import CGAN
from augan.data.images import read_image_folder, write_image_folder
from augan.data.output_folder import MANIFEST_NAME

TINY = ["--epochs", "1", "--batch-size", "16", "--seed", "0", "--quiet"]


def _augan(cwd: Path, *args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "augan_cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def _one_line_error(result: subprocess.CompletedProcess, *phrases: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("augan: error: "), result.stderr
    assert all(phrase in lines[0] for phrase in phrases), lines[0]


def _snapshot(root: Path) -> dict[str, bytes | None]:
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in root.rglob("*")}


@pytest.fixture
def imgs(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    return write_image_folder(tmp_path / "imgs", (rng.random((24, 16, 16)) * 255).astype(np.uint8),
                              np.repeat(["3", "7"], [16, 8]))


@pytest.fixture
def users_folder(tmp_path: Path) -> Path:
    """v/ with the user's own files: v/thesis.txt and v/projects/src/main.py."""
    (tmp_path / "v" / "projects" / "src").mkdir(parents=True)
    (tmp_path / "v" / "thesis.txt").write_text("three years of work")
    (tmp_path / "v" / "projects" / "src" / "main.py").write_text("print('mine')")
    return tmp_path / "v"


@pytest.fixture
def no_training(monkeypatch):
    monkeypatch.setattr(CGAN, "fit", lambda self, X, y: pytest.fail("trained before refusing the outputs"))


# ------------------------------------------------------------- --overwrite and image folders

@pytest.mark.slow  # subprocesses that import augan
@pytest.mark.parametrize("out", ["v", "./v/", "link"])
def test_overwrite_never_empties_a_folder_of_the_users_files(tmp_path, imgs, users_folder, out):
    (tmp_path / "link").symlink_to(users_folder, target_is_directory=True)
    before = _snapshot(users_folder)
    result = _augan(tmp_path, "generate", "imgs", "--per-class", 2, "--out", out, "--overwrite", *TINY)
    _one_line_error(result, "projects", "augan did not write")
    assert _snapshot(users_folder) == before


def test_overwrite_refuses_the_users_folder_before_training(augan, user_error, imgs, users_folder, no_training):
    before = _snapshot(users_folder)
    user_error(augan("generate", imgs, "--per-class", 2, "--out", users_folder, "--overwrite", *TINY),
               "augan did not write", "projects")
    assert _snapshot(users_folder) == before


def test_out_dot_is_refused_before_training_and_keeps_the_working_folder(augan, user_error, imgs, tmp_path,
                                                                          monkeypatch, no_training):
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    user_error(augan("generate", imgs, "--per-class", 2, "--out", ".", "--overwrite", *TINY), "DATA", "inside")
    user_error(augan("generate", imgs.rename(tmp_path.parent / f"{tmp_path.name}-imgs"), "--per-class", 2,
                     "--out", ".", "--overwrite", *TINY), "notes.txt", "augan did not write")
    shutil.move(tmp_path.parent / f"{tmp_path.name}-imgs", imgs)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("out", ["imgs/balanced", "imgs", "v"])
def test_resample_of_images_refuses_an_input_or_a_users_folder_before_training(augan, user_error, imgs, tmp_path,
                                                                              users_folder, no_training, out):
    before = {path: _snapshot(path) for path in (imgs, users_folder)}
    user_error(augan("resample", imgs, "--out", tmp_path / out, "--overwrite", *TINY))
    assert {path: _snapshot(path) for path in (imgs, users_folder)} == before


def test_overwrite_replaces_the_images_augan_wrote(augan, imgs, tmp_path):
    out = tmp_path / "synthetic"
    first = augan("generate", imgs, "--per-class", 3, "--out", out, *TINY)
    assert first.exit_code == 0, first.output
    again = augan("generate", imgs, "--per-class", 2, "--out", out, "--overwrite", *TINY)
    assert again.exit_code == 0, again.output
    assert sorted(read_image_folder(out)[1].tolist()) == ["3", "3", "7", "7"]
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "3", "7"]


# ------------------------------------------------------------------ no output is an input

@pytest.mark.slow  # subprocesses that import augan
def test_the_training_data_is_never_an_output(tmp_path, loans):
    before = loans.read_bytes()
    (tmp_path / "sub").mkdir()
    _one_line_error(_augan(tmp_path / "sub", "generate", "../loans.csv", "--target", "default", "--n", 5,
                           "--out", loans, "--overwrite", *TINY), "same file as DATA")
    _one_line_error(_augan(tmp_path, "fit", "loans.csv", "--target", "default", "--model-out", "./loans.csv",
                           "--overwrite", *TINY), "same file as DATA")
    assert loans.read_bytes() == before


def _model_named(tmp_path: Path, loans_model: Path, name: str) -> Path:
    return Path(shutil.copy(loans_model, tmp_path / name))


CASES = {
    "generate --out": lambda d, loans, m, i: ["generate", loans, "-t", "default", "--n", 5, "--out", loans],
    "generate --model-out link": lambda d, loans, m, i: ["generate", loans, "-t", "default", "--n", 5, "--out",
                                                         d / "s.csv", "--model-out", d / "link.csv"],
    "fit --model-out": lambda d, loans, m, i: ["fit", loans, "-t", "default", "--model-out", d / "." / loans.name],
    "resample --out": lambda d, loans, m, i: ["resample", loans, "-t", "default", "--out",
                                              d / "sub" / ".." / loans.name],
    "sample --out": lambda d, loans, m, i: ["sample", _model_named(d, m, "m.csv"), "--n", 3, "--out", d / "m.csv"],
    "evaluate --report": lambda d, loans, m, i: ["evaluate", loans, "-t", "default", "--model",
                                                 _model_named(d, m, "m.md"), "--report", d / "link.md"],
    "generate images into themselves": lambda d, loans, m, i: ["generate", i, "--per-class", 2, "--out",
                                                               d / "sub" / ".." / "imgs"],
    "generate images into their parent": lambda d, loans, m, i: ["generate", i, "--per-class", 2, "--out", d],
    "generate into the image folder": lambda d, loans, m, i: ["generate", i, "--per-class", 2, "--out",
                                                              i / "3" / "s.npz"],
    "checkpoints in the image folder": lambda d, loans, m, i: ["generate", i, "--per-class", 2, "--out",
                                                               d / "s.npz", "--checkpoint-dir", i],
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_command_refuses_an_output_that_is_or_holds_an_input(case, augan, user_error, loans, loans_model,
                                                                    imgs, tmp_path, no_training):
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to(loans)
    (tmp_path / "link.md").symlink_to("m.md")
    args = CASES[case](tmp_path, loans, loans_model, imgs)
    before = _snapshot(tmp_path)
    user_error(augan(*args, "--overwrite", *(TINY if args[0] != "sample" else ["--quiet"])), "DATA" if
               args[0] != "sample" and "--model" not in args else "MODEL" if args[0] == "sample" else "--model")
    assert _snapshot(tmp_path) == before
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]


def test_an_overlap_is_refused_even_where_the_output_does_not_exist_yet(augan, user_error, imgs, tmp_path,
                                                                         no_training):
    os.symlink(imgs / "new", tmp_path / "pointer")
    user_error(augan("generate", imgs, "--per-class", 2, "--out", tmp_path / "pointer", *TINY), "inside DATA")
    assert not (imgs / "new").exists()


@pytest.mark.parametrize("command", ["resample", "generate"])
@pytest.mark.parametrize("linked", ["class folder", "image"])
def test_a_class_folder_or_image_linked_into_an_output_is_refused_before_training(
        augan, user_error, imgs, tmp_path, no_training, command, linked):
    # Audit 5: DATA/7 was a link to the earlier output's 7/, and resample --overwrite rewrote the images it read.
    earlier = write_image_folder(tmp_path / "earlier", np.zeros((4, 16, 16), np.uint8), ["3", "3", "7", "7"])
    data = tmp_path / "data"
    shutil.copytree(imgs / "3", data / "3")
    if linked == "class folder":
        (data / "7").symlink_to(earlier / "7", target_is_directory=True)
    else:
        shutil.copytree(imgs / "7", data / "7")
        (data / "7" / "from-earlier.png").symlink_to(next((earlier / "7").glob("*.png")))
    before = _snapshot(earlier)
    extra = ("--per-class", 2) if command == "generate" else ()
    user_error(augan(command, data, *extra, "--out", earlier, "--overwrite", *TINY), "DATA", "inside", str(earlier))
    assert _snapshot(earlier) == before


# ------------------------------------------------------------------ a disk that refuses to take the file

def _with_file_size_limit(limit: int):
    """A subprocess whose writes past ``limit`` bytes fail as a full disk's do (EFBIG instead of ENOSPC)."""
    def limit_writes() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failing write() then returns the error, as on ENOSPC
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_writes


def _fit(cwd: Path, limit: int, *args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "augan_cli", "fit", "loans.csv", "-t", "default", "--model-out",
                           "m.augan", *map(str, args), "--epochs", "2", "--batch-size", "32", "--seed", "0",
                           "--quiet"], cwd=cwd, capture_output=True, text=True, timeout=300,
                          preexec_fn=_with_file_size_limit(limit))


@pytest.mark.slow  # a subprocess that imports augan
def test_a_model_the_disk_refuses_is_one_line_and_the_previous_file_survives(tmp_path, loans, loans_model):
    previous = loans_model.read_bytes()  # written here, outside the limit the new model (about 900 kB) passes
    (tmp_path / "m.augan").write_bytes(previous)
    result = _fit(tmp_path, 100_000, "--overwrite")
    _one_line_error(result, "could not write m.augan: File too large; the file there is unchanged.")
    assert (tmp_path / "m.augan").read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loans.csv", "m.augan"]


@pytest.mark.slow  # a subprocess that imports augan
def test_a_checkpoint_the_disk_refuses_still_leaves_the_trained_model(tmp_path, loans):
    result = _fit(tmp_path, 1_500_000, "--checkpoint-dir", "checkpoints")  # model ~900 kB, checkpoint ~3 MB
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "augan: warning: could not write checkpoints/checkpoint.pt: File too large; nothing was written there. "
        "Training goes on without this checkpoint."]
    assert CGAN.load(tmp_path / "m.augan", device="cpu").history_[-1]["epoch"] == 2
    assert list((tmp_path / "checkpoints").iterdir()) == []
