"""Images through the whole library: files -> CGAN / GANOversampler -> samples -> files."""

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits
from torch import nn

from augan import CGAN, GANOversampler
from augan.data.images import read_image_folder, read_npz, write_image_folder, write_npz
from augan.losses import LOSSES

IMAGE_TINY = dict(epochs=1, batch_size=32, noise_dim=8, generator_dims=(16, 16), discriminator_dims=(16, 16),
                  random_state=0)


@pytest.fixture(scope="module")
def digits():
    """120 sklearn digits of classes 0-2: 8x8 float64 images in 0..16."""
    data = load_digits(n_class=3)
    return data.images[:120], data.target[:120]


@pytest.mark.parametrize("architecture", ["dcgan", "mlp"])
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_architecture_and_loss_trains_on_digits_and_samples_their_layout(digits, architecture, loss):
    X, y = digits
    gan = CGAN(architecture=architecture, loss=loss, **IMAGE_TINY).fit(X, y)
    assert gan.codec_.sample_shape_ == (1, 28, 28)
    assert len(gan.history_) == 1 and np.isfinite(gan.history_[0]["d_loss"])
    images, labels = gan.sample(6, y=[0, 1, 2, 0, 1, 2], return_y=True)
    assert images.shape == (6, 8, 8) and images.dtype == np.float64
    assert images.min() >= 0 and images.max() <= 255
    assert labels.tolist() == [0, 1, 2, 0, 1, 2]


@pytest.mark.parametrize("architecture", ["dcgan", "mlp"])
def test_new_images_stay_within_the_pixel_range_of_the_training_images(digits, architecture):
    X, y = digits  # 0..16, which the pixel scale reads as 0..255
    gan = CGAN(architecture=architecture, **IMAGE_TINY).fit(X, y)
    assert gan.sample(200, y=1, random_state=0).max() <= 16.0
    keep = np.r_[np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:8]]
    sampler = GANOversampler(gan=CGAN(architecture=architecture, **IMAGE_TINY), image_shape=(8, 8), random_state=0)
    X_res, _ = sampler.fit_resample(X.reshape(len(X), -1)[keep], y[keep])
    assert X_res[len(keep):].min() >= 0 and X_res[len(keep):].max() <= 16.0


def test_images_on_another_pixel_scale_than_fit_are_refused_after_fit(digits):
    X, y = digits
    gan = CGAN(architecture="dcgan", **IMAGE_TINY).fit(np.rint(X * 255 / 16).astype(np.uint8), y)
    unit = X / 16.0
    for call in (lambda: gan.encode(unit), lambda: gan.discriminator_scores(unit, y)):
        with pytest.raises(ValueError, match=r"X holds floats in \[0, 1\], but the GAN was fitted on uint8 images"):
            call()
    assert gan.encode(np.rint(X * 255 / 16).astype(np.uint8)).shape == (len(X), 28 * 28)


def test_classic_mlp_generator_makes_784_pixels_for_28x28_digits():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (40, 28, 28)).astype(np.uint8)
    gan = CGAN(architecture="mlp", generator_block="plain", generator_dims=(128, 256, 512, 1024),
               discriminator_dims=(16,), epochs=2, batch_size=20, noise_dim=8, random_state=0).fit(X, np.arange(40) % 2)
    linears = [m for m in gan.generator_.modules() if isinstance(m, nn.Linear)]
    assert [m.out_features for m in linears] == [128, 256, 512, 1024, 784]
    assert sum(isinstance(m, nn.BatchNorm1d) for m in gan.generator_.modules()) == 4
    images = gan.sample(3, y=1)
    assert images.shape == (3, 28, 28) and images.dtype == np.uint8


def test_dcgan_on_channels_first_colour_floats_with_diffaugment_and_pac():
    X = np.random.default_rng(0).random((16, 3, 32, 32)).astype(np.float32)
    gan = CGAN(architecture="dcgan", loss="wgan-gp", diffaugment="color,translation,cutout", pac=2,
               **{**IMAGE_TINY, "batch_size": 8}).fit(X, np.arange(16) % 2)
    images = gan.sample(4, y=0)
    assert images.shape == (4, 3, 32, 32) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    assert gan.discriminator_scores(X[:4], np.arange(4) % 2).shape == (4,)


def test_saved_image_gan_loads_and_samples_the_same_images(digits, tmp_path):
    X, y = digits
    gan = CGAN(architecture="dcgan", loss="hinge", **IMAGE_TINY).fit(X, y)
    gan.save(tmp_path / "model.pt")
    again = CGAN.load(tmp_path / "model.pt", device="cpu")
    np.testing.assert_array_equal(again.sample(5, y=2), gan.sample(5, y=2))


def test_oversampler_on_flat_pixel_rows_returns_flat_rows(digits):
    X, y = digits
    flat = X.reshape(len(X), -1)
    keep = np.r_[np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:8]]
    sampler = GANOversampler(gan=CGAN(architecture="dcgan", loss="hinge", **IMAGE_TINY), image_shape=(8, 8))
    X_res, y_res = sampler.fit_resample(flat[keep], y[keep])
    counts = np.bincount(y_res)
    assert counts[2] == counts.max() and X_res.shape == (len(y_res), 64)
    assert X_res.dtype == flat.dtype
    np.testing.assert_array_equal(X_res[:len(keep)], flat[keep])


def test_oversampler_on_a_dataframe_of_pixel_columns_returns_a_dataframe(digits):
    import pandas as pd

    X, y = digits  # as read from a CSV of pixel columns
    frame = pd.DataFrame(np.rint(X.reshape(len(X), -1)).astype(np.uint8), columns=[f"px{i}" for i in range(64)])
    keep = np.r_[np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:8]]
    sampler = GANOversampler(gan=CGAN(architecture="mlp", **IMAGE_TINY), image_shape=(8, 8), random_state=0)
    X_res, y_res = sampler.fit_resample(frame.iloc[keep], y[keep])
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == list(frame.columns)
    assert (X_res.dtypes == np.uint8).all() and len(X_res) == len(y_res) and np.bincount(y_res)[2] == 40
    pd.testing.assert_frame_equal(X_res.iloc[:len(keep)], frame.iloc[keep].reset_index(drop=True))


def test_oversampler_refuses_an_image_shape_that_does_not_match_the_rows(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"image_shape=\(28, 28\) means 784 pixels per row"):
        GANOversampler(gan=CGAN(**IMAGE_TINY), image_shape=(28, 28)).fit_resample(X.reshape(len(X), -1), y)


def test_folder_in_gan_then_folder_and_npz_out(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (12, 10, 10, 3)).astype(np.uint8)
    write_image_folder(tmp_path / "real", X, ["bird", "fish", "frog"] * 4)
    images, labels = read_image_folder(tmp_path / "real")
    gan = CGAN(architecture="dcgan", loss="nonsaturating", **{**IMAGE_TINY, "batch_size": 6}).fit(images, labels)
    synthetic, synthetic_labels = gan.sample(y={"frog": 3, "bird": 2}, return_y=True)
    write_image_folder(tmp_path / "synthetic", synthetic, synthetic_labels)
    assert synthetic_labels.tolist() == ["frog"] * 3 + ["bird"] * 2
    assert sorted(p.name for p in (tmp_path / "synthetic" / "bird").iterdir()) == ["000003.png", "000004.png"]
    with Image.open(tmp_path / "synthetic" / "frog" / "000002.png") as image:
        assert image.mode == "RGB" and image.size == (10, 10)
    write_npz(tmp_path / "synthetic.npz", synthetic, synthetic_labels)
    X2, y2 = read_npz(tmp_path / "synthetic.npz")
    np.testing.assert_array_equal(X2, synthetic)
    assert y2.tolist() == synthetic_labels.tolist()


def test_a_class_with_one_image_is_refused_by_the_estimator(tmp_path):
    for name, count in (("cat", 3), ("dog", 1)):
        for i in range(count):
            (tmp_path / name).mkdir(exist_ok=True)
            Image.fromarray(np.full((8, 8), i * 40, np.uint8)).save(tmp_path / name / f"{i}.png")
    X, y = read_image_folder(tmp_path)
    with pytest.raises(ValueError, match=r"at least 2 rows.*'dog' \(1 row\)"):
        CGAN(architecture="dcgan", **IMAGE_TINY).fit(X, y)


def test_dcgan_refuses_images_larger_than_64_px_and_says_how_to_resize():
    X = np.zeros((4, 200, 200), np.uint8)
    with pytest.raises(ValueError, match=r"28, 32 or 64 px.*\(1, 200, 200\).*size=64.*architecture='mlp'"):
        CGAN(architecture="dcgan", **IMAGE_TINY).fit(X, [0, 1, 0, 1])
