"""Files are safe: outputs appear whole or not at all, are never replaced without ``overwrite``, and a model
file that is damaged, foreign or crafted to run code is refused with a ValueError without running anything."""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import augan
from augan import CGAN
from augan.storage import LEDGER_NAME, MODEL_FORMAT, MODEL_VERSION
from augan.train import CHECKPOINT_NAME, Trainer, TrainingConfig

TINY = dict(epochs=1, batch_size=32, noise_dim=4, generator_dims=(8, 8), discriminator_dims=(8, 8),
            device="cpu", random_state=0)


@pytest.fixture(scope="module")
def model() -> CGAN:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=40), "c": rng.choice(["a", "b"], 40)})
    return CGAN(**TINY).fit(X, np.array([0] * 30 + [1] * 10))


@pytest.fixture
def saved(tmp_path, model) -> Path:
    path = tmp_path / "model.augan"
    model.save(path)
    return path


class _CreatesFile:
    """Unpickling this object calls ``open(marker, "w")``: proof that a loader ran code from the file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


def _folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------------------- writing
def test_save_never_replaces_a_file_without_overwrite(tmp_path, model):
    path = tmp_path / "model.augan"
    path.write_text("precious")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(path)
    assert path.read_text() == "precious"
    with pytest.raises(FileExistsError, match="not an augan model file"):
        model.save(path, overwrite=True)
    assert path.read_text() == "precious"


def test_overwrite_replaces_a_model_file_augan_wrote(tmp_path, model, saved):
    before = saved.read_bytes()
    CGAN(**TINY).fit(np.eye(20, 3), np.array([0] * 10 + [2] * 10)).save(saved, overwrite=True)
    assert saved.read_bytes() != before
    assert CGAN.load(saved, device="cpu").classes_.tolist() == [0, 2]


def test_a_save_that_fails_midway_leaves_neither_a_partial_file_nor_a_temporary_one(tmp_path, model, saved,
                                                                                     monkeypatch):
    path, previous = saved, saved.read_bytes()

    def disk_full(obj, f, *args, **kwargs):
        f.write(b"PK\x03\x04 half a model")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", disk_full)
    with pytest.raises(OSError, match="No space left"):
        model.save(path, overwrite=True)
    assert path.read_bytes() == previous, "the old file survives a failed write"
    with pytest.raises(OSError):
        model.save(tmp_path / "new.augan")
    assert _folder_listing(tmp_path) == ["model.augan"]


def test_save_into_a_missing_folder_is_a_clear_error(tmp_path, model):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        model.save(tmp_path / "no" / "such" / "model.augan")


def test_a_checkpoint_that_fails_midway_keeps_the_previous_one_and_no_temporary_file(tmp_path, monkeypatch):
    torch.manual_seed(0)
    from augan.losses import get_loss
    from augan.nn.mlp import MLPDiscriminator, MLPGenerator

    trainer = Trainer(MLPGenerator(4, 2, (3,), hidden=(8,)), MLPDiscriminator((3,), 2, hidden=(8,)),
                      get_loss("hinge"), TrainingConfig(noise_dim=4, epochs=1, batch_size=8, checkpoint_dir=tmp_path))
    trainer.save_checkpoint()
    before = (tmp_path / CHECKPOINT_NAME).read_bytes()

    def disk_full(obj, f, *args, **kwargs):
        f.write(b"PK half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", disk_full)
    with pytest.raises(OSError):
        trainer.save_checkpoint()
    assert (tmp_path / CHECKPOINT_NAME).read_bytes() == before
    assert _folder_listing(tmp_path) == [CHECKPOINT_NAME]


# ------------------------------------------------------------------------------- reading
def test_a_saved_model_loads_and_samples_identically(saved, model):
    loaded = augan.load(saved)
    pd.testing.assert_frame_equal(loaded.sample(30), model.sample(30))


def _truncated(saved: Path, target: Path) -> None:
    target.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])


def _bytes_flipped(saved: Path, target: Path) -> None:
    data = bytearray(saved.read_bytes())
    for i in range(200, len(data), 97):
        data[i] ^= 0xFF
    target.write_bytes(bytes(data))


def _empty(saved: Path, target: Path) -> None:
    target.write_bytes(b"")


def _text(saved: Path, target: Path) -> None:
    target.write_text("age,income\n31,42000\n")


def _wrong_format(saved: Path, target: Path) -> None:
    torch.save({"format": "sklearn-model", "version": 1, "weights": torch.ones(3)}, target)


def _not_a_dict(saved: Path, target: Path) -> None:
    torch.save([torch.ones(3)], target)


def _future_version(saved: Path, target: Path) -> None:
    content = torch.load(saved, weights_only=True)
    torch.save({**content, "version": MODEL_VERSION + 1}, target)


def _missing_weights(saved: Path, target: Path) -> None:
    content = torch.load(saved, weights_only=True)
    del content["generator"]
    torch.save(content, target)


def _weights_of_another_shape(saved: Path, target: Path) -> None:
    content = torch.load(saved, weights_only=True)
    content["generator"] = {k: torch.zeros(3) for k in content["generator"]}
    torch.save(content, target)


def _unknown_codec(saved: Path, target: Path) -> None:
    content = torch.load(saved, weights_only=True)
    content["codec"]["kind"] = "audio"
    torch.save(content, target)


def _unknown_parameter(saved: Path, target: Path) -> None:
    content = torch.load(saved, weights_only=True)
    content["params"]["flux_capacitor"] = True
    torch.save(content, target)


def _label_counts_edited(saved: Path, target: Path) -> None:
    content = torch.load(saved, weights_only=True)
    content["labels"]["counts"] = content["labels"]["counts"][:1]
    torch.save(content, target)


def _zip_of_something_else(saved: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("readme.txt", "hello")


DAMAGED = {
    "truncated": (_truncated, r"not a readable augan model file"),
    "bytes flipped": (_bytes_flipped, r"not a readable augan model file|content is inconsistent"),
    "empty": (_empty, r"not a readable augan model file"),
    "a CSV file": (_text, r"not a readable augan model file"),
    "a zip of something else": (_zip_of_something_else, r"not a readable augan model file"),
    "another format tag": (_wrong_format, r"is not an augan model file"),
    "not a dict": (_not_a_dict, r"is not an augan model file"),
    "a future version": (_future_version, rf"model format version {MODEL_VERSION + 1}; this augan reads version"),
    "weights missing": (_missing_weights, r"content is inconsistent.*generator"),
    "weights of another shape": (_weights_of_another_shape, r"content is inconsistent"),
    "an unknown codec": (_unknown_codec, r"codec kind 'audio' is unknown"),
    "an unknown parameter": (_unknown_parameter, r"content is inconsistent.*flux_capacitor"),
    "label counts edited": (_label_counts_edited, r"content is inconsistent.*each class needs one positive count"),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_a_damaged_or_foreign_model_file_is_refused_with_a_value_error(tmp_path, saved, case):
    damage, message = DAMAGED[case]
    target = tmp_path / "damaged.augan"
    damage(saved, target)
    with pytest.raises(ValueError, match=message):
        CGAN.load(target, device="cpu")


def test_a_model_file_whose_tensor_bytes_are_damaged_is_refused(saved, damage_tensor_bytes):
    entry = damage_tensor_bytes(saved)
    with zipfile.ZipFile(saved) as archive:
        assert archive.testzip() == entry, "the zip directory is whole; only the tensor's bytes are damaged"
    with pytest.raises(ValueError, match=rf"{re.escape(str(saved))} is not a readable augan model file: it is damaged "
                                         rf".*{entry}"):
        CGAN.load(saved, device="cpu")


def test_a_model_saved_with_torch_checksums_off_still_loads(tmp_path, model):
    torch.serialization.set_crc32_options(False)
    try:
        model.save(tmp_path / "unchecked.augan")
    finally:
        torch.serialization.set_crc32_options(True)
    pd.testing.assert_frame_equal(CGAN.load(tmp_path / "unchecked.augan", device="cpu").sample(30), model.sample(30))


def _edited(saved: Path, target: Path, edit) -> None:
    content = torch.load(saved, weights_only=True)
    edit(content)
    torch.save(content, target)


@pytest.mark.parametrize("noise_dim, message", [(2_000_000, r"generator weight .* is \(8, 6\)"),
                                                (1e8, r"noise_dim")])
def test_parameters_that_declare_huge_networks_are_refused_before_allocating_them(tmp_path, saved, noise_dim,
                                                                                 message, no_large_allocation):
    target = tmp_path / "huge.augan"
    _edited(saved, target, lambda content: content["params"].update(noise_dim=noise_dim))
    with pytest.raises(ValueError, match=f"content is inconsistent.*{message}"):
        CGAN.load(target, device="cpu")


def _nan_weights(content: dict) -> None:
    content["generator"] = {k: v * float("nan") if v.is_floating_point() else v
                            for k, v in content["generator"].items()}


def _column_dtype(content: dict) -> None:
    content["codec"]["state"]["columns"][0]["dtype"] = "foo"


def _array_dtype(content: dict) -> None:
    content["codec"]["state"]["array_dtype"] = "foo"


@pytest.mark.parametrize("edit, message", [
    (_nan_weights, r"generator weight .* holds NaN or infinite values"),
    (lambda content: content.update(seed=1.5), r"its seed is 1\.5, where augan writes an integer"),
    (lambda content: content.update(seed="7"), r"its seed is '7'"),
    (lambda content: content.update(seed=-1), r"its seed is -1"),
    (_column_dtype, r"column 'x' has the dtype 'foo'"),
    (_array_dtype, r"the array dtype 'foo' is not a numpy dtype"),
], ids=["NaN weights", "a float seed", "a text seed", "a negative seed", "a column dtype", "the array dtype"])
def test_edited_values_are_refused_naming_the_file(tmp_path, saved, edit, message):
    # Audit 2026-12-06: NaN weights loaded and sampled empty cells, a float or text seed was taken as it was, and
    # an unknown column dtype failed at sampling with pandas' TypeError, naming no file.
    target = tmp_path / "edited.augan"
    _edited(saved, target, edit)
    with pytest.raises(ValueError, match=rf"{re.escape(str(target))} is an augan model file, but its content is "
                                         rf"inconsistent: .*{message}"):
        CGAN.load(target, device="cpu")


def test_an_image_dtype_that_numpy_does_not_know_is_refused(tmp_path, tiny):
    X = np.random.default_rng(0).integers(0, 256, (40, 8, 8)).astype(np.uint8)
    path, target = tmp_path / "m.augan", tmp_path / "edited.augan"
    CGAN(**tiny, architecture="mlp", encoder=False).fit(X, np.arange(40) % 2).save(path)
    _edited(path, target, lambda content: content["codec"]["state"].update(dtype="foo"))
    with pytest.raises(ValueError, match=r"content is inconsistent: .*the image dtype 'foo' is not a numpy dtype"):
        CGAN.load(target, device="cpu")


def test_an_extra_entry_is_refused_not_ignored(tmp_path, saved):
    target = tmp_path / "extra.augan"
    _edited(saved, target, lambda content: content.update(payload=torch.zeros(1000)))
    with pytest.raises(ValueError, match=r"entries augan does not write: \['payload'\]"):
        CGAN.load(target, device="cpu")


def test_a_file_of_another_estimator_is_refused_by_its_tag(tmp_path, saved):
    # Audit 10: the "estimator" entry was never read, so a file tagged for another estimator loaded as a CGAN.
    target = tmp_path / "other.augan"
    _edited(saved, target, lambda content: content.update(estimator="GANOversampler"))
    with pytest.raises(ValueError, match=r"holds a model of 'GANOversampler', not of 'CGAN'"):
        CGAN.load(target, device="cpu")


def test_a_weight_carrying_a_larger_storage_is_refused(tmp_path, saved):
    def enlarge(content):
        key, weight = next(iter(content["generator"].items()))
        content["generator"][key] = torch.zeros(1_000_000)[:weight.numel()].view(weight.shape)

    target = tmp_path / "padded.augan"
    _edited(saved, target, enlarge)
    with pytest.raises(ValueError, match=r"stores 4,0\d\d,\d\d\d bytes of tensors where its networks need"):
        CGAN.load(target, device="cpu")


def test_a_weight_of_another_dtype_is_refused(tmp_path, saved):
    def widen(content):
        key = next(iter(content["generator"]))
        content["generator"][key] = content["generator"][key].double()

    target = tmp_path / "double.augan"
    _edited(saved, target, widen)
    with pytest.raises(ValueError, match=r"torch.float64, where its parameters build .* torch.float32"):
        CGAN.load(target, device="cpu")


def test_plain_values_above_the_cap_are_refused_before_unpickling(tmp_path, saved, monkeypatch):
    import augan.storage

    monkeypatch.setattr(augan.storage, "MAX_PLAIN_VALUES_BYTES", 100, raising=False)
    with pytest.raises(ValueError, match=r"plain values take [\d,]+ bytes, more than the 100"):
        CGAN.load(saved, device="cpu")


def test_a_compressed_archive_is_refused_before_unpacking(tmp_path, saved):
    target = tmp_path / "deflated.augan"
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as packed:
        for entry in source.infolist():
            packed.writestr(entry.filename, source.read(entry))
    with pytest.raises(ValueError, match=r"is compressed, which torch.save never does"):
        CGAN.load(target, device="cpu")


def test_a_missing_model_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        augan.load(tmp_path / "nothing.augan")


@pytest.mark.parametrize("path", [123, None, b"model.augan", 1.5])
def test_a_path_that_is_no_path_is_a_type_error_naming_the_argument(path, model):
    with pytest.raises(TypeError, match=r"path must be a file path \(str or pathlib.Path\), got "):
        CGAN.load(path)
    with pytest.raises(TypeError, match=r"path must be a file path \(str or pathlib.Path\), got "):
        model.save(path)


def test_the_crafted_payload_does_run_code_when_unpickled_unsafely(tmp_path):
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(_CreatesFile(marker))).close()
    assert marker.exists(), "the payload used below really executes code"


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")  # torch's note on the raw pickle
@pytest.mark.parametrize("container", ["raw pickle", "torch.save inside the model dict", "torch.save top level"])
def test_a_model_file_carrying_code_is_refused_and_runs_nothing(tmp_path, saved, container):
    marker = tmp_path / "ran"
    target = tmp_path / "evil.augan"
    if container == "raw pickle":
        target.write_bytes(pickle.dumps({"format": MODEL_FORMAT, "version": MODEL_VERSION,
                                         "params": _CreatesFile(marker)}))
    elif container == "torch.save inside the model dict":
        content = torch.load(saved, weights_only=True)
        torch.save({**content, "history": _CreatesFile(marker)}, target)
    else:
        torch.save(_CreatesFile(marker), target)
    with pytest.raises(ValueError, match="not a readable augan model file") as refused:
        CGAN.load(target, device="cpu")
    assert not marker.exists(), "loading must execute nothing from the file"
    assert "weights_only" not in str(refused.value), "never advise loading the file unsafely"


def test_a_checkpoint_carrying_code_is_refused_on_resume_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    torch.save({"epoch": 1, "generator": _CreatesFile(marker)}, tmp_path / CHECKPOINT_NAME)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=40)})
    with pytest.raises(ValueError, match="cannot be read"):
        CGAN(**TINY, checkpoint_dir=tmp_path, resume=True).fit(X, np.array([0] * 30 + [1] * 10))
    assert not marker.exists()


# ------------------------------------------------------------------------------------ CLI
@pytest.fixture
def cli():
    from typer.testing import CliRunner

    from augan_cli.main import app

    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_cli_sample_never_replaces_an_output_without_overwrite(cli, tmp_path, model):
    path = tmp_path / "model.augan"
    model.save(path, metadata={"target": "label", "columns": ["x", "c", "label"]})
    out = tmp_path / "rows.csv"
    out.write_text("precious\n")
    refused = cli("sample", path, "--n", 5, "--out", out, "--quiet")
    assert refused.exit_code == 2 and "--overwrite" in refused.stderr
    assert out.read_text() == "precious\n"
    # A file augan did not write is not replaced with --overwrite either: one line, and the file is kept.
    refused = cli("sample", path, "--n", 5, "--out", out, "--overwrite", "--quiet")
    assert refused.exit_code == 2, refused.output
    assert refused.stderr.startswith(f"augan: error: {out} was not written by augan")
    assert len(refused.stderr.splitlines()) == 1
    assert out.read_text() == "precious\n"
    out.unlink()
    assert cli("sample", path, "--n", 3, "--out", out, "--quiet").exit_code == 0
    replaced = cli("sample", path, "--n", 5, "--out", out, "--overwrite", "--quiet")
    assert replaced.exit_code == 0, replaced.output
    assert pd.read_csv(out).columns.tolist() == ["x", "c", "label"] and len(pd.read_csv(out)) == 5
    assert _folder_listing(tmp_path) == [LEDGER_NAME, "model.augan", "rows.csv"]


def test_cli_sample_refuses_a_model_file_whose_tensor_bytes_are_damaged(cli, tmp_path, model, damage_tensor_bytes):
    path = tmp_path / "model.augan"
    model.save(path, metadata={"target": "label", "columns": ["x", "c", "label"]})
    damage_tensor_bytes(path)
    result = cli("sample", path, "--n", 5, "--out", tmp_path / "rows.csv", "--quiet")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"augan: error: {path} is not a readable augan model file: it is damaged")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "rows.csv").exists()


def test_cli_refuses_a_model_file_carrying_code_and_runs_nothing(cli, tmp_path):
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.augan"
    torch.save({"format": MODEL_FORMAT, "version": MODEL_VERSION, "params": _CreatesFile(marker)}, evil)
    result = cli("sample", evil, "--n", 5, "--out", tmp_path / "rows.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith("augan: error: ") and "not a readable augan model" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "weights_only" not in result.stderr
    assert not marker.exists() and not (tmp_path / "rows.csv").exists()


@pytest.mark.parametrize(("device", "error", "message"), [
    (5, TypeError, r"device must be a str or torch.device, got int"),
    (None, TypeError, r"device must be a str or torch.device, got NoneType"),
    ("tpu9", ValueError, r"device='tpu9' is not a valid torch device"),
])
def test_a_bad_load_device_is_named_and_the_file_is_not_blamed(saved, device, error, message):
    with pytest.raises(error, match=message) as caught:
        CGAN.load(saved, device=device)
    assert "inconsistent" not in str(caught.value)


def test_augan_load_takes_what_cgan_load_takes(saved, model):
    loaded = augan.load(saved, device="cpu")
    assert loaded.device_ == torch.device("cpu")
    pd.testing.assert_frame_equal(augan.load(path=saved, device=torch.device("cpu")).sample(5), model.sample(5))
    with pytest.raises(TypeError, match="device must be a str or torch.device"):
        augan.load(saved, device=5)


def test_a_model_of_a_loss_not_registered_here_says_to_register_it(tmp_path, tiny):
    from augan.losses import LOSSES, Hinge, register_loss

    class MyHinge(Hinge):
        name = "my-hinge"

    register_loss("my-hinge", MyHinge)
    try:
        X = np.random.default_rng(0).normal(size=(40, 3))
        path = tmp_path / "m.augan"
        CGAN(**{**tiny, "loss": "my-hinge"}).fit(X, np.arange(40) % 2).save(path)
    finally:
        del LOSSES["my-hinge"]
    with pytest.raises(ValueError, match=r"loss 'my-hinge', which is not registered.*register_loss\('my-hinge'"):
        CGAN.load(path)


def test_an_image_model_trained_under_ddp_without_an_encoder_loads(tmp_path, tiny):
    from augan.storage import load_model, save_model

    X = np.random.default_rng(0).integers(0, 256, (40, 8, 8)).astype(np.uint8)
    path = tmp_path / "m.augan"
    CGAN(**tiny, architecture="mlp", encoder=False).fit(X, np.arange(40) % 2).save(path)
    # What torchrun --distributed writes: encoder="auto", which DDP training leaves without an encoder.
    content = {k: v for k, v in load_model(path).items() if k not in ("format", "version")}
    content["params"] = {**content["params"], "encoder": "auto", "strategy": "ddp"}
    save_model(path, content, overwrite=True)
    loaded = CGAN.load(path)
    assert loaded.encoder_ is None and loaded.get_params()["strategy"] is None
    assert loaded.sample(4, y=0).shape == (4, 8, 8)
