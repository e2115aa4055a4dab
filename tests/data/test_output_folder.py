"""Image output folders: overwrite replaces only the files augan wrote there, and never empties a user's folder."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from augan.data.images import read_image_folder, write_image_folder
from augan.data.output_folder import MANIFEST_NAME, check_output_folder

X = np.arange(6 * 4 * 4, dtype=np.uint8).reshape(6, 4, 4)
Y = np.array(["a", "a", "b", "b", "c", "c"])


def _users_folder(root: Path) -> dict[str, str]:
    """A folder of the user's own files (as in the report: a thesis and a project), returned as {path: text}."""
    (root / "projects" / "src").mkdir(parents=True)
    files = {"thesis.txt": "three years of work", "projects/src/main.py": "print('mine')"}
    for name, text in files.items():
        (root / name).write_text(text)
    return files


def _listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def _assert_untouched(root: Path, files: dict[str, str]) -> None:
    assert {name: (root / name).read_text() for name in files} == files
    assert _listing(root) == ["projects", "projects/src", "projects/src/main.py", "thesis.txt"]


def test_overwrite_refuses_a_folder_of_the_users_files_and_keeps_every_one(tmp_path):
    files = _users_folder(tmp_path / "v")
    with pytest.raises(FileExistsError, match=f"holds projects, which augan did not write.*{MANIFEST_NAME}"):
        write_image_folder(tmp_path / "v", X, Y, overwrite=True)
    _assert_untouched(tmp_path / "v", files)


@pytest.mark.parametrize("spelling", ["relative", "dot", "symlink"])
def test_overwrite_refuses_the_users_folder_however_it_is_named(tmp_path, monkeypatch, spelling):
    files = _users_folder(tmp_path / "v")
    (tmp_path / "link").symlink_to(tmp_path / "v", target_is_directory=True)
    monkeypatch.chdir(tmp_path / "v" if spelling == "dot" else tmp_path)
    path = {"relative": "./v/../v", "dot": ".", "symlink": "link"}[spelling]
    with pytest.raises(FileExistsError, match="augan did not write"):
        write_image_folder(path, X, Y, overwrite=True)
    _assert_untouched(tmp_path / "v", files)


def test_overwrite_refuses_an_augan_folder_the_user_added_a_file_to(tmp_path):
    out = write_image_folder(tmp_path / "out", X, Y)
    (out / "b" / "notes.txt").write_text("mine")
    before = _listing(out)
    with pytest.raises(FileExistsError, match="holds b/notes.txt, which augan did not write"):
        write_image_folder(out, X[:2], Y[:2], overwrite=True)
    assert _listing(out) == before and (out / "b" / "notes.txt").read_text() == "mine"


def _manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST_NAME).read_text())["files"]


def test_overwrite_replaces_exactly_the_files_augan_wrote(tmp_path):
    out = write_image_folder(tmp_path / "out", X, Y)
    written = _manifest(out)
    assert sorted(written) == [
        "a/000000.png", "a/000001.png", "b/000002.png", "b/000003.png", "c/000004.png", "c/000005.png"]
    assert written["a/000000.png"] == hashlib.sha256((out / "a/000000.png").read_bytes()).hexdigest()
    write_image_folder(out, X[:3], np.array(["a", "d", "d"]), overwrite=True)
    assert _listing(out) == [MANIFEST_NAME, "a", "a/000000.png", "d", "d/000001.png", "d/000002.png"]
    assert sorted(_manifest(out)) == ["a/000000.png", "d/000001.png", "d/000002.png"]
    images, labels = read_image_folder(out)
    np.testing.assert_array_equal(images, X[:3])
    assert labels.tolist() == ["a", "d", "d"]
    write_image_folder(out, X, Y, overwrite=True)  # and again: the folder stays augan's


@pytest.mark.parametrize("fewer", [False, True])
def test_overwrite_refuses_an_augan_folder_whose_image_the_user_edited(tmp_path, fewer):
    out = write_image_folder(tmp_path / "out", X, Y)
    (out / "b" / "000003.png").write_text("my notes, not a png")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(FileExistsError, match="b/000003.png, which was changed after augan wrote it"):
        write_image_folder(out, X[:2] if fewer else X, Y[:2] if fewer else Y, overwrite=True)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_listed_image_replaced_by_a_link_is_refused(tmp_path):
    out = write_image_folder(tmp_path / "out", X, Y)
    mine = tmp_path / "mine.png"
    mine.write_bytes((out / "a" / "000000.png").read_bytes())
    (out / "a" / "000000.png").unlink()
    (out / "a" / "000000.png").symlink_to(mine)
    with pytest.raises(FileExistsError, match="a/000000.png, which augan did not write"):
        write_image_folder(out, X, Y, overwrite=True)
    assert mine.exists()


def test_images_the_user_removed_from_an_augan_folder_do_not_stop_a_rewrite(tmp_path):
    out = write_image_folder(tmp_path / "out", X, Y)
    (out / "c" / "000004.png").unlink()
    write_image_folder(out, X[:2], Y[:2], overwrite=True)
    assert _listing(out) == [MANIFEST_NAME, "a", "a/000000.png", "a/000001.png"]


def test_a_folder_of_an_earlier_augan_without_checksums_is_refused_with_the_reason(tmp_path):
    out = write_image_folder(tmp_path / "out", X, Y)
    (out / MANIFEST_NAME).write_text(json.dumps({"format": "augan-output-folder", "version": 1,
                                                 "files": sorted(_manifest(out))}))
    with pytest.raises(FileExistsError, match="earlier version of augan.*no checksums"):
        write_image_folder(out, X, Y, overwrite=True)
    assert len(read_image_folder(out)[1]) == 6


def test_a_manifest_that_points_outside_the_folder_is_not_trusted(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    out = tmp_path / "out"
    out.mkdir()
    digest = hashlib.sha256(b"mine").hexdigest()
    (out / MANIFEST_NAME).write_text(json.dumps({"format": "augan-output-folder", "version": 2,
                                                 "files": {"../victim.txt": digest}}))
    with pytest.raises(FileExistsError, match="not a readable augan manifest"):
        write_image_folder(out, X, Y, overwrite=True)
    assert victim.read_text() == "mine"


def test_a_class_folder_replaced_by_a_link_is_refused_and_its_target_kept(tmp_path):
    out = write_image_folder(tmp_path / "out", X, Y)
    elsewhere = tmp_path / "elsewhere"
    (out / "a").rename(elsewhere)
    (out / "a").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(FileExistsError, match="holds a, which augan did not write"):
        write_image_folder(out, X, Y, overwrite=True)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["000000.png", "000001.png"]


def test_a_write_that_fails_midway_keeps_the_previous_images(tmp_path, monkeypatch):
    out = write_image_folder(tmp_path / "out", X, Y)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    save = Image.Image.save
    calls = []

    def disk_full_after_two(self, fp, *args, **kwargs):
        calls.append(fp)
        if len(calls) > 2:
            raise OSError(28, "No space left on device")
        return save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", disk_full_after_two)
    with pytest.raises(OSError, match="could not write .*out: No space left on device; what was there is unchanged"):
        write_image_folder(out, 255 - X, Y, overwrite=True)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "a", "b", "c"]


def test_an_empty_folder_is_filled_and_a_missing_parent_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    write_image_folder(tmp_path / "empty", X, Y)
    assert len(read_image_folder(tmp_path / "empty")[1]) == 6
    with pytest.raises(FileNotFoundError, match="does not exist"):
        check_output_folder(tmp_path / "no" / "out")


def test_a_folder_without_write_permission_is_refused_before_any_work(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:  # root ignores permission bits, but not sysfs, where no file can be made
        for folder in (locked, locked / "new") if os.geteuid() else (Path("/sys/new"),):
            with pytest.raises(PermissionError, match="cannot write in the folder"):
                check_output_folder(folder)
    finally:
        locked.chmod(0o755)


def test_labels_differing_only_in_case_are_refused_where_the_filesystem_folds_case(tmp_path, monkeypatch):
    import augan.data.images

    labels = np.array(["Cat", "cat", "Cat", "cat", "dog", "dog"])
    write_image_folder(tmp_path / "here", X, labels)  # this filesystem tells Cat from cat
    assert sorted(p.name for p in (tmp_path / "here").iterdir()) == [MANIFEST_NAME, "Cat", "cat", "dog"]
    monkeypatch.setattr(augan.data.images, "folds_case", lambda path: True)
    with pytest.raises(ValueError, match="'Cat' and 'cat' differ only in case"):
        write_image_folder(tmp_path / "folding", X, labels)
    assert not (tmp_path / "folding").exists()


def _signalled_while_writing(out: Path, signum: int, overwrite: bool) -> None:
    """A process writing images into ``out`` sent ``signum`` by itself after its first image, and ended by it."""
    script = (f"import os, numpy as np\n"
              f"from PIL import Image\n"
              f"from augan.data.images import write_image_folder\n"
              f"save = Image.Image.save\n"
              f"def save_then_signal(self, *args, **kwargs):\n"
              f"    save(self, *args, **kwargs)\n"
              f"    os.kill(os.getpid(), {int(signum)})\n"
              f"Image.Image.save = save_then_signal\n"
              f"write_image_folder({str(out)!r}, np.zeros((4, 4, 4), np.uint8), ['a', 'a', 'b', 'b'],\n"
              f"                   overwrite={overwrite})\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signum, done.stderr


@pytest.mark.parametrize("existing", [False, True])
def test_sigterm_while_an_image_folder_is_written_leaves_no_temporary_folder(tmp_path, existing):
    out = tmp_path / "out"
    if existing:
        write_image_folder(out, X, Y)
    before = _listing(tmp_path)
    _signalled_while_writing(out, signal.SIGTERM, overwrite=True)
    assert _listing(tmp_path) == before


def test_the_manifest_gets_the_permissions_of_the_images(tmp_path):
    out = write_image_folder(tmp_path / "out", X, Y)
    assert (out / MANIFEST_NAME).stat().st_mode & 0o777 == (out / "a" / "000000.png").stat().st_mode & 0o777


@pytest.mark.parametrize("existing", [True, False])
def test_the_next_write_removes_what_a_killed_write_left(tmp_path, existing):
    out = tmp_path / "out"
    if existing:
        write_image_folder(out, X, Y)
    _signalled_while_writing(out, signal.SIGKILL, overwrite=existing)
    left = [p.name for p in (out if existing else tmp_path).iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1  # a kill cannot clean up: the next write does
    if existing:
        check_output_folder(out, overwrite=True)  # the leftover is augan's own, not the user's
    write_image_folder(out, X, Y, overwrite=existing)
    assert _listing(tmp_path) == ["out", "out/.augan-manifest.json", "out/a", "out/a/000000.png",
                                  "out/a/000001.png", "out/b", "out/b/000002.png", "out/b/000003.png",
                                  "out/c", "out/c/000004.png", "out/c/000005.png"]


def test_a_temporary_folder_of_a_running_or_unknown_write_is_kept_and_named(tmp_path):
    out = write_image_folder(tmp_path / "out", X, Y)
    running = out / ".augan-writing-abc.tmp"
    running.mkdir()
    (running / ".augan-staging.json").write_text(json.dumps({"pid": os.getpid(), "machine": "0badcafe"}))
    with pytest.raises(FileExistsError, match="temporary folder of another augan write.*still running"):
        write_image_folder(out, X, Y, overwrite=True)
    assert running.is_dir()
    (running / ".augan-staging.json").unlink()  # no mark: not known to be augan's, so never removed
    with pytest.raises(FileExistsError, match="temporary folder of another augan write"):
        write_image_folder(out, X, Y, overwrite=True)
    assert running.is_dir()


@pytest.mark.parametrize("value", ["no", "False", 0, 1, None])
def test_overwrite_must_be_a_bool_or_a_string_like_no_would_replace_the_folder(tmp_path, value):
    # Review (2026-12-06): write_image_folder(path, ..., overwrite="no") replaced a folder augan wrote, "no" being
    # truthy; the files' writer refused it already.
    write_image_folder(tmp_path / "out", X, Y)
    before = _listing(tmp_path / "out")
    stamps = {name: (tmp_path / "out" / name).stat().st_mtime_ns for name in before}
    with pytest.raises(TypeError, match=r"overwrite must be True or False, got .* of type"):
        write_image_folder(tmp_path / "out", X[::-1], Y[::-1], overwrite=value)
    with pytest.raises(TypeError, match=r"overwrite must be True or False"):
        check_output_folder(tmp_path / "out", overwrite=value)
    assert _listing(tmp_path / "out") == before
    assert {name: (tmp_path / "out" / name).stat().st_mtime_ns for name in before} == stamps
