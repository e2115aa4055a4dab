import numpy as np
import pytest
from sklearn.datasets import make_classification

from augan import CGAN, GANOversampler

ENCODER = {"encoder": True, "pretrain_steps": 10, "encoder_steps": 10}


@pytest.fixture
def binary():
    X, y = make_classification(120, 4, n_informative=3, n_redundant=0, weights=[0.8], random_state=0)
    return X.astype(np.float32), y


class _Spy:
    """Records the latent points a fitted GAN is asked to decode."""

    def __init__(self, monkeypatch):
        self.points, self.labels = [], []
        original = CGAN.from_latent

        def from_latent(gan, Z, y, **kwargs):
            self.points.append(np.asarray(Z))
            self.labels.append(np.asarray(y))
            return original(gan, Z, y, **kwargs)
        monkeypatch.setattr(CGAN, "from_latent", from_latent)


@pytest.mark.parametrize("interpolation", ["latent", "auto"])
def test_latent_interpolation_decodes_points_between_the_class_codes(binary, tiny, monkeypatch, interpolation):
    X, y = binary
    spy = _Spy(monkeypatch)
    sampler = GANOversampler(gan=CGAN(**tiny, **ENCODER), smote_share=1, interpolation=interpolation,
                             selection=None, random_state=0)
    Xr, yr = sampler.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [np.sum(y == 0)] * 2
    assert len(spy.points) == 1 and (spy.labels[0] == 1).all()
    codes = sampler.gan_.to_latent(X[y == 1], y[y == 1])
    Z = spy.points[0]
    assert Z.shape == (np.sum(y == 0) - np.sum(y == 1), tiny["noise_dim"])
    assert (Z >= codes.min(axis=0) - 1e-5).all() and (Z <= codes.max(axis=0) + 1e-5).all()
    assert len(np.unique(Z.round(5), axis=0)) > len(codes)  # new points, not the codes themselves


def test_encoded_interpolation_ignores_the_encoder(binary, tiny, monkeypatch):
    spy = _Spy(monkeypatch)
    GANOversampler(gan=CGAN(**tiny, **ENCODER), smote_share=1, interpolation="encoded",
                   random_state=0).fit_resample(*binary)
    assert spy.points == []


def test_auto_interpolates_in_the_encoded_space_without_an_encoder(binary, tiny, monkeypatch):
    monkeypatch.setattr(CGAN, "to_latent", lambda *a, **k: pytest.fail("to_latent called"))
    _, yr = GANOversampler(gan=CGAN(**tiny), smote_share=1, random_state=0).fit_resample(*binary)
    assert np.bincount(yr)[0] == np.bincount(yr)[1]


@pytest.mark.parametrize("encoder", [False, "auto"])  # "auto" trains an encoder for images only
def test_latent_interpolation_without_an_encoder_says_how_to_get_one_before_training(binary, tiny, monkeypatch,
                                                                                      encoder):
    monkeypatch.setattr(CGAN, "fit", lambda *a, **k: pytest.fail("the GAN was trained before the refusal"))
    with pytest.raises(ValueError, match="interpolation='latent' needs a GAN fitted with an encoder"):
        GANOversampler(gan=CGAN(**tiny, encoder=encoder), interpolation="latent",
                       random_state=0).fit_resample(*binary)


def test_unknown_interpolation_is_refused_naming_it(binary, tiny):
    with pytest.raises(ValueError, match="'interpolation' parameter"):
        GANOversampler(gan=CGAN(**tiny), interpolation="pixels").fit_resample(*binary)


def test_latent_interpolation_on_flattened_images_keeps_their_layout(tiny):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (50, 28 * 28)).astype(np.float32)
    y = np.r_[np.zeros(38, int), np.ones(12, int)]
    gan = CGAN(architecture="dcgan", **{**tiny, "epochs": 1}, encoder="auto", pretrain_steps=2, encoder_steps=2)
    Xr, yr = GANOversampler(gan=gan, image_shape=(28, 28), random_state=0).fit_resample(X, y)
    assert Xr.shape == (76, 784) and np.bincount(yr).tolist() == [38, 38]
    assert Xr[50:].min() >= 0 and Xr[50:].max() <= 255


def test_a_one_row_class_is_copied_while_the_others_are_interpolated_in_latent_space(tiny):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(61, 3)).astype(np.float32)
    y = np.r_[np.zeros(40, int), np.ones(20, int), [2]]
    with pytest.warns(UserWarning, match="single row"):
        Xr, yr = GANOversampler(gan=CGAN(**tiny, **ENCODER), smote_share=1, random_state=0).fit_resample(X, y)
    assert np.bincount(yr).tolist() == [40, 40, 40]
    np.testing.assert_array_equal(Xr[yr == 2], np.repeat(X[-1:], 40, axis=0))
