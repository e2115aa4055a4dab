"""Images in and out: a folder with one subfolder per class, or an .npz file with arrays X and y."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from augan import CGAN, GANOversampler
from augan.data.images import read_image_folder, read_npz, write_image_folder, write_npz

TINY = ["--epochs", "1", "--batch-size", "16", "--seed", "0", "--quiet"]


def _digits() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return (rng.random((36, 16, 16)) * 255).astype(np.uint8), np.repeat(["3", "7"], [24, 12])


@pytest.fixture
def digits(tmp_path: Path) -> Path:
    """digits/3 (24 images) and digits/7 (12 images), 16x16 grayscale PNG."""
    return write_image_folder(tmp_path / "digits", *_digits())


@pytest.fixture
def digits_npz(tmp_path: Path) -> Path:
    return write_npz(tmp_path / "digits.npz", *_digits())


def test_generate_per_class_writes_a_folder_per_class(augan, digits, tmp_path):
    out = tmp_path / "synthetic"
    result = augan("generate", digits, "--per-class", 5, "--out", out, "--epochs", 1, "--batch-size", 16)
    assert result.exit_code == 0, result.output
    assert f"wrote 10 images (3: 5, 7: 5) to {out}" in result.stdout
    X, y = read_image_folder(out)
    assert X.shape == (10, 16, 16) and X.dtype == np.uint8
    assert sorted(y.tolist()) == ["3"] * 5 + ["7"] * 5


def test_sample_writes_a_dark_draw_of_a_float_model_on_the_model_s_scale(augan, tmp_path, monkeypatch):
    # The model learned floats on the 0..255 scale; a draw whose pixels are all at most 1 is a dark draw on that
    # scale, and its PNG files must be black, not 255 times brighter.
    rng = np.random.default_rng(0)
    data = write_npz(tmp_path / "float.npz", rng.random((24, 16, 16)) * 255, np.repeat([0, 1], 12))
    model = tmp_path / "m.augan"
    assert augan("fit", data, "--model-out", model, *TINY).exit_code == 0
    real_sample = CGAN.sample
    monkeypatch.setattr(CGAN, "sample", lambda self, *a, **k: (lambda X, y: (X / 255 * 0.9, y))(
        *real_sample(self, *a, **k)))
    result = augan("sample", model, "--n", 6, "--out", tmp_path / "drawn", "--seed", 0)
    assert result.exit_code == 0, result.output
    X, _ = read_image_folder(tmp_path / "drawn")
    assert len(X) == 6 and X.max() <= 1


def test_generate_from_npz_balances_into_npz(augan, digits_npz, tmp_path):
    out = tmp_path / "synthetic.npz"
    result = augan("generate", digits_npz, "--balance", "--out", out, *TINY)
    assert result.exit_code == 0, result.output
    X, y = read_npz(out)
    assert X.shape == (12, 16, 16)
    assert set(y.tolist()) == {"7"}


def test_generate_grid_and_size_and_default_dcgan(augan, digits, tmp_path):
    out, grid, model = tmp_path / "synthetic", tmp_path / "grid.png", tmp_path / "digits.augan"
    result = augan("generate", digits, "--balance", "--size", 8, "--out", out, "--grid", grid,
                   "--model-out", model, *TINY)
    assert result.exit_code == 0, result.output
    assert read_image_folder(out)[0].shape == (12, 8, 8)
    with Image.open(grid) as image:
        assert image.format == "PNG"
    assert CGAN.load(model).get_params()["architecture"] == "dcgan"


@pytest.mark.parametrize("name", ["grid.jpg", "grid.txt", "grid"])
def test_a_grid_that_is_not_a_png_file_is_refused_before_training(augan, user_error, digits, tmp_path, monkeypatch,
                                                                  name):
    monkeypatch.setattr(CGAN, "fit", lambda self, X, y: pytest.fail("trained before refusing --grid"))
    user_error(augan("generate", digits, "--per-class", 2, "--out", tmp_path / "o", "--grid", tmp_path / name, *TINY),
               "--grid", name, ".png")
    assert not (tmp_path / name).exists()


def test_architecture_option_picks_mlp_for_images(augan, digits_npz, tmp_path):
    model = tmp_path / "m.augan"
    result = augan("fit", digits_npz, "--model-out", model, "--architecture", "mlp", *TINY)
    assert result.exit_code == 0, result.output
    assert CGAN.load(model).get_params()["architecture"] == "mlp"


def test_fit_on_images_then_sample_writes_images(augan, digits, tmp_path):
    model, out = tmp_path / "digits.augan", tmp_path / "drawn.npz"
    assert augan("fit", digits, "--model-out", model, *TINY).exit_code == 0
    result = augan("sample", model, "--n", 4, "--label", "7", "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    X, y = read_npz(out)
    assert X.shape == (4, 16, 16) and y.tolist() == ["7"] * 4


def test_sample_of_an_image_model_refuses_target(augan, digits, tmp_path, user_error):
    # Audit (2026-12-06): sample took --target for an image model and ignored it.
    model, out = tmp_path / "digits.augan", tmp_path / "drawn"
    assert augan("fit", digits, "--model-out", model, *TINY).exit_code == 0
    user_error(augan("sample", model, "--n", 4, "--target", "digit", "--out", out), "--target",
               "images take their classes")
    assert not out.exists()


@pytest.mark.parametrize("out_name", ["drawn.npz", "drawn"])
def test_sample_writes_images_from_an_image_model_saved_in_python(augan, tmp_path, out_name):
    # CGAN.save from Python records no CLI metadata: the model itself says that it draws images.
    model, out = tmp_path / "digits.augan", tmp_path / out_name
    X, y = _digits()
    CGAN(epochs=1, batch_size=16, max_steps=2, random_state=0).fit(X, y).save(model)
    result = augan("sample", model, "--n", 4, "--label", "7", "--out", out)
    assert result.exit_code == 0, result.output
    assert f"wrote 4 images (7: 4) to {out}" in result.stdout
    drawn, labels = read_npz(out) if out.suffix == ".npz" else read_image_folder(out)
    assert drawn.shape[0] == 4 and drawn.shape[1:3] == (16, 16) and labels.tolist() == ["7"] * 4


def test_table_defaults_to_mlp_and_per_class_works_for_tables(augan, numbers_csv, tmp_path):
    out = tmp_path / "s.csv"
    result = augan("generate", numbers_csv, "--target", "label", "--per-class", 3, "--out", out, *TINY)
    assert result.exit_code == 0, result.output
    assert out.read_text().count("\n") == 1 + 6


def _mixed_sizes(tmp_path: Path) -> Path:
    root = tmp_path / "mixed"
    for name, side in (("a", 8), ("b", 10)):
        (root / name).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(np.zeros((side, side), np.uint8)).save(root / name / f"{i}.png")
    return root


def _not_an_image(tmp_path: Path) -> Path:
    root = write_image_folder(tmp_path / "bad", *_digits())
    (root / "3" / "notes.png").write_text("not an image")
    return root


@pytest.mark.parametrize(("make", "args", "phrases"), [
    (_mixed_sizes, ["--per-class", 2], ["differ in size"]),
    (_not_an_image, ["--per-class", 2], ["notes.png", "not an image"]),
    (lambda tmp: write_image_folder(tmp / "d", *_digits()), ["--per-class", 2, "--target", "y"], ["--target"]),
    (lambda tmp: write_npz(tmp / "d.npz", *_digits()), ["--per-class", 2, "--size", 8], ["--size"]),
    (lambda tmp: write_image_folder(tmp / "d", *_digits()), ["--per-class", 0], ["--per-class", "positive"]),
    (lambda tmp: write_image_folder(tmp / "d", *_digits()), ["--per-class", 2, "--size", 0],
     ["--size must be a positive number of pixels", "got 0"]),
    (lambda tmp: write_image_folder(tmp / "d", *_digits()), ["--per-class", 2, "--n", 3], ["--n", "--per-class"]),
])
def test_bad_image_inputs_fail_with_one_line(augan, user_error, tmp_path, make, args, phrases):
    result = augan("generate", make(tmp_path), "--out", tmp_path / "out", *args, *TINY)
    user_error(result, *phrases)
    assert not (tmp_path / "out").exists()


def test_table_needs_target_and_refuses_grid(augan, user_error, numbers_csv, tmp_path):
    user_error(augan("generate", numbers_csv, "--n", 3, "--out", tmp_path / "s.csv", *TINY), "--target")
    user_error(augan("generate", tmp_path / "typo", "--n", 3, "--out", tmp_path / "s", *TINY), "no such", "typo")
    user_error(augan("generate", numbers_csv, "--target", "label", "--n", 3, "--out", tmp_path / "s.csv",
                     "--grid", tmp_path / "g.png", *TINY), "--grid", "images")


def test_image_output_folder_is_not_replaced_without_overwrite(augan, user_error, digits, tmp_path):
    out = tmp_path / "synthetic"
    (out / "old").mkdir(parents=True)
    user_error(augan("generate", digits, "--per-class", 2, "--out", out, *TINY), "--overwrite")
    assert [p.name for p in out.iterdir()] == ["old"]


@pytest.mark.parametrize("command", [["fit", "--model-out", "m.augan"], ["evaluate", "--report", "r.html"],
                                     ["resample", "--out", "balanced"]])
def test_training_commands_refuse_a_target_for_images_and_a_size_for_a_table(augan, user_error, digits, numbers_csv,
                                                                             tmp_path, command):
    name, flag, out = command
    user_error(augan(name, digits, flag, tmp_path / out, "--target", "y", *TINY), "--target", "subfolders")
    user_error(augan(name, numbers_csv, flag, tmp_path / out, "--target", "label", "--size", 8, *TINY),
               "--size is for images", "is a table")
    assert not (tmp_path / out).exists()


@pytest.mark.parametrize("command", [["fit", "--model-out", "m.augan"], ["evaluate", "--report", "r.html"],
                                     ["resample", "--out", "balanced"], ["generate", "--out", "synthetic"]])
def test_a_size_the_dcgan_cannot_take_is_refused_before_the_images_are_read(augan, user_error, digits, tmp_path,
                                                                          monkeypatch, command):
    # Audit 5: --size 4000 read and resized every image (2.1 GB for 29 of them) before CGAN.fit refused the size.
    import augan_cli.data

    monkeypatch.setattr(augan_cli.data, "read_images",
                        lambda *args, **kwargs: pytest.fail("read the images before refusing --size"))
    name, flag, out = command
    extra = ["--per-class", 2] if name == "generate" else []
    for architecture in ([], ["--architecture", "dcgan"]):
        user_error(augan(name, digits, flag, tmp_path / out, *extra, "--size", 65, *architecture, *TINY),
                   "--size 65", "at most 64", "--architecture mlp")
    assert not (tmp_path / out).exists()


def test_an_mlp_takes_any_size(augan, digits, tmp_path):
    out = tmp_path / "synthetic"
    result = augan("generate", digits, "--per-class", 2, "--out", out, "--size", 70, "--architecture", "mlp", *TINY)
    assert result.exit_code == 0, result.output
    assert read_image_folder(out)[0].shape == (4, 70, 70)


def _rows(X: np.ndarray) -> set[bytes]:
    return {image.tobytes() for image in X}


def test_resample_writes_the_real_images_and_the_new_ones(augan, digits, tmp_path):
    out = tmp_path / "balanced"
    result = augan("resample", digits, "--out", out, *TINY[:-1])
    assert result.exit_code == 0, result.output
    assert f"wrote 36 original + 12 synthetic images, 48 images (3: 24, 7: 24), to {out}" in result.stdout
    X_real, y_real = read_image_folder(digits)
    X, y = read_image_folder(out)
    assert X.shape == (48, 16, 16) and X.dtype == np.uint8
    for label in ("3", "7"):
        assert _rows(X_real[y_real == label]) <= _rows(X[y == label])  # every real image, unchanged
    new = _rows(X[y == "7"]) - _rows(X_real)
    assert len(new) == 12  # the new images are made, not copied
    # The new images are named as such, so that a validation split can leave them out.
    synthetic = sorted(p.relative_to(out).as_posix() for p in out.rglob("synthetic-*.png"))
    assert synthetic == [f"7/synthetic-{i:06d}.png" for i in range(36, 48)]
    X_synthetic = np.stack([np.asarray(Image.open(out / name)) for name in synthetic])
    assert _rows(X_synthetic) == new


@pytest.mark.parametrize("interpolation", ["deform", "encoded"])
def test_resample_interpolation_reaches_the_sampler_for_images(augan, digits, tmp_path, monkeypatch, interpolation):
    made = []
    deformed = GANOversampler._deformed
    monkeypatch.setattr(GANOversampler, "_deformed", lambda self, *a: (made.append(1), deformed(self, *a))[1])
    out = tmp_path / "balanced"
    result = augan("resample", digits, "--out", out, "--interpolation", interpolation, "--smote-share", "1",
                   *TINY[:-1])
    assert result.exit_code == 0, result.output
    assert len(made) == (interpolation == "deform")
    X, y = read_image_folder(out)
    assert X.shape == (48, 16, 16) and (y == "7").sum() == 24


def test_resample_refuses_standardised_interpolation_of_images_before_training(augan, digits, tmp_path, user_error,
                                                                                  monkeypatch):
    monkeypatch.setattr(GANOversampler, "fit_resample", lambda *a: pytest.fail("trained"))
    out = tmp_path / "balanced"
    user_error(augan("resample", digits, "--out", out, "--interpolation", "standard", *TINY[:-1]),
               "--interpolation standard standardises the columns of a table, and DATA is images")
    user_error(augan("resample", digits, "--out", out, "--interpolation", "proximity", *TINY[:-1]),
               "--interpolation proximity standardises the columns of a table, and DATA is images")
    user_error(augan("resample", digits, "--out", out, "--category-choice", "vote", *TINY[:-1]),
               "--category-choice vote chooses the categories of a table, and DATA is images")
    user_error(augan("resample", digits, "--out", out, "--isolated-classes", "oversample", *TINY[:-1]),
               "--isolated-classes oversample applies to the classes of a table, and DATA is images")
    assert not out.exists()


def test_resample_caps_synthetic_images_with_copies(augan, digits_npz, tmp_path):
    out = tmp_path / "balanced.npz"
    result = augan("resample", digits_npz, "--out", out, "--max-synthetic-ratio", "0.5", *TINY)
    assert result.exit_code == 0, result.output
    X_real, y_real = read_npz(digits_npz)
    X, y = read_npz(out)
    assert X.shape == (48, 16, 16)
    sevens = [image.tobytes() for image in X[36:][y[36:] == "7"]]
    made = [row for row in sevens if row not in _rows(X_real)]
    assert len(sevens) == 12 and len(made) == 6  # 0.5 synthetic per real seven; the other 6 are copies


@pytest.mark.parametrize("ratio", ["-1", "nan"])
def test_bad_max_synthetic_ratio_is_one_line(augan, user_error, digits, tmp_path, ratio):
    out = tmp_path / "balanced"
    user_error(augan("resample", digits, "--out", out, "--max-synthetic-ratio", ratio, *TINY),
               "--max-synthetic-ratio")
    assert not out.exists()


def test_resample_images_refuses_a_strategy_that_adds_nothing(augan, user_error, digits, tmp_path):
    user_error(augan("resample", digits, "--out", tmp_path / "b", "--strategy", "not-minority", *TINY),
               "adds no images")


@pytest.mark.slow  # cross-validates GANs
def test_evaluate_reads_an_image_folder_into_an_html_report(augan, digits, tmp_path):
    report = tmp_path / "report.html"
    result = augan("evaluate", digits, "--report", report, "--cv", 2, "--no-quality", "--size", 8, *TINY)
    assert result.exit_code == 0, result.output
    assert "<html" in report.read_text()


@pytest.mark.parametrize("name, existing", [("gen_0.5", False), ("run.v2", True), ("2024.01.05", False)])
def test_a_folder_name_with_a_dot_is_a_folder(augan, digits, tmp_path, name, existing):
    out = tmp_path / name
    if existing:
        out.mkdir()
    result = augan("generate", digits, "--per-class", 2, "--out", out, *TINY)
    assert result.exit_code == 0, result.output
    X, y = read_image_folder(out)
    assert X.shape == (4, 16, 16) and sorted(y.tolist()) == ["3", "3", "7", "7"]


@pytest.mark.parametrize("name", ["synthetic.png", "synthetic.csv", "synthetic.JPG"])
def test_a_file_name_as_the_image_output_is_refused_before_training(augan, digits, tmp_path, name, monkeypatch):
    monkeypatch.setattr(CGAN, "fit", lambda *a, **k: pytest.fail("trained before refusing the output"))
    result = augan("generate", digits, "--per-class", 2, "--out", tmp_path / name, *TINY)
    assert result.exit_code != 0
    assert f"cannot write images to a '{(tmp_path / name).suffix.lower()}' file" in result.output
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("command", [["generate", "--balance"], ["generate", "--n", "3"], ["resample"], ["fit"]])
def test_a_folder_of_a_single_class_is_refused_in_augan_s_words_before_training(augan, tmp_path, command,
                                                                                monkeypatch):
    monkeypatch.setattr(CGAN, "fit", lambda *a, **k: pytest.fail("trained before refusing the data"))
    single = write_image_folder(tmp_path / "single", np.zeros((6, 8, 8), np.uint8), ["only"] * 6)
    out = ["--model-out", tmp_path / "m.augan"] if command == ["fit"] else ["--out", tmp_path / "out"]
    result = augan(command[0], single, *command[1:], *out, *TINY)
    assert result.exit_code == 2
    assert f"{single} has a single class ('only'); a conditional GAN needs at least two" in result.stderr


@pytest.mark.parametrize("inside", ["ck", "3"])
def test_a_checkpoint_folder_inside_the_image_folder_is_refused_before_anything_is_written_there(
        augan, user_error, digits, tmp_path, monkeypatch, inside):
    # Audit: the refusal came after the checkpoint check had made and removed a probe file in DATA.
    monkeypatch.setattr(CGAN, "fit", lambda *a, **k: pytest.fail("trained"))
    before = {p: p.stat().st_mtime_ns for p in [digits, *digits.iterdir()]}
    user_error(augan("generate", digits, "--balance", "--out", tmp_path / "out", "--checkpoint-dir", digits / inside,
                     *TINY), "--checkpoint-dir", "DATA")
    assert {p: p.stat().st_mtime_ns for p in [digits, *digits.iterdir()]} == before  # also: no file added
