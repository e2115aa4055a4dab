import pytest
import torch

from augan.io import MODEL_FORMAT, atomic_output, load_model, save_model


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
    target.write_text("mine")
    with pytest.raises(FileExistsError):
        with atomic_output(target):
            pass
    with atomic_output(target, overwrite=True) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"


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
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.augan")


def test_written_files_get_the_usual_permissions_not_tempfile_ones(tmp_path):
    import os

    target = tmp_path / "out.csv"
    with atomic_output(target) as tmp:
        tmp.write_text("x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
