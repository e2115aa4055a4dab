import numpy as np
import pytest
from sklearn.base import clone

from augan import CGAN, GANOversampler
from augan.data.images import ImageCodec
from augan.nn.deform import Deformation


def _bars(n_vertical: int, n_horizontal: int, side: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images of a vertical bar (class 0) and of a horizontal bar (class 1), a little jittered."""
    rng = np.random.default_rng(0)
    images = np.zeros((n_vertical + n_horizontal, side, side), dtype=np.uint8)
    for i in range(len(images)):
        at = 4 + rng.integers(0, 3)
        if i < n_vertical:
            images[i, 2:10, at:at + 3] = 255
        else:
            images[i, at:at + 3, 2:10] = 255
    return images.reshape(len(images), -1), np.r_[np.zeros(n_vertical, int), np.ones(n_horizontal, int)]


def test_deformed_images_are_real_images_of_their_class_bent_and_moved(tiny):
    X, y = _bars(30, 6)
    sampler = GANOversampler(gan=CGAN(**tiny), image_shape=(12, 12), smote_share=1, interpolation="deform",
                             random_state=0)
    Xr, yr = sampler.fit_resample(X, y)
    assert Xr.shape == (60, 144) and Xr.dtype == np.uint8 and np.bincount(yr).tolist() == [30, 30]
    new = Xr[36:].astype(float)
    assert (yr[36:] == 1).all()
    # Each new image is nearer the class's own images than the other class's, and none is a copy of one.
    own, other = X[y == 1].astype(float), X[y == 0].astype(float)
    distance = lambda a, b: np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)).min(1)  # noqa: E731
    assert (distance(new, own) < distance(new, other)).all()
    assert distance(new, own).min() > 0
    assert len(np.unique(new, axis=0)) == len(new)
    again, _ = GANOversampler(gan=CGAN(**tiny), image_shape=(12, 12), smote_share=1, interpolation="deform",
                              random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(Xr, again)


def test_half_deformed_half_drawn_by_the_gan(tiny):
    X, y = _bars(30, 10)
    Xr, yr = GANOversampler(gan=CGAN(**tiny), image_shape=(12, 12), interpolation="deform",
                            random_state=0).fit_resample(X, y)
    assert np.bincount(yr).tolist() == [30, 30] and Xr.shape == (60, 144)


@pytest.mark.parametrize("image_shape, made_as", [((12, 12), "deform"), (None, "proximity")])
def test_auto_deforms_images_and_interpolates_tables(tiny, image_shape, made_as):
    X, y = _bars(30, 6)
    X = X.astype(np.float32)
    make = lambda interpolation: GANOversampler(  # noqa: E731
        gan=CGAN(**tiny), image_shape=image_shape, smote_share=1, interpolation=interpolation, random_state=0
    ).fit_resample(X, y)[0]
    np.testing.assert_array_equal(make("auto"), make(made_as))
    other = "encoded" if made_as == "deform" else "deform"
    if image_shape is not None:
        assert not np.array_equal(make("auto"), make(other))


def test_deform_on_a_table_is_refused_before_training(tiny, monkeypatch):
    fits = []
    monkeypatch.setattr(CGAN, "fit", lambda self, X, y: fits.append(1))
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.r_[np.zeros(30, int), np.ones(10, int)]
    with pytest.raises(ValueError, match="interpolation='deform' deforms images: it needs image_shape"):
        GANOversampler(gan=CGAN(**tiny), interpolation="deform").fit_resample(X, y)
    assert fits == []


def test_the_codec_says_where_the_images_lie_in_their_padding():
    assert ImageCodec().fit(np.zeros((2, 8, 8), dtype=np.uint8)).content_box() == (10, 10, 8, 8)
    assert ImageCodec().fit(np.zeros((2, 30, 26, 3), dtype=np.uint8)).content_box() == (1, 3, 30, 26)
    assert ImageCodec().fit(np.zeros((2, 28, 28), dtype=np.uint8)).content_box() == (0, 0, 28, 28)


def test_no_deformation_gives_copies_of_real_images_of_the_class(tiny):
    # The images are deformed inside their padding, in the encoded space; with nothing to deform they come back
    # exactly, so the padding and the scale of the pixels are undone as they were done.
    X, y = _bars(30, 6, side=10)
    still = Deformation(rotation=0, scale=0, shear=0, shift=0, elastic=0)
    sampler = GANOversampler(gan=CGAN(**tiny), image_shape=(10, 10), smote_share=1, interpolation="deform",
                             deformation=still, random_state=0)
    Xr, yr = sampler.fit_resample(X, y)
    real = {row.tobytes() for row in X[y == 1]}
    assert all(row.tobytes() in real for row in Xr[36:]) and (yr[36:] == 1).all()
    assert clone(sampler).get_params()["deformation"] == still


def test_a_deformation_that_is_not_one_is_refused_before_training(tiny):
    X, y = _bars(30, 6)
    with pytest.raises((TypeError, ValueError), match="'deformation' parameter"):
        GANOversampler(gan=CGAN(**tiny), image_shape=(12, 12), deformation={"rotation": 0.1}).fit_resample(X, y)


def test_colour_images_of_any_shape_are_deformed_in_their_own_layout(tiny):
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, (30, 10 * 12 * 3)).astype(np.uint8)
    y = np.r_[np.zeros(24, int), np.ones(6, int)]
    still = Deformation(rotation=0, scale=0, shear=0, shift=0, elastic=0)
    make = lambda deformation: GANOversampler(  # noqa: E731
        gan=CGAN(**tiny), image_shape=(10, 12, 3), smote_share=1, deformation=deformation, random_state=0
    ).fit_resample(X, y)[0][30:]
    copies, bent = make(still), make(None)
    real = {row.tobytes() for row in X[y == 1]}
    assert copies.shape == (18, 360) and all(row.tobytes() in real for row in copies)
    assert not any(row.tobytes() in real for row in bent)
    # The same deformation moves every channel of a pixel together: a grey image stays grey.
    grey = np.repeat(rng.integers(0, 256, (30, 10 * 12, 1)), 3, axis=2).reshape(30, -1).astype(np.uint8)
    out = GANOversampler(gan=CGAN(**tiny), image_shape=(10, 12, 3), smote_share=1,
                         random_state=0).fit_resample(grey, y)[0][30:].reshape(-1, 10, 12, 3)
    assert np.array_equal(out[..., 0], out[..., 1]) and np.array_equal(out[..., 0], out[..., 2])


def test_images_on_white_with_alpha_get_no_black_or_transparent_borders(tiny):
    # Objects on a white, opaque background (RGBA): the deformed new images keep that background at their edges.
    rng = np.random.default_rng(2)
    X = np.full((26, 12, 12, 4), 255, dtype=np.uint8)
    for image in X:
        at = rng.integers(3, 6)
        image[at:at + 4, at:at + 4, :3] = rng.integers(0, 120, 3)
    y = np.r_[np.zeros(20, int), np.ones(6, int)]
    new = GANOversampler(gan=CGAN(**tiny), image_shape=(12, 12, 4), smote_share=1,
                         random_state=0).fit_resample(X.reshape(26, -1), y)[0][26:].reshape(-1, 12, 12, 4)
    assert len(new) == 14
    assert new[..., 3].min() == 255
    edge = np.ones((12, 12), dtype=bool)
    edge[2:-2, 2:-2] = False
    assert new[:, edge, :3].min() >= 250
