import re

import numpy as np
import pytest
import torch
from PIL import Image

from augan.data.images import ImageCodec, read_image_folder, read_npz, write_image_folder, write_npz
from augan.data.output_folder import MANIFEST_NAME
from augan.storage import LEDGER_NAME

RNG = np.random.default_rng(0)
LAYOUTS = {
    "NHW": (5, 8, 8),
    "NHWC-gray": (5, 8, 8, 1),
    "NHWC-rgb": (5, 30, 30, 3),
    "NHWC-rgba": (5, 28, 28, 4),
    "NCHW-gray": (5, 1, 8, 8),
    "NCHW-rgb": (5, 3, 32, 32),
}


def _images(shape: tuple, dtype: str) -> np.ndarray:
    if dtype == "uint8":
        return RNG.integers(0, 256, shape).astype(np.uint8)
    if dtype == "float32-unit":
        return RNG.random(shape).astype(np.float32)
    return RNG.random(shape) * 255.0


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ["uint8", "float32-unit", "float64-255"])
def test_round_trip_gives_back_layout_dtype_and_values(layout, dtype):
    X = _images(LAYOUTS[layout], dtype)
    codec = ImageCodec().fit(X)
    Z = codec.transform(X)
    assert Z.dtype == np.float32 and Z.min() >= -1 and Z.max() <= 1
    assert Z.shape == (5, *codec.sample_shape_)
    back = codec.inverse_transform(Z)
    assert back.shape == X.shape and back.dtype == X.dtype
    if dtype == "uint8":
        np.testing.assert_array_equal(back, X)
    else:
        np.testing.assert_allclose(back, X, rtol=0, atol=1e-6 * X.max())


@pytest.mark.parametrize("shape, layout, sample_shape", [
    ((2, 8, 8), "NHW", (1, 28, 28)),
    ((2, 30, 30, 3), "NHWC", (3, 32, 32)),
    ((2, 3, 40, 50), "NCHW", (3, 64, 64)),
    ((2, 28, 28), "NHW", (1, 28, 28)),
    ((2, 100, 100), "NHW", (1, 100, 100)),
])
def test_layout_and_padded_size_follow_the_documented_rule(shape, layout, sample_shape):
    codec = ImageCodec().fit(np.zeros(shape, dtype=np.uint8))
    assert codec.layout_ == layout
    assert codec.sample_shape_ == sample_shape
    assert codec.n_features_in_ == int(np.prod(shape[1:]))
    assert codec.feature_names_in_ is None


def test_small_images_are_centred_on_black_padding():
    X = np.full((1, 8, 8), 255, dtype=np.uint8)
    Z = ImageCodec().fit(X).transform(X)[0, 0]
    assert (Z[10:18, 10:18] == 1).all()
    assert (Z == 1).sum() == 64 and (Z == -1).sum() == 28 * 28 - 64


def test_channels_last_wins_when_both_axes_could_hold_channels():
    assert ImageCodec().fit(np.zeros((2, 3, 4, 4), np.uint8)).layout_ == "NHWC"
    assert ImageCodec().fit(np.zeros((2, 3, 5, 5), np.uint8)).layout_ == "NCHW"


def test_channel_axis_that_fits_nowhere_is_refused():
    with pytest.raises(ValueError, match="channel"):
        ImageCodec().fit(np.zeros((2, 5, 6, 7), np.uint8))


def test_float_range_is_detected_at_fit():
    assert ImageCodec().fit(np.full((2, 8, 8), 0.9)).value_max_ == 1.0
    assert ImageCodec().fit(np.full((2, 8, 8), 16.0)).value_max_ == 255.0
    assert ImageCodec().fit(np.zeros((2, 8, 8), np.int64)).value_max_ == 255.0


@pytest.mark.parametrize("dtype", [np.float64, np.uint8, np.int64])
def test_the_networks_see_the_fitted_pixel_range_and_decoded_images_stay_within_it(dtype):
    # sklearn's digits: 0..16 on a 0..255 scale. The brightest pixel is +1 to the networks, not -0.87.
    X = RNG.integers(0, 17, (6, 8, 8)).astype(dtype)
    X[0, 0, 0] = 16
    codec = ImageCodec().fit(X)
    assert codec.value_max_ == 255.0 and codec.pixel_max_ == 16.0
    Z = codec.transform(X)
    assert Z.max() == 1.0 and Z.min() == -1.0
    np.testing.assert_allclose(codec.inverse_transform(Z), X, atol=1e-5)
    out = codec.inverse_transform(np.full((2, *codec.sample_shape_), 3.0))
    assert out.max() == 16 and out.dtype == X.dtype
    np.testing.assert_array_equal(codec.to_uint8(X)[..., 0], np.rint(X / 255.0 * 255).astype(np.uint8))


def test_a_codec_state_from_before_pixel_max_learns_the_whole_scale():
    state = ImageCodec().fit(np.full((2, 8, 8), 16, np.uint8)).get_state()
    assert state["pixel_max"] == 16.0
    del state["pixel_max"]
    old = ImageCodec.from_state(state)
    assert old.pixel_max_ == 255.0
    assert old.inverse_transform(np.ones((1, *old.sample_shape_))).max() == 255


@pytest.mark.parametrize("fitted, given, said", [
    (np.full((2, 8, 8), 200, np.uint8), np.full((2, 8, 8), 0.5), r"X holds floats in \[0, 1\], but the GAN was "
                                                                  r"fitted on uint8 images \(0\.\.255\).*X \* 255\.0"),
    (np.full((2, 8, 8), 0.5), np.full((2, 8, 8), 200, np.uint8), r"X holds uint8 images \(0\.\.255\), but the GAN "
                                                                  r"was fitted on floats in \[0, 1\].*X / 255\.0"),
])
def test_transform_refuses_images_on_another_pixel_scale(fitted, given, said):
    codec = ImageCodec().fit(fitted)
    with pytest.raises(ValueError, match=said):
        codec.transform(given)
    codec.transform(np.full((2, 8, 8), 17.0) if fitted.dtype == np.uint8 else np.full((2, 8, 8), 0.1))


@pytest.mark.parametrize("X, error, match", [
    (np.full((2, 8, 8), -0.5), ValueError, r"\[0, 1\] or \[0, 255\]"),
    (np.full((2, 8, 8), 300.0), ValueError, r"\[0, 1\] or \[0, 255\]"),
    (np.full((2, 8, 8), np.nan), ValueError, "NaN"),
    (np.zeros((2, 8, 8), bool), TypeError, "dtype bool"),
    (np.zeros((2, 64), np.uint8), ValueError, "shape"),
    (np.zeros((0, 8, 8), np.uint8), ValueError, "no pixels"),
])
def test_unusable_images_are_refused_with_a_clear_message(X, error, match):
    with pytest.raises(error, match=match):
        ImageCodec().fit(X)


def test_inverse_clips_and_rounds_to_uint8():
    codec = ImageCodec().fit(np.zeros((1, 28, 28), np.uint8))
    Z = np.zeros((3, 1, 28, 28))
    Z[0], Z[1], Z[2] = -3.0, 3.0, 0.0
    out = codec.inverse_transform(Z)
    assert out.dtype == np.uint8
    assert (out[0] == 0).all() and (out[1] == 255).all() and (out[2] == 128).all()


def test_transform_refuses_images_of_another_shape():
    codec = ImageCodec().fit(np.zeros((2, 8, 8), np.uint8))
    with pytest.raises(ValueError, match=r"\(9, 9\)"):
        codec.transform(np.zeros((2, 9, 9), np.uint8))
    with pytest.raises(ValueError, match="Z must have shape"):
        codec.inverse_transform(np.zeros((2, 1, 8, 8)))


def test_state_is_plain_values_and_rebuilds_the_codec(tmp_path):
    X = _images((4, 3, 30, 30), "float32-unit")
    codec = ImageCodec().fit(X)
    torch.save(codec.get_state(), tmp_path / "state.pt")
    state = torch.load(tmp_path / "state.pt", weights_only=True)
    again = ImageCodec.from_state(state)
    assert again.sample_shape_ == codec.sample_shape_ and again.layout_ == codec.layout_
    Z = codec.transform(X)
    np.testing.assert_array_equal(again.inverse_transform(Z), codec.inverse_transform(Z))


# ------------------------------------------------------------------ folders
def _save(path, array, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode).save(path)


@pytest.mark.parametrize("shape", [(6, 8, 8), (6, 10, 12, 3)])
def test_image_folder_round_trip_keeps_pixels_and_labels(tmp_path, shape):
    X = RNG.integers(0, 256, shape).astype(np.uint8)
    y = np.array(["cat", "dog", "cat", "owl", "dog", "cat"])
    write_image_folder(tmp_path / "out", X, y)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [MANIFEST_NAME, "cat", "dog", "owl"]
    X2, y2 = read_image_folder(tmp_path / "out")
    order = np.argsort(y, kind="stable")
    np.testing.assert_array_equal(X2, X[order])
    np.testing.assert_array_equal(y2, y[order])
    assert X2.dtype == np.uint8
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_float_images_are_written_as_uint8_pngs(tmp_path):
    X = np.array([[[0.0, 1.0], [0.5, 0.25]]] * 2)
    write_image_folder(tmp_path / "out", X, [1, 2])
    X2, y2 = read_image_folder(tmp_path / "out")
    np.testing.assert_array_equal(X2[0], [[0, 255], [128, 64]])
    assert y2.tolist() == ["1", "2"]


def test_a_dark_float_draw_is_written_on_the_pixel_scale_it_is_given(tmp_path):
    # Floats on the 0..255 scale that all happen to be at most 1 (a dark draw) read as floats in [0, 1] on their
    # own, 255 times too bright; a model's scale, passed as value_max, keeps them black.
    X, y = np.full((2, 6, 6), 0.9), np.array([0, 1])
    X[:, 2, 2] = 0.2
    X_back, _ = read_image_folder(write_image_folder(tmp_path / "dark", X, y, value_max=255))
    assert X_back.max() == 1 and X_back.min() == 0
    X_back, _ = read_image_folder(write_image_folder(tmp_path / "guessed", X, y))
    assert X_back.max() == 230
    with pytest.raises(ValueError, match="value_max must be 255 or 1"):
        write_image_folder(tmp_path / "bad", X, y, value_max=16)


def test_images_from_synthetic_from_on_are_named_synthetic(tmp_path):
    X, y = np.arange(4 * 9, dtype=np.uint8).reshape(4, 3, 3), ["a", "b", "a", "b"]
    out = write_image_folder(tmp_path / "out", X, y, synthetic_from=2)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == [
        "a/000000.png", "a/synthetic-000002.png", "b/000001.png", "b/synthetic-000003.png"]
    X_back, y_back = read_image_folder(out)
    assert sorted(map(bytes, X_back)) == sorted(map(bytes, X)) and sorted(y_back.tolist()) == sorted(y)
    for bad in (-1, 5, 1.5, True):
        with pytest.raises(ValueError, match="synthetic_from must be a position from 0 to the 4 images"):
            write_image_folder(tmp_path / "bad", X, y, synthetic_from=bad)


def test_write_image_folder_refuses_a_non_empty_folder_unless_overwrite(tmp_path):
    X = np.zeros((2, 4, 4), np.uint8)
    write_image_folder(tmp_path / "out", X, ["a", "b"])
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_image_folder(tmp_path / "out", X, ["c", "d"])
    write_image_folder(tmp_path / "out", X, ["c", "d"], overwrite=True)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [MANIFEST_NAME, "c", "d"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_write_image_folder_fills_an_existing_empty_folder(tmp_path):
    (tmp_path / "out").mkdir()
    write_image_folder(tmp_path / "out", np.zeros((2, 4, 4), np.uint8), ["a", "b"])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [MANIFEST_NAME, "a", "b"]


def test_write_image_folder_refuses_labels_that_cannot_name_a_folder(tmp_path):
    with pytest.raises(ValueError, match="cannot name a class folder"):
        write_image_folder(tmp_path / "out", np.zeros((2, 4, 4), np.uint8), ["a/b", "c"])
    assert not (tmp_path / "out").exists()


def test_read_image_folder_names_two_files_of_different_sizes_and_suggests_size(tmp_path):
    _save(tmp_path / "a" / "1.png", np.zeros((8, 8), np.uint8))
    _save(tmp_path / "b" / "2.png", np.zeros((10, 12), np.uint8))
    with pytest.raises(ValueError, match=r"1\.png.*8x8.*2\.png.*12x10.*size="):
        read_image_folder(tmp_path)
    X, y = read_image_folder(tmp_path, size=16)
    assert X.shape == (2, 16, 16)
    X, _ = read_image_folder(tmp_path, size=(6, 9))
    assert X.shape == (2, 6, 9)


def test_read_image_folder_names_a_file_that_is_not_an_image(tmp_path):
    _save(tmp_path / "a" / "1.png", np.zeros((8, 8), np.uint8))
    (tmp_path / "a" / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match=r"notes\.txt is not an image"):
        read_image_folder(tmp_path)


def test_read_image_folder_ignores_hidden_files_and_allows_one_image_per_class(tmp_path):
    _save(tmp_path / "a" / "1.png", np.zeros((8, 8), np.uint8))
    _save(tmp_path / "b" / "2.jpg", np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "a" / ".DS_Store").write_bytes(b"\0\1")
    (tmp_path / ".DS_Store").write_bytes(b"\0\1")
    X, y = read_image_folder(tmp_path)
    assert X.shape == (2, 8, 8, 3)  # one colour image makes the set RGB
    assert y.tolist() == ["a", "b"]


def test_read_image_folder_ignores_what_windows_and_macos_leave_in_folders(tmp_path):
    _save(tmp_path / "a" / "1.png", np.zeros((8, 8), np.uint8))
    (tmp_path / "a" / "Thumbs.db").write_bytes(b"\0\1")
    (tmp_path / "a" / "desktop.ini").write_text("[.ShellClassInfo]")
    (tmp_path / "desktop.ini").write_text("[.ShellClassInfo]")
    _save(tmp_path / "__MACOSX" / "a" / "._1.png", np.zeros((8, 8), np.uint8))
    X, y = read_image_folder(tmp_path)
    assert X.shape == (1, 8, 8)
    assert y.tolist() == ["a"]


@pytest.mark.parametrize("layout, match", [
    ("stray", "is a file at the top"),
    ("empty-class", "holds no images"),
    ("nothing", "no class subfolders"),
    ("nested", "folder inside the class folder"),
])
def test_read_image_folder_explains_a_wrong_folder_layout(tmp_path, layout, match):
    if layout == "stray":
        _save(tmp_path / "1.png", np.zeros((8, 8), np.uint8))
    elif layout == "empty-class":
        (tmp_path / "a").mkdir()
    elif layout == "nested":
        _save(tmp_path / "a" / "b" / "1.png", np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match=match):
        read_image_folder(tmp_path)


@pytest.mark.parametrize("size", [0, 3.5, (8,), "64", True])
def test_read_image_folder_refuses_a_bad_size(tmp_path, size):
    _save(tmp_path / "a" / "1.png", np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match="size must be a positive int"):
        read_image_folder(tmp_path, size=size)


def test_sixteen_bit_grayscale_is_scaled_to_uint8(tmp_path):
    _save(tmp_path / "a" / "1.png", np.array([[0, 65535], [32768, 257]], np.uint16))
    X, _ = read_image_folder(tmp_path)
    np.testing.assert_array_equal(X[0], [[0, 255], [128, 1]])


def test_sixteen_bit_grayscale_is_scaled_beside_colour_images(tmp_path):
    gray = RNG.integers(0, 65536, (3, 8, 8)).astype(np.uint16)
    for k, image in enumerate(gray):
        _save(tmp_path / "a" / f"{k}.png", image)
        _save(tmp_path / "b" / f"{k}.png", RNG.integers(0, 256, (8, 8, 3)).astype(np.uint8), "RGB")
    with Image.open(tmp_path / "a" / "0.png") as image:
        assert image.mode == "I;16"
    X, y = read_image_folder(tmp_path)
    expected = np.rint(gray / 65535 * 255).astype(np.uint8)
    np.testing.assert_array_equal(X[y == "a"], np.repeat(expected[..., None], 3, axis=3))


def test_32_bit_integer_grayscale_is_scaled_as_16_bit_beside_colour_images(tmp_path):
    _save(tmp_path / "a" / "1.tiff", np.array([[0, 65535], [32768, 70000]], np.int32))
    _save(tmp_path / "b" / "1.png", np.zeros((2, 2, 3), np.uint8), "RGB")
    with Image.open(tmp_path / "a" / "1.tiff") as image:
        assert image.mode == "I"
    X, y = read_image_folder(tmp_path)
    np.testing.assert_array_equal(X[y == "a"][0, :, :, 0], [[0, 255], [128, 255]])


def test_floating_point_images_are_refused_naming_the_file(tmp_path):
    _save(tmp_path / "a" / "1.tiff", np.array([[0.0, 0.5], [1.0, 0.25]], np.float32))
    with pytest.raises(ValueError, match=r"1\.tiff.*floating-point"):
        read_image_folder(tmp_path)


def test_read_image_folder_needs_an_existing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder"):
        read_image_folder(tmp_path / "missing")


def test_read_image_folder_keeps_alpha_when_every_image_has_it(tmp_path):
    _save(tmp_path / "a" / "1.png", np.full((4, 4, 4), 7, np.uint8), "RGBA")
    _save(tmp_path / "b" / "1.png", np.full((4, 4, 4), 9, np.uint8), "RGBA")
    X, _ = read_image_folder(tmp_path)
    assert X.shape == (2, 4, 4, 4) and X[1, 0, 0, 3] == 9


# --------------------------------------------------------------------- npz
def test_npz_round_trip_with_string_labels(tmp_path):
    X = RNG.integers(0, 256, (4, 8, 8)).astype(np.uint8)
    y = np.array(["a", "b", "a", "b"], dtype=object)
    write_npz(tmp_path / "d.npz", X, y)
    X2, y2 = read_npz(tmp_path / "d.npz")
    np.testing.assert_array_equal(X2, X)
    assert y2.tolist() == y.tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == [LEDGER_NAME, "d.npz"]


def test_write_npz_never_clobbers_without_overwrite(tmp_path):
    write_npz(tmp_path / "d.npz", np.zeros((2, 4, 4)), [0, 1])
    with pytest.raises(FileExistsError):
        write_npz(tmp_path / "d.npz", np.ones((2, 4, 4)), [0, 1])
    write_npz(tmp_path / "d.npz", np.ones((2, 4, 4)), [0, 1], overwrite=True)
    assert read_npz(tmp_path / "d.npz")[0].max() == 1
    np.savez(tmp_path / "users.npz", X=np.zeros((2, 4, 4)), y=[0, 1])
    with pytest.raises(FileExistsError, match="not written by augan"):
        write_npz(tmp_path / "users.npz", np.ones((2, 4, 4)), [0, 1], overwrite=True)
    assert read_npz(tmp_path / "users.npz")[0].max() == 0


def test_read_npz_explains_missing_arrays_pickles_and_bad_files(tmp_path):
    np.savez(tmp_path / "wrong.npz", images=np.zeros((2, 4, 4)), labels=[0, 1])
    with pytest.raises(ValueError, match=r"named 'X'.*'y'.*\['images', 'labels'\]"):
        read_npz(tmp_path / "wrong.npz")
    np.savez(tmp_path / "obj.npz", X=np.zeros((2, 4, 4)), y=np.array([1, "a"], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        read_npz(tmp_path / "obj.npz")
    (tmp_path / "bad.npz").write_text("hello")
    with pytest.raises(ValueError, match="not a readable .npz"):
        read_npz(tmp_path / "bad.npz")
    np.savez(tmp_path / "len.npz", X=np.zeros((3, 4, 4)), y=[0, 1])
    with pytest.raises(ValueError, match="must match"):
        read_npz(tmp_path / "len.npz")


@pytest.mark.parametrize("shape", [(60, 5), (6,), (), (6, 5, 5, 5)])
def test_read_npz_refuses_an_x_that_is_not_images(tmp_path, shape):
    np.savez(tmp_path / "table.npz", X=np.zeros(shape), y=np.zeros(shape[:1] or 1))
    with pytest.raises(ValueError, match=rf"table\.npz.*{re.escape(str(shape))}.*\(n, H, W\).*CSV or Parquet"):
        read_npz(tmp_path / "table.npz")
