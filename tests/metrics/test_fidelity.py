import numpy as np
import pandas as pd
import pytest
import torch
import torch_fidelity.feature_extractor_inceptionv3 as inception_module
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from augan.metrics import fidelity
from augan.metrics.fidelity import (IMAGE_EXTRACTOR, TABLE_EXTRACTOR, ImageFeatureExtractor, TableFeatureExtractor,
                                    fidelity_scores)


def _table(n=300, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.3, "rare", "common")
    frame = pd.DataFrame({
        "a": rng.normal(size=n) + 2.0 * (y == "rare") + shift,
        "b": rng.gamma(2.0, size=n) * (1 + shift),
        "colour": rng.choice(["red", "green", "blue"], n),
    })
    return frame, y


def _digits(n=200):
    from sklearn.datasets import load_digits

    digits = load_digits()
    keep = np.isin(digits.target, [0, 1])
    return (digits.images[keep][:n] / 16.0).astype(np.float32), digits.target[keep][:n]


def test_augan_extractors_are_registered_in_torch_fidelity():
    assert FEATURE_EXTRACTORS_REGISTRY[TABLE_EXTRACTOR] is TableFeatureExtractor
    assert FEATURE_EXTRACTORS_REGISTRY[IMAGE_EXTRACTOR] is ImageFeatureExtractor


def test_identical_tables_have_fid_near_zero_and_full_precision_recall():
    X, y = _table()
    result = fidelity_scores(X, y, X, y, random_state=0, device="cpu")
    assert result.extractor == TABLE_EXTRACTOR
    for entry in [result.overall, *result.per_class.values()]:
        assert abs(entry.fid) < 1e-6
        assert entry.precision == entry.recall == 1.0
    assert result.overall.n_real == result.overall.n_synthetic == 300


def test_shifted_table_has_large_fid_and_kid():
    X, y = _table(seed=0)
    same, y_same = _table(seed=1)
    shifted, y_shifted = _table(shift=3.0, seed=1)
    fresh = fidelity_scores(X, y, same, y_same, random_state=0, device="cpu").overall
    far = fidelity_scores(X, y, shifted, y_shifted, random_state=0, device="cpu").overall
    assert far.fid > 10 * max(fresh.fid, 0.1)
    assert far.kid_mean > 10 * max(fresh.kid_mean, 1e-3)
    assert far.precision < fresh.precision


def test_images_use_the_cnn_extractor_identical_near_zero_noise_far():
    X, y = _digits()
    same = fidelity_scores(X, y, X, y, per_class=False, random_state=0, device="cpu")
    noise = np.random.default_rng(0).random(X.shape).astype(np.float32)
    far = fidelity_scores(X, y, noise, y, per_class=False, random_state=0, device="cpu")
    assert same.extractor == IMAGE_EXTRACTOR
    assert abs(same.overall.fid) < 1e-6
    assert far.overall.fid > 1.0
    assert far.overall.precision < 0.5


def test_kid_subset_size_shrinks_to_a_small_class():
    X, y = _table(n=200)
    y = y.copy()
    y[:] = "common"
    y[:6] = "rare"
    result = fidelity_scores(X, y, X, y, random_state=0, device="cpu")
    rare = result.per_class["rare"]
    assert rare.kid_subset_size == 6
    assert rare.n_real == rare.n_synthetic == 6
    assert np.isfinite(rare.kid_mean) and np.isfinite(rare.fid)
    # Every subset of 6 of 6 rows is the whole class: no spread to report (audit 10: "± 1e-7" read as precision).
    assert rare.kid_std is None
    half = fidelity_scores(X, y, X.iloc[:100], y[:100], random_state=0, device="cpu").per_class["common"]
    assert half.kid_subset_size == 94 and half.n_real == 194 and np.isfinite(half.kid_std)


def test_class_with_a_single_synthetic_row_gets_no_values_and_says_why():
    X, y = _table(n=120)
    keep = np.r_[np.flatnonzero(y == "common"), np.flatnonzero(y == "rare")[:1]]
    result = fidelity_scores(X, y, X.iloc[keep], y[keep], random_state=0, device="cpu")
    assert result.per_class["rare"].fid is None
    assert "at least 2" in result.per_class["rare"].note
    assert np.isfinite(result.per_class["common"].fid) and result.per_class["common"].fid >= 0


@pytest.mark.parametrize(("computed", "reported"), [(-9.37e-14, 0.0), (-0.5, -0.5), (3.2, 3.2)])
def test_a_fid_a_rounding_error_below_zero_is_zero_and_nothing_else_is_changed(monkeypatch, computed, reported):
    original = fidelity.torch_fidelity.calculate_metrics
    monkeypatch.setattr(fidelity.torch_fidelity, "calculate_metrics",
                        lambda **kwargs: {**original(**kwargs), fidelity.torch_fidelity.KEY_METRIC_FID: computed})
    X, y = _table(n=60)
    assert fidelity_scores(X, y, X, y, per_class=False, random_state=0, device="cpu").overall.fid == reported


def _spy_on_calculate_metrics(monkeypatch) -> dict:
    """The keyword arguments of torch-fidelity's next calculate_metrics call, which still runs."""
    seen = {}
    original = fidelity.torch_fidelity.calculate_metrics

    def spy(**kwargs):
        seen.update(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(fidelity.torch_fidelity, "calculate_metrics", spy)
    return seen


def test_torch_fidelity_disk_cache_is_off(monkeypatch):
    seen = _spy_on_calculate_metrics(monkeypatch)
    X, y = _table(n=60)
    fidelity_scores(X, y, X, y, per_class=False, random_state=0, device="cpu")
    assert seen["cache"] is False
    assert seen["feature_extractor"] == TABLE_EXTRACTOR


@pytest.mark.slow  # an Inception-v3 forward pass
def test_weights_path_selects_inception_on_three_channel_uint8(tmp_path, monkeypatch):
    # A randomly initialised Inception-v3 stands in for the real weights (which would be downloaded); a smaller
    # resize keeps the forward pass quick. What is tested is the path through torch-fidelity.
    monkeypatch.setattr(inception_module, "load_state_dict_from_url", lambda *a, **k: None)
    monkeypatch.setattr(inception_module.FeatureExtractorInceptionV3, "load_state_dict", lambda self, state: None)
    network = inception_module.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    monkeypatch.undo()
    weights = tmp_path / "inception.pth"
    torch.save(network.state_dict(), weights)
    monkeypatch.setattr(inception_module.FeatureExtractorInceptionV3, "INPUT_IMAGE_SIZE", 75)
    images = np.random.default_rng(0).integers(0, 256, (8, 8, 8), dtype=np.uint8)
    labels = np.array([0, 1] * 4)
    seen = _spy_on_calculate_metrics(monkeypatch)
    result = fidelity_scores(images, labels, images, labels, weights_path=str(weights), per_class=False)
    # torch-fidelity loads its file with weights_only=False: it gets augan's copy of the checked tensors.
    assert seen["feature_extractor_weights_path"] != str(weights)
    assert result.extractor == "inception-v3-compat"
    assert result.feature_layer == "2048"
    assert abs(result.overall.fid) < 1e-6


def test_weights_path_is_refused_for_tables_and_when_missing(tmp_path):
    X, y = _table(n=40)
    with pytest.raises(ValueError, match="weights_path"):
        fidelity_scores(X, y, X, y, weights_path=str(tmp_path / "w.pth"))
    images, labels = _digits(20)
    with pytest.raises(FileNotFoundError, match="weights_path"):
        fidelity_scores(images, labels, images, labels, weights_path=str(tmp_path / "missing.pth"))


def test_synthetic_labels_must_be_real_classes():
    X, y = _table(n=40)
    with pytest.raises(ValueError, match="y_synthetic"):
        fidelity_scores(X, y, X, np.full(len(y), "other"))


def test_weights_path_that_is_not_inception_weights_is_refused_by_name(tmp_path):
    images, labels = _digits(20)
    other = tmp_path / "other.pth"
    torch.save({"fc.weight": torch.zeros(1008, 2048), "extra": torch.zeros(2)}, other)
    with pytest.raises(ValueError, match=r"weights_path=.*other\.pth.*not torch-fidelity's Inception-v3 weights .*: "
                                         r"\d+ tensors missing \(.*\), 1 unexpected \('extra'\)"):
        fidelity_scores(images, labels, images, labels, weights_path=str(other))
    wrong = tmp_path / "wrong.pth"
    torch.save({"fc.weight": torch.zeros(3, 3)}, wrong)
    with pytest.raises(ValueError, match=r"fc\.weight of shape \(3, 3\), not \(1008, 2048\)"):
        fidelity_scores(images, labels, images, labels, weights_path=str(wrong))
