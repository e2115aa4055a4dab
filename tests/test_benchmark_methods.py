"""The benchmark's method names: augan variants put a changed default beside the real one in one run."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import keel_methods  # noqa: E402  (the benchmarks are scripts, not a package)


def test_variant_parameters_are_python_literals():
    assert keel_methods.augan_variant("augan[epochs=100; generator_dims=(128, 128);max_steps=None]") == {
        "epochs": 100, "generator_dims": (128, 128), "max_steps": None}
    assert keel_methods.augan_variant("augan") is None
    assert keel_methods.augan_variant("SMOTE") is None


def test_variants_follow_the_named_methods_in_the_order_given():
    names = ["augan[epochs=5]", "smote", "augan", "augan[epochs=5]", "none"]
    assert keel_methods.resolve_methods(names) == ["none", "SMOTE", "augan", "augan[epochs=5]"]


@pytest.mark.parametrize(("name", "message"), [("augan[epochs]", "expected augan"),
                                               ("augan[bogus=1]", r"has the parameter\(s\) \[.bogus.\]"),
                                               ("augan[epochs=abc]", "not a Python literal"),
                                               ("augan[seed=-1]", "seed must be a whole number"),
                                               ("augan[seed=1.5]", "seed must be a whole number"),
                                               ("augan[seed=True]", "seed must be a whole number"),
                                               ("smoat", "unknown method")])
def test_bad_method_names_are_refused_before_any_fold_runs(name, message):
    with pytest.raises(ValueError, match=message):
        keel_methods.resolve_methods([name])


def test_a_seed_replicate_draws_the_numbers_of_the_fold_seeded_1000_later():
    X, y = make_classification(80, 4, n_informative=3, n_redundant=0, weights=[0.75], random_state=0)
    fold = lambda seed: keel_methods.Fold(X, y, [False] * 4, seed=seed, ctgan_epochs=1)  # noqa: E731
    tiny = {"epochs": 2, "batch_size": 32}
    default, _, _ = keel_methods._augan(fold(3), **tiny)
    replicate, _, _ = keel_methods._augan(fold(3), seed=1, **tiny)
    shifted, _, _ = keel_methods._augan(fold(1003), **tiny)
    np.testing.assert_array_equal(replicate, shifted)
    assert not np.allclose(replicate[len(y):], default[len(y):])
    np.testing.assert_array_equal(keel_methods._augan(fold(3), seed=0, **tiny)[0], default)
    assert keel_methods.augan_variant("augan[seed=2;epochs=5]") == {"seed": 2, "epochs": 5}


def test_variants_of_the_oversampler_alone_share_one_gan_fit_and_give_what_a_fit_of_their_own_gives():
    X, y = make_classification(80, 4, n_informative=3, n_redundant=0, weights=[0.75], random_state=0)
    fold = lambda: keel_methods.Fold(X, y, [False] * 4, seed=3, ctgan_epochs=1)  # noqa: E731
    tiny = "epochs=2;batch_size=32"
    shared_fold = fold()
    first = keel_methods.resample(f"augan[{tiny}]", shared_fold)
    variant = keel_methods.resample(f"augan[{tiny};noise_scale=1.0;smote_share=0.25]", shared_fold)
    other_gan = keel_methods.resample("augan[epochs=3;batch_size=32]", shared_fold)
    replicate = keel_methods.resample(f"augan[{tiny};seed=1]", shared_fold)
    alone = keel_methods.resample(f"augan[{tiny};noise_scale=1.0;smote_share=0.25]", fold())
    assert first[2]["message"] == "" and alone[2]["message"] == ""
    assert variant[2]["message"].startswith("GAN fit shared with an earlier variant of this fold (")
    assert other_gan[2]["message"] == "" and replicate[2]["message"] == ""  # other settings or seed: fitted anew
    np.testing.assert_array_equal(variant[0], alone[0])
    np.testing.assert_array_equal(variant[1], alone[1])
    assert not np.allclose(variant[0][len(y):], first[0][len(y):])  # the oversampler's own settings still act
    assert all(r[2]["status"] == "ok" for r in (first, variant, other_gan, replicate, alone))
