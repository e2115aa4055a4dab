"""The benchmark's method names: augan variants put a changed default beside the real one in one run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

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
                                               ("smoat", "unknown method")])
def test_bad_method_names_are_refused_before_any_fold_runs(name, message):
    with pytest.raises(ValueError, match=message):
        keel_methods.resolve_methods([name])
