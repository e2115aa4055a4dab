import numpy as np
import pytest
import torch

from augan import CGAN, latent
from augan.nn.encoder import ConvEncoder, MLPEncoder
from augan.nn.mlp import MLPGenerator


@pytest.fixture
def clusters():
    """Two classes of 3-column rows around different centres."""
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-2, 0.5, (60, 3)), rng.normal(2, 0.5, (30, 3))]).astype(np.float32)
    return X, np.repeat([0, 1], [60, 30])


@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 28, 28), dtype=np.uint8), np.repeat([0, 1], [28, 12])


def _encoder_params(**extra):
    return {"encoder": True, "pretrain_steps": 20, "encoder_steps": 20, **extra}


def test_encoders_map_samples_and_labels_to_the_noise_size():
    x, y = torch.randn(6, 1, 28, 28), torch.tensor([0, 1, 2, 0, 1, 2])
    assert ConvEncoder((1, 28, 28), 3, 16)(x, y).shape == (6, 16)
    assert ConvEncoder((3, 32, 32), 3, 5)(torch.randn(6, 3, 32, 32), y).shape == (6, 5)
    assert MLPEncoder((1, 28, 28), 3, 7, hidden=(12,))(x, y).shape == (6, 7)


def test_encoder_output_depends_on_the_label():
    encoder = MLPEncoder((4,), 2, 3, hidden=(8,)).eval()
    x = torch.randn(5, 4)
    assert not torch.allclose(encoder(x, torch.zeros(5, dtype=torch.long)), encoder(x, torch.ones(5, dtype=torch.long)))


def test_conv_encoder_refuses_unsupported_image_sizes():
    with pytest.raises(ValueError, match="28, 32 or 64"):
        ConvEncoder((1, 30, 30), 2, 8)


def _autoencoder(seed=0):
    torch.manual_seed(seed)
    return MLPEncoder((3,), 2, 4, hidden=(32,)), MLPGenerator(4, 2, (3,), hidden=(32,))


def test_pretraining_lowers_the_reconstruction_loss(clusters):
    X, y = clusters
    encoder, generator = _autoencoder()
    data, labels = torch.as_tensor(X / 4), torch.as_tensor(y)
    before = [p.detach().clone() for p in generator.parameters()]
    losses = latent.pretrain_autoencoder(encoder, generator, data, labels, steps=300, batch_size=32)
    assert len(losses) == 300
    assert all(not torch.equal(old, new) for old, new in zip(before, generator.parameters()))
    assert np.mean(losses[-20:]) < 0.5 * np.mean(losses[:20])
    assert not encoder.training


def test_fit_encoder_leaves_the_generator_as_it_was(clusters):
    X, y = clusters
    encoder, generator = _autoencoder()
    generator.train()
    before = {k: v.clone() for k, v in generator.state_dict().items()}
    losses = latent.fit_encoder(encoder, generator, torch.as_tensor(X / 4), torch.as_tensor(y), steps=200,
                                batch_size=32)
    assert np.mean(losses[-20:]) < np.mean(losses[:20])
    for key, value in generator.state_dict().items():
        torch.testing.assert_close(value, before[key])
    assert generator.training and all(p.requires_grad for p in generator.parameters())


def test_prior_gap_is_zero_for_standard_codes_and_grows_away_from_them():
    z = torch.randn(20000, 4, generator=torch.Generator().manual_seed(0))
    assert latent.prior_gap(z) < 0.01
    assert latent.prior_gap(3 * z + 1) > 10


def test_to_latent_and_back_reconstructs_rows_better_than_random_noise(clusters, tiny):
    X, y = clusters
    gan = CGAN(random_state=0, **{**tiny, "epochs": 5}, **_encoder_params(encoder_steps=400)).fit(X, y)
    Z = gan.to_latent(X, y)
    assert Z.shape == (len(X), tiny["noise_dim"]) and Z.dtype == np.float32
    rebuilt = gan.from_latent(Z, y)
    assert isinstance(rebuilt, np.ndarray) and rebuilt.shape == X.shape
    drawn = gan.from_latent(np.random.default_rng(1).normal(size=Z.shape), y)
    assert np.abs(rebuilt - X).mean() < np.abs(drawn - X).mean()
    assert not gan.encoder_.training


def test_from_latent_decodes_into_the_fitted_container(mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, **tiny, **_encoder_params()).fit(frame, y)
    out = gan.from_latent(gan.to_latent(frame.iloc[:5], y[:5]), y[:5])
    assert list(out.columns) == list(frame.columns) and len(out) == 5


def test_images_get_an_encoder_by_default_on_auto_and_tables_do_not(digits, clusters, tiny):
    images, labels = digits
    gan = CGAN(architecture="dcgan", random_state=0, **{**tiny, "epochs": 1}, encoder="auto", pretrain_steps=2,
               encoder_steps=2).fit(images, labels)
    assert isinstance(gan.encoder_, ConvEncoder)
    assert gan.from_latent(gan.to_latent(images[:3], labels[:3]), labels[:3]).shape == (3, 28, 28)
    table = CGAN(random_state=0, **tiny, encoder="auto").fit(*clusters)
    assert table.encoder_ is None


def test_without_an_encoder_the_latent_methods_say_how_to_get_one(clusters, tiny):
    X, y = clusters
    gan = CGAN(random_state=0, **tiny).fit(X, y)
    assert gan.encoder_ is None
    with pytest.raises(ValueError, match="encoder=True"):
        gan.to_latent(X, y)
    with pytest.raises(ValueError, match="encoder=True"):
        gan.from_latent(np.zeros((2, tiny["noise_dim"])), [0, 1])


def test_pretrain_steps_zero_starts_the_gan_from_random_weights(clusters, tiny, monkeypatch):
    calls = []
    monkeypatch.setattr(latent, "pretrain_autoencoder", lambda *a, **k: calls.append(k["steps"]))
    CGAN(random_state=0, **tiny, **_encoder_params(pretrain_steps=0)).fit(*clusters)
    assert calls == []
    CGAN(random_state=0, **tiny, **_encoder_params(pretrain_steps=7)).fit(*clusters)
    assert calls == [7]


def test_pretraining_changes_the_generator_the_gan_starts_from(clusters, tiny):
    X, y = clusters
    params = dict(random_state=0, **{**tiny, "epochs": 1}, ema_decay=None)
    plain = CGAN(**params, **_encoder_params(pretrain_steps=0)).fit(X, y)
    pretrained = CGAN(**params, **_encoder_params(pretrain_steps=50)).fit(X, y)
    z = np.zeros((4, tiny["noise_dim"]))
    assert not np.allclose(plain.from_latent(z, [0, 0, 1, 1]), pretrained.from_latent(z, [0, 0, 1, 1]))


def test_from_latent_refuses_points_of_the_wrong_shape_or_not_finite(clusters, tiny):
    gan = CGAN(random_state=0, **tiny, **_encoder_params()).fit(*clusters)
    with pytest.raises(ValueError, match="noise_dim=8"):
        gan.from_latent(np.zeros((2, 3)), [0, 1])
    with pytest.raises(ValueError, match="finite"):
        gan.from_latent(np.full((2, 8), np.nan), [0, 1])
    with pytest.raises(ValueError):
        gan.from_latent(np.zeros((2, 8)), [0, 7])


@pytest.mark.parametrize("params, name", [
    ({"encoder": "yes"}, "encoder"),
    ({"pretrain_steps": -1}, "pretrain_steps"),
    ({"encoder_steps": 0}, "encoder_steps"),
    ({"encoder_steps": 2.5}, "encoder_steps"),
])
def test_bad_encoder_settings_are_refused_naming_them(clusters, tiny, params, name):
    with pytest.raises(ValueError, match=name):
        CGAN(**tiny, **params).fit(*clusters)


def test_an_encoder_cannot_be_trained_across_processes(clusters, tiny):
    with pytest.raises(ValueError, match="encoder=True cannot be trained with strategy='ddp'"):
        CGAN(**tiny, encoder=True, strategy="ddp").fit(*clusters)


def test_saved_model_keeps_its_encoder(clusters, tiny, tmp_path):
    X, y = clusters
    gan = CGAN(random_state=0, **tiny, **_encoder_params()).fit(X, y)
    gan.save(tmp_path / "model.augan")
    loaded = CGAN.load(tmp_path / "model.augan")
    np.testing.assert_allclose(loaded.to_latent(X, y), gan.to_latent(X, y), rtol=1e-5, atol=1e-6)
    assert not loaded.encoder_.training
    plain = CGAN(random_state=0, **tiny).fit(X, y)
    plain.save(tmp_path / "plain.augan")
    assert CGAN.load(tmp_path / "plain.augan").encoder_ is None


def test_a_model_file_whose_encoder_disagrees_with_its_parameters_is_refused(clusters, tiny, tmp_path):
    from augan import storage as io

    X, y = clusters
    gan = CGAN(random_state=0, **tiny, **_encoder_params()).fit(X, y)
    gan.save(tmp_path / "model.augan")
    content = io.load_model(tmp_path / "model.augan")
    missing = {k: v for k, v in content.items() if k not in ("encoder", "format", "version")}
    io.save_model(tmp_path / "missing.augan", missing)
    with pytest.raises(ValueError, match="encoder weights"):
        CGAN.load(tmp_path / "missing.augan")
    extra = {k: v for k, v in content.items() if k not in ("format", "version")}
    extra["params"] = {**extra["params"], "encoder": False}
    io.save_model(tmp_path / "extra.augan", extra)
    with pytest.raises(ValueError, match="parameters build no encoder"):
        CGAN.load(tmp_path / "extra.augan")
