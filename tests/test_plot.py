import io

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image
from sklearn.exceptions import NotFittedError

from augan import CGAN
from augan.plot import MAX_GRID_IMAGES, MAX_GRID_ROWS, MAX_PER_CLASS, image_grid, sample_grid, save_sample_grid
from augan.storage import LEDGER_NAME

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend


@pytest.fixture(scope="module")
def image_gan():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (24, 3, 8, 8)).astype(np.uint8)
    y = np.array(["cat", "dog", "owl"] * 8)
    return CGAN(architecture="dcgan", loss="hinge", epochs=1, batch_size=12, noise_dim=8, random_state=0).fit(X, y)


def test_grid_has_one_labelled_row_per_class_and_leaks_no_pyplot_figure(image_gan):
    before = plt.get_fignums()
    figure = sample_grid(image_gan, per_class=4, random_state=1)
    assert isinstance(figure, Figure)
    assert plt.get_fignums() == before
    axes = np.array(figure.axes).reshape(3, 4)
    assert [axes[row, 0].get_ylabel() for row in range(3)] == ["cat", "dog", "owl"]
    assert axes[0, 0].get_images()[0].get_array().shape == (8, 8, 3)


def test_grid_reads_the_draw_on_the_model_s_pixel_scale(monkeypatch):
    # A model fitted on floats of the 0..255 scale whose draw is dark (every pixel at most 1): read on its own the
    # draw would be taken for floats in [0, 1] and shown near white.
    import augan.plot

    rng = np.random.default_rng(0)
    gan = CGAN(architecture="dcgan", epochs=1, batch_size=12, noise_dim=8, random_state=0).fit(
        rng.random((24, 8, 8)) * 255, np.array([0, 1] * 12))
    real_sample = CGAN.sample
    monkeypatch.setattr(CGAN, "sample", lambda self, *a, **k: (lambda X, y: (X / 255 * 0.9, y))(
        *real_sample(self, *a, **k)))
    shown = {}
    monkeypatch.setattr(augan.plot, "_grid", lambda pixels, *rest: shown.setdefault("pixels", pixels))
    sample_grid(gan, per_class=3, random_state=0)
    assert shown["pixels"].dtype == np.uint8 and shown["pixels"].max() <= 1


def test_grid_is_reproducible_with_a_seed(image_gan):
    first = sample_grid(image_gan, per_class=2, random_state=5).axes[3].get_images()[0].get_array()
    again = sample_grid(image_gan, per_class=2, random_state=5).axes[3].get_images()[0].get_array()
    np.testing.assert_array_equal(first, again)


def test_saved_grid_is_a_png_and_is_not_clobbered_without_overwrite(image_gan, tmp_path):
    path = save_sample_grid(image_gan, tmp_path / "grid.png", per_class=3)
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] > 50 and image.size[1] > 50
    with pytest.raises(FileExistsError):
        save_sample_grid(image_gan, path)
    save_sample_grid(image_gan, path, per_class=2, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [LEDGER_NAME, "grid.png"]
    users = tmp_path / "users.png"
    users.write_bytes(b"a picture of the user's")
    with pytest.raises(FileExistsError, match="not written by augan"):
        save_sample_grid(image_gan, users, overwrite=True)
    assert users.read_bytes() == b"a picture of the user's"


def test_grid_of_a_tabular_gan_is_refused(tiny):
    X = np.random.default_rng(0).normal(size=(40, 3))
    gan = CGAN(**tiny).fit(X, np.arange(40) % 2)
    with pytest.raises(ValueError, match="fitted on images"):
        sample_grid(gan)


def test_grid_needs_a_fitted_gan_and_a_positive_per_class(image_gan):
    with pytest.raises(NotFittedError):
        sample_grid(CGAN())
    with pytest.raises(ValueError, match="per_class"):
        sample_grid(image_gan, per_class=0)


def test_image_grid_draws_the_given_images_in_order_one_row_per_class():
    X = np.arange(5 * 4 * 4, dtype=np.uint8).reshape(5, 4, 4)
    y = np.array(["b", "a", "b", "a", "b"])
    figure = image_grid(X, y, per_class=2)
    axes = np.array(figure.axes).reshape(2, 2)
    assert [axes[row, 0].get_ylabel() for row in range(2)] == ["a", "b"]
    np.testing.assert_array_equal(axes[0, 0].get_images()[0].get_array(), X[1])
    np.testing.assert_array_equal(axes[1, 1].get_images()[0].get_array(), X[2])


def test_image_grid_leaves_the_cells_of_a_small_class_empty_and_stops_at_max_classes():
    X = np.zeros((6, 8, 8, 3), dtype=np.uint8)
    y = np.array([0, 1, 1, 1, 2, 2])
    axes = np.array(image_grid(X, y, per_class=3, max_classes=2).axes).reshape(2, 3)
    assert [len(ax.get_images()) for ax in axes[0]] == [1, 0, 0]
    assert [len(ax.get_images()) for ax in axes[1]] == [1, 1, 1]
    assert axes[0, 0].get_images()[0].get_array().shape == (8, 8, 3)


@pytest.mark.parametrize(("X", "y", "kwargs", "phrase"), [
    (np.zeros((4, 3)), [0, 1, 0, 1], {}, "X must be images"),
    (np.zeros((4, 8, 8)), [0, 1], {}, "y has 2 labels"),
    (np.zeros((4, 8, 8)), [0, 1, 0, 1], {"per_class": 0}, "per_class"),
    (np.zeros((4, 8, 8)), [0, 1, 0, 1], {"max_classes": 0}, "max_classes"),
])
def test_image_grid_refuses_what_it_cannot_draw(X, y, kwargs, phrase):
    with pytest.raises(ValueError, match=phrase):
        image_grid(X, y, **kwargs)


_ODD_LABELS = ["$x$", "a$b", "$_$", "\\frac{1}{2} \\", "ünï ✓ é"]


def test_grid_labels_are_drawn_literally_never_as_mathtext():
    X = np.zeros((5, 4, 4), dtype=np.uint8)
    figure = image_grid(X, np.array(_ODD_LABELS), per_class=1)
    figure.savefig(io.BytesIO(), format="png")  # "$_$" made mathtext raise ParseSyntaxException
    labels = [ax.yaxis.label for ax in figure.axes]
    assert sorted(text.get_text() for text in labels) == sorted(_ODD_LABELS)
    assert not any(text.get_parse_math() or text.get_usetex() for text in labels)


def _no_sampling(*args, **kwargs):
    raise AssertionError("the GAN was sampled before the grid's arguments were checked")


def test_grid_size_is_bounded_before_any_sampling(image_gan, monkeypatch, tmp_path):
    monkeypatch.setattr(image_gan, "sample", _no_sampling)
    for call in (lambda: sample_grid(image_gan, per_class=MAX_PER_CLASS + 1),
                 lambda: save_sample_grid(image_gan, tmp_path / "big.png", per_class=800)):
        with pytest.raises(ValueError, match=rf"per_class must be at most {MAX_PER_CLASS}, got (101|800)"):
            call()
    assert not (tmp_path / "big.png").exists()


def test_image_grid_bounds_per_class_and_the_number_of_images():
    X = np.zeros((202, 4, 4), dtype=np.uint8)
    with pytest.raises(ValueError, match=rf"per_class must be at most {MAX_PER_CLASS}"):
        image_grid(X, np.arange(202) % 2, per_class=101)
    many = np.arange(202) % 101  # 101 classes
    too_many = rf"101 rows of 10 images.*{MAX_GRID_IMAGES} images in all; lower per_class or max_classes"
    with pytest.raises(ValueError, match=too_many):
        image_grid(X, many, per_class=10)
    with pytest.raises(ValueError, match=rf"101 rows.*at most {MAX_GRID_ROWS} rows"):
        image_grid(X, many, per_class=1)
    assert len(image_grid(X, many, per_class=2, max_classes=3).axes) == 6


def test_save_sample_grid_checks_the_path_before_sampling(image_gan, monkeypatch, tmp_path):
    users = tmp_path / "users.png"
    users.write_bytes(b"a picture of the user's")
    monkeypatch.setattr(image_gan, "sample", _no_sampling)
    with pytest.raises(FileExistsError):
        save_sample_grid(image_gan, users)
    with pytest.raises(FileNotFoundError):
        save_sample_grid(image_gan, tmp_path / "missing" / "grid.png")


@pytest.mark.parametrize("name", ["g.pdf", "g.jpg", "g.svg", "g", "g.png.txt"])
def test_save_sample_grid_refuses_a_suffix_other_than_png_before_sampling(image_gan, monkeypatch, tmp_path, name):
    monkeypatch.setattr(image_gan, "sample", _no_sampling)
    with pytest.raises(ValueError, match=rf"{name}.*\.png"):
        save_sample_grid(image_gan, tmp_path / name)
    assert list(tmp_path.iterdir()) == []
