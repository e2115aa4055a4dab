"""Determinism: ``random_state`` alone decides the result, in any process, and augan leaves the caller's
global random generators (torch, numpy, Python's ``random``) exactly where they were."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import torch

from augan import CGAN, GANOversampler

PARAMS = dict(epochs=2, batch_size=32, noise_dim=4, generator_dims=(8, 8), discriminator_dims=(8, 8),
              device="cpu", random_state=11)


def _table(n: int = 60) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"x": rng.normal(size=n), "k": rng.integers(0, 9, n), "c": rng.choice(["a", "b", "c"], n),
                      "m": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n))})
    return X, np.array(["ok"] * (n - 15) + ["rare"] * 15)


CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np, pandas as pd, torch
    torch.set_num_threads(1)
    torch.manual_seed(999)  # the child's global seeds differ from the parent's; they must not matter
    np.random.seed(999)
    from augan import CGAN

    folder = sys.argv[1]
    X, y = pd.read_pickle(f"{folder}/data.pkl")
    params = json.load(open(f"{folder}/params.json"))
    model = CGAN(**params).fit(X, y)
    pd.to_pickle((model.sample(40), model.sample(10, y="rare", random_state=4)), f"{folder}/samples.pkl")
""")


@pytest.mark.slow  # a subprocess that imports augan
def test_same_random_state_gives_identical_samples_in_two_separate_processes(tmp_path):
    X, y = _table()
    pd.to_pickle((X, y), tmp_path / "data.pkl")
    (tmp_path / "params.json").write_text(json.dumps(PARAMS))
    (tmp_path / "child.py").write_text(CHILD)
    done = subprocess.run([sys.executable, str(tmp_path / "child.py"), str(tmp_path)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    theirs, theirs_rare = pd.read_pickle(tmp_path / "samples.pkl")
    model = CGAN(**PARAMS).fit(X, y)
    pd.testing.assert_frame_equal(model.sample(40), theirs)
    pd.testing.assert_frame_equal(model.sample(10, y="rare", random_state=4), theirs_rare)


def _global_states() -> tuple:
    return torch.get_rng_state(), np.random.get_state(), random.getstate()


def _assert_states_equal(before: tuple, after: tuple) -> None:
    assert torch.equal(before[0], after[0]), "torch's global generator moved"
    numpy_before, numpy_after = before[1], after[1]
    assert np.array_equal(numpy_before[1], numpy_after[1]) and numpy_before[2:] == numpy_after[2:], \
        "numpy's global generator moved"
    assert before[2] == after[2], "Python's random moved"


def test_fit_and_sample_leave_the_global_generators_untouched():
    X, y = _table()
    torch.manual_seed(1)
    np.random.seed(1)
    random.seed(1)
    before = _global_states()
    model = CGAN(**PARAMS).fit(X, y)
    model.sample(20)
    model.sample(5, y="rare", random_state=np.random.RandomState(3))
    GANOversampler(gan=CGAN(**PARAMS)).fit_resample(X, y)
    _assert_states_equal(before, _global_states())


def test_without_random_state_torch_stays_untouched_and_numpy_seeds_the_draw():
    # scikit-learn's convention for random_state=None: draw from numpy's global generator, so that
    # np.random.seed makes a run repeatable. torch's global generator is still never touched.
    X, y = _table()
    unseeded = {**PARAMS, "random_state": None}
    torch_before = torch.get_rng_state()
    np.random.seed(42)
    first = CGAN(**unseeded).fit(X, y).sample(20)
    np.random.seed(42)
    second = CGAN(**unseeded).fit(X, y).sample(20)
    assert torch.equal(torch.get_rng_state(), torch_before)
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.parametrize("global_seed", [0, 12345])
def test_the_callers_global_seeds_do_not_change_a_seeded_result(global_seed):
    X, y = _table()
    torch.manual_seed(global_seed)
    np.random.seed(global_seed)
    out = CGAN(**PARAMS).fit(X, y).sample(30)
    torch.manual_seed(global_seed + 1)
    np.random.seed(global_seed + 1)
    pd.testing.assert_frame_equal(CGAN(**PARAMS).fit(X, y).sample(30), out)


def test_refitting_one_estimator_repeats_the_result():
    X, y = _table()
    model = CGAN(**PARAMS)
    first = model.fit(X, y).sample(30)
    pd.testing.assert_frame_equal(model.fit(X, y).sample(30), first)


def test_a_random_state_instance_is_drawn_from_and_kept_as_given():
    # Like scikit-learn estimators, a RandomState passed in is drawn from, so two fits differ; the
    # estimator never reseeds or replaces it.
    X, y = _table()
    state = np.random.RandomState(0)
    model = CGAN(**{**PARAMS, "random_state": state})
    first = model.fit(X, y).sample(30)
    assert model.random_state is state
    assert not model.fit(X, y).sample(30).equals(first)
