import json
import os
import signal
import subprocess
import sys

import pytest
import torch

from augan.storage import (LEDGER_NAME, MODEL_FORMAT, atomic_output, check_output_path, load_model, save_model,
                           written_by_augan)


def test_atomic_output_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [], "no temporary file is left behind"
    with atomic_output(target) as tmp:
        tmp.write_text("done")
    assert target.read_text() == "done"


def test_atomic_output_refuses_existing_file_unless_overwrite(tmp_path):
    target = tmp_path / "out.csv"
    with atomic_output(target) as tmp:
        tmp.write_text("augan's")
    with pytest.raises(FileExistsError, match="overwrite"):
        with atomic_output(target):
            pass
    with atomic_output(target, overwrite=True) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
    with atomic_output(target, overwrite=True) as tmp:
        tmp.write_text("newer")
    assert target.read_text() == "newer"


@pytest.mark.parametrize("value", ["no", "False", 0, 1, None])
def test_overwrite_must_be_a_bool_or_a_string_like_no_would_replace_the_file(tmp_path, value):
    # Audit (2026-12-06): CGAN.save(path, overwrite="no") replaced a saved model, "no" being truthy.
    target = tmp_path / "out.csv"
    with atomic_output(target) as tmp:
        tmp.write_text("first")
    with pytest.raises(TypeError, match=r"overwrite must be True or False, got .* of type"):
        with atomic_output(target, overwrite=value) as tmp:
            tmp.write_text("second")
    assert target.read_text() == "first"


def test_overwrite_never_replaces_a_file_augan_did_not_write(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("the user's own rows")
    with pytest.raises(FileExistsError, match="not written by augan"):
        check_output_path(target, overwrite=True)
    with pytest.raises(FileExistsError, match="not written by augan"):
        with atomic_output(target, overwrite=True) as tmp:
            tmp.write_text("new")
    assert target.read_text() == "the user's own rows"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"], "no temporary file, no ledger entry"


def test_overwrite_refuses_a_file_augan_wrote_that_was_changed_since(tmp_path):
    target = tmp_path / "out.csv"
    with atomic_output(target) as tmp:
        tmp.write_text("augan's rows")
    assert written_by_augan(target)
    target.write_text("augan's rows, and a note of the user's")
    assert not written_by_augan(target)
    with pytest.raises(FileExistsError, match="changed after augan wrote it"):
        with atomic_output(target, overwrite=True) as tmp:
            tmp.write_text("new")
    assert target.read_text() == "augan's rows, and a note of the user's"


def test_a_file_the_user_puts_where_augan_wrote_one_is_not_replaced(tmp_path):
    target = tmp_path / "out.csv"
    with atomic_output(target) as tmp:
        tmp.write_text("augan's rows")
    target.unlink()
    target.write_text("another file of the user's")
    with pytest.raises(FileExistsError, match="not written by augan"):
        check_output_path(target, overwrite=True)


def test_a_link_is_never_taken_for_a_file_augan_wrote(tmp_path):
    written = tmp_path / "written.csv"
    with atomic_output(written) as tmp:
        tmp.write_text("augan's rows")
    link = tmp_path / "link.csv"
    link.symlink_to(written)
    with pytest.raises(FileExistsError, match="not written by augan"):
        check_output_path(link, overwrite=True)
    assert link.is_symlink()


def test_a_file_that_changes_while_augan_writes_is_not_replaced(tmp_path):
    target = tmp_path / "out.csv"
    with atomic_output(target) as tmp:
        tmp.write_text("augan's rows")
    with pytest.raises(FileExistsError, match="changed while"):
        with atomic_output(target, overwrite=True) as tmp:
            tmp.write_text("new")
            target.write_text("edited by the user meanwhile")
    assert target.read_text() == "edited by the user meanwhile"
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_the_ledger_lists_what_augan_wrote(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.md"
    for path in (first, second):
        with atomic_output(path) as tmp:
            tmp.write_text(path.name)
    ledger = json.loads((tmp_path / LEDGER_NAME).read_text())
    assert sorted(ledger["files"]) == ["a.csv", "b.md"]
    with atomic_output(second, overwrite=True) as tmp:
        tmp.write_text("again")
    assert written_by_augan(first) and written_by_augan(second)


@pytest.mark.parametrize("content", ["not json", '{"format": "something else", "files": {"out.csv": "x"}}',
                                     '{"format": "augan-written-files", "files": ["out.csv"]}'])
def test_a_foreign_or_broken_ledger_proves_nothing_and_is_left_alone(tmp_path, content):
    (tmp_path / LEDGER_NAME).write_text(content)
    target = tmp_path / "out.csv"
    with atomic_output(target) as tmp:
        tmp.write_text("augan's rows")
    assert (tmp_path / LEDGER_NAME).read_text() == content
    with pytest.raises(FileExistsError, match="not written by augan"):
        check_output_path(target, overwrite=True)


@pytest.mark.parametrize("name", [LEDGER_NAME, ".augan-manifest.json"])
def test_augan_bookkeeping_names_are_no_outputs(tmp_path, name):
    with pytest.raises(ValueError, match="bookkeeping"):
        check_output_path(tmp_path / name)


def test_a_caller_that_knows_its_files_otherwise_replaces_them_without_a_ledger(tmp_path):
    target = tmp_path / "state.pt"
    target.write_text("ours by its content")
    with atomic_output(target, overwrite=True, recognise=lambda path: "ours" in path.read_text()) as tmp:
        tmp.write_text("ours again")
    assert target.read_text() == "ours again"
    assert not (tmp_path / LEDGER_NAME).exists()
    target.write_text("theirs")
    with pytest.raises(FileExistsError):
        with atomic_output(target, overwrite=True, recognise=lambda path: "ours" in path.read_text()):
            pass


def test_missing_parent_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        with atomic_output(tmp_path / "nope" / "out.csv"):
            pass


def test_model_round_trip_and_refusals(tmp_path):
    path = save_model(tmp_path / "m.augan", {"weights": torch.ones(2), "params": {"a": 1}})
    content = load_model(path)
    assert content["format"] == MODEL_FORMAT and content["params"] == {"a": 1}
    truncated = tmp_path / "t.augan"
    truncated.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="not a readable augan model"):
        load_model(truncated)
    foreign = tmp_path / "f.augan"
    torch.save({"format": "other"}, foreign)
    with pytest.raises(ValueError, match="not an augan model"):
        load_model(foreign)
    future = tmp_path / "v.augan"
    torch.save({"format": MODEL_FORMAT, "version": 99}, future)
    with pytest.raises(ValueError, match="version 99"):
        load_model(future)
    with pytest.raises(FileNotFoundError, match="no model file at"):
        load_model(tmp_path / "missing.augan")
    with pytest.raises(IsADirectoryError, match="is a folder, not a model file"):
        load_model(tmp_path)


def test_written_files_get_the_usual_permissions_not_tempfile_ones(tmp_path):
    import os

    target = tmp_path / "out.csv"
    with atomic_output(target) as tmp:
        tmp.write_text("x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "private.csv"
    with atomic_output(target) as tmp:
        tmp.write_text("sensitive rows")
    os.chmod(target, 0o600)
    with atomic_output(target, overwrite=True) as tmp:
        tmp.write_text("new rows")
    assert target.read_text() == "new rows"
    assert os.stat(target).st_mode & 0o7777 == 0o600


# ------------------------------------------------------------------- outputs never overlap inputs
from augan import storage as augan_io  # noqa: E402
from augan.storage import check_no_overlap  # noqa: E402


@pytest.fixture
def data(tmp_path, monkeypatch):
    """data.csv in tmp_path, which is also the working folder (so relative spellings can be tried)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "data.csv"
    path.write_text("x,y\n1,a\n")
    return path


@pytest.mark.parametrize("spelling", ["data.csv", "./data.csv", "sub/../data.csv", "absolute", "symlink",
                                      "hard link"])
def test_an_output_that_is_the_input_is_refused_however_it_is_spelled(data, tmp_path, spelling):
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to(data)
    os.link(data, tmp_path / "hard.csv")
    out = {"absolute": str(data), "symlink": "link.csv", "hard link": "hard.csv"}.get(spelling, spelling)
    with pytest.raises(ValueError, match="is the same file as DATA"):
        check_no_overlap({"DATA": "data.csv"}, {"--out": out})


def test_an_output_folder_may_neither_hold_the_input_nor_lie_inside_an_input_folder(data, tmp_path):
    (tmp_path / "imgs" / "a").mkdir(parents=True)
    (tmp_path / "up").symlink_to(tmp_path, target_is_directory=True)
    for inputs, outputs in [({"DATA": "data.csv"}, {"--out": "."}), ({"DATA": "data.csv"}, {"--out": "up"}),
                            ({"DATA": "imgs"}, {"--out": "imgs/a/s.npz"}), ({"DATA": "imgs"}, {"--out": "up/imgs/new"}),
                            ({"DATA": "imgs/a"}, {"--out": "imgs"})]:
        with pytest.raises(ValueError, match="lies inside"):
            check_no_overlap(inputs, outputs)
    check_no_overlap({"DATA": "imgs"}, {"--out": "imgs2", "--grid": "imgs.png"})


def test_outputs_may_not_overlap_each_other(data, tmp_path):
    with pytest.raises(ValueError, match="--model-out s.csv is the same file as --out s.csv"):
        check_no_overlap({"DATA": "data.csv"}, {"--out": "./s.csv", "--model-out": "s.csv"})
    with pytest.raises(ValueError, match="--grid out/g.png lies inside --out out"):
        check_no_overlap({}, {"--out": "out", "--grid": "out/g.png"})
    check_no_overlap({"DATA": "data.csv", "--model": None}, {"--out": "s.csv", "--model-out": None})


def test_names_differing_in_case_are_one_file_where_the_filesystem_folds_case(data, monkeypatch):
    check_no_overlap({}, {"--out": "S.csv", "--model-out": "s.csv"})  # this filesystem tells them apart
    monkeypatch.setattr(augan_io, "folds_case", lambda path: True)
    with pytest.raises(ValueError, match="same file"):
        check_no_overlap({}, {"--out": "S.csv", "--model-out": "s.csv"})


def test_outputs_written_at_once_into_one_folder_are_all_entered_in_its_ledger(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    def write(index: int) -> None:
        with atomic_output(tmp_path / f"out{index}.csv") as tmp:
            tmp.write_text(str(index) * 100_000)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(32)))
    assert sorted(json.loads((tmp_path / LEDGER_NAME).read_text())["files"]) == sorted(f"out{i}.csv" for i in range(32))
    assert all(written_by_augan(tmp_path / f"out{i}.csv") for i in range(32))


def test_sigterm_while_a_file_is_written_removes_the_temporary_file_and_still_terminates(tmp_path):
    import signal
    import subprocess
    import sys

    script = (f"import os, signal, time\n"
              f"from augan.storage import atomic_output\n"
              f"with atomic_output({str(tmp_path / 'big.csv')!r}) as tmp:\n"
              f"    tmp.write_text('half a table')\n"
              f"    os.kill(os.getpid(), signal.SIGTERM)\n"
              f"    time.sleep(30)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGTERM, done.stderr  # ended by the signal, as it would have been
    assert list(tmp_path.iterdir()) == [], "neither the temporary file nor the output is left"


def test_a_ledger_that_cannot_be_updated_is_named_and_nothing_is_written(tmp_path, monkeypatch):
    from augan import storage

    def refused(path, digest):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(storage, "_record", refused)
    with pytest.raises(PermissionError, match=f"could not update .*{LEDGER_NAME}.*Operation not permitted.*nothing"):
        with atomic_output(tmp_path / "out.csv") as tmp:
            tmp.write_text("rows")
    assert list(tmp_path.iterdir()) == []


def test_a_write_killed_outright_leaves_a_temporary_file_that_the_next_write_removes(tmp_path):
    # Audit 10: SIGKILL during a checkpoint or model write left a hidden temporary file beside it for good.
    target = tmp_path / "checkpoint.pt"
    script = (f"import os, signal\n"
              f"from augan.storage import atomic_output\n"
              f"with atomic_output({str(target)!r}) as tmp:\n"
              f"    tmp.write_bytes(b'half')\n"
              f"    os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".checkpoint.pt.augan-") and left[0].endswith(".tmp")
    (tmp_path / ".checkpoint.pt.mine.tmp").write_text("a file of the user's, named alike")
    with atomic_output(target) as tmp:
        tmp.write_bytes(b"whole")
    expected = [".checkpoint.pt.mine.tmp", LEDGER_NAME, "checkpoint.pt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)
    assert target.read_bytes() == b"whole"
