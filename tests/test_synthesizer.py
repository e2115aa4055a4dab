import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from augan import CGAN


def test_fit_sample_round_trip_on_mixed_frame_keeps_columns_dtypes_and_categories(mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, **tiny).fit(frame, y)
    fake = gan.sample(200, y="fraud")
    assert list(fake.columns) == list(frame.columns)
    assert fake.dtypes.to_dict() == frame.dtypes.to_dict()
    assert set(fake["city"].dropna()) <= set(frame["city"].dropna())
    assert fake["tier"].cat.categories.tolist() == frame["tier"].cat.categories.tolist()
    for col in ("age", "income"):
        assert frame[col].min() <= fake[col].min() and fake[col].max() <= frame[col].max()
    assert fake["age"].isna().sum() == 0 and fake["income"].isna().sum() == 0


def test_fitted_attributes(mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, **tiny).fit(frame, y)
    assert gan.classes_.tolist() == ["fraud", "ok"]
    assert gan.n_features_in_ == 6
    assert gan.feature_names_in_.tolist() == list(frame.columns)
    assert len(gan.history_) == tiny["epochs"]
    assert not gan.generator_.training
    assert gan.device_ == torch.device("cpu")


def test_sample_forms_of_y(mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, **tiny).fit(frame, y)
    X, labels = gan.sample(y={"fraud": 3, "ok": 2}, return_y=True)
    assert len(X) == 5 and sorted(labels.tolist()) == ["fraud"] * 3 + ["ok"] * 2
    X, labels = gan.sample(y=["ok", "fraud", "ok"], return_y=True)
    assert labels.tolist() == ["ok", "fraud", "ok"]
    X, labels = gan.sample(40, return_y=True)
    assert len(X) == 40 and set(labels) <= {"fraud", "ok"}


def test_numpy_in_numpy_out(tiny):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = (rng.random(60) < 0.3).astype(int)
    out = CGAN(random_state=0, **tiny).fit(X, y).sample(10, y=1)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (10, 3)


def test_same_seed_same_samples_and_global_rng_untouched(mixed_frame, tiny):
    frame, y = mixed_frame
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    a = CGAN(random_state=7, **tiny).fit(frame, y).sample(20, y="ok")
    b = CGAN(random_state=7, **tiny).fit(frame, y).sample(20, y="ok")
    torch.testing.assert_close(torch.rand(3), expected_next)
    pd.testing.assert_frame_equal(a, b)


def test_sample_random_state_changes_the_draw(mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, **tiny).fit(frame, y)
    pd.testing.assert_frame_equal(gan.sample(20, y="ok"), gan.sample(20, y="ok"))
    assert not gan.sample(20, y="ok", random_state=1).equals(gan.sample(20, y="ok", random_state=2))


def test_noise_scale_scales_the_generators_input_noise(mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, **tiny).fit(frame, y)
    pd.testing.assert_frame_equal(gan.sample(20, y="ok", noise_scale=1.0), gan.sample(20, y="ok"))
    still = gan.sample(20, y="ok", noise_scale=0).select_dtypes("number").dropna()
    assert len(still) > 1 and len(still.drop_duplicates()) == 1  # zero noise: the same numbers in every row
    numbers = gan.sample(300, y="ok").select_dtypes("number").std()
    narrow = gan.sample(300, y="ok", noise_scale=0.5).select_dtypes("number").std()
    assert (narrow < numbers).all()


@pytest.mark.parametrize(("noise_scale", "error"), [(-1.0, ValueError), (float("nan"), ValueError),
                                                    (float("inf"), ValueError), ("1", TypeError),
                                                    (True, TypeError)])
def test_bad_noise_scale_is_refused(mixed_frame, tiny, noise_scale, error):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, **tiny).fit(frame, y)
    with pytest.raises(error, match="noise_scale must be"):
        gan.sample(5, noise_scale=noise_scale)


@pytest.mark.parametrize("return_y", ["yes", "False", 0, 1, None])
def test_return_y_that_is_not_a_bool_is_refused(mixed_frame, tiny, return_y):
    # Audit: any truthy value returned the labels, where every other flag refuses what is not True or False.
    frame, y = mixed_frame
    gan = CGAN(random_state=0, **tiny).fit(frame, y)
    with pytest.raises(TypeError, match="return_y must be True or False"):
        gan.sample(5, return_y=return_y)


@pytest.mark.slow  # trains for 60 epochs
def test_class_conditioning_is_learned(tiny):
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-4, 0.5, (150, 2)), rng.normal(4, 0.5, (50, 2))])
    y = np.array([0] * 150 + [1] * 50)
    gan = CGAN(loss="hinge", epochs=60, batch_size=64, noise_dim=8, generator_dims=(32, 32),
               discriminator_dims=(32, 32), generator_lr=1e-3, discriminator_lr=1e-3, random_state=0).fit(X, y)
    assert gan.sample(200, y=0).mean() < -1.5
    assert gan.sample(200, y=1).mean() > 1.5


def test_save_load_round_trip_gives_identical_samples(tmp_path, mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(random_state=3, **tiny).fit(frame, y)
    gan.save(tmp_path / "m.augan")
    loaded = CGAN.load(tmp_path / "m.augan")
    assert loaded.get_params() == gan.get_params()
    pd.testing.assert_frame_equal(loaded.sample(30, y="fraud"), gan.sample(30, y="fraud"))
    assert loaded.history_ == gan.history_


def test_save_refuses_to_overwrite(tmp_path, mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, **tiny).fit(frame, y)
    target = tmp_path / "m.augan"
    target.write_text("mine")
    with pytest.raises(FileExistsError, match="overwrite"):
        gan.save(target)
    assert target.read_text() == "mine"
    with pytest.raises(FileExistsError, match="not an augan model file"):
        gan.save(target, overwrite=True)
    assert target.read_text() == "mine"
    target.unlink()
    CGAN(random_state=1, **tiny).fit(frame, y).save(target)
    gan.save(target, overwrite=True)
    pd.testing.assert_frame_equal(CGAN.load(target).sample(5), gan.sample(5))


def test_clone_and_params_are_stored_verbatim():
    gan = CGAN(loss="hinge", generator_dims=(8, 4), random_state=np.random.RandomState(0))
    assert gan.get_params()["generator_dims"] == (8, 4)
    copy = clone(gan)
    assert copy.get_params()["loss"] == "hinge" and copy is not gan


@pytest.mark.parametrize("params, message", [
    (dict(loss="lsgan"), "loss"),
    (dict(epochs=0), "epochs"),
    (dict(generator_dims=(8, -1)), "generator_dims"),
    (dict(betas=(0.5,)), "betas"),
    (dict(pac=10, batch_size=8), "pac"),
    (dict(architecture="dcgan"), "dcgan"),
    (dict(device="cuda:7"), "CUDA"),
    (dict(resume=True), "checkpoint_dir"),
])
def test_bad_parameters_are_refused_at_fit(params, message, tiny):
    X, y = np.random.default_rng(0).normal(size=(20, 2)), np.array([0, 1] * 10)
    with pytest.raises((ValueError, TypeError), match=message):
        CGAN(**{**tiny, **params}).fit(X, y)


def test_sample_before_fit_is_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CGAN().sample(3)


def test_discriminator_scores_has_one_score_per_row(mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, pac=2, **tiny).fit(frame, y)
    scores = gan.discriminator_scores(frame.iloc[:7], y[:7])
    assert scores.shape == (7,) and np.isfinite(scores).all()


def test_sample_refuses_a_label_that_a_cast_to_the_classes_dtype_would_turn_into_a_class(tmp_path, tiny):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), np.repeat(np.array(["r", "c"]), [30, 10])
    gan = CGAN(random_state=0, **tiny).fit(X, y)
    gan.save(tmp_path / "m.augan")
    for model in (gan, CGAN.load(tmp_path / "m.augan")):
        for request in ({"rx_typo": 3}, {"unknown": 5}):
            with pytest.raises(ValueError, match=f"never seen in fit: '{next(iter(request))}'"):
                model.sample(y=request)
        assert model.sample(y={np.str_("c"): 2}, return_y=True)[1].tolist() == ["c", "c"]
    numbers = CGAN(random_state=0, **tiny).fit(X, (y == "c").astype(int))
    with pytest.raises(ValueError, match="never seen in fit: 1.7"):
        numbers.sample(y={1.7: 3})
    assert numbers.sample(y={1.0: 2, np.int64(0): 1}, return_y=True)[1].tolist() == [1, 1, 0]


def test_discriminator_scores_match_columns_by_name_and_refuse_unknown_ones(mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, **tiny).fit(frame, y)
    expected = gan.discriminator_scores(frame, y)
    np.testing.assert_array_equal(gan.discriminator_scores(frame[frame.columns[::-1]], y), expected)
    with pytest.raises(ValueError, match="missing 'income'; unexpected 'salary'"):
        gan.discriminator_scores(frame.rename(columns={"income": "salary"}), y)


def test_iter_samples_chunks_put_end_to_end_equal_one_sample(mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(**tiny, device="cpu", random_state=0).fit(frame, y)
    with pytest.raises(ValueError, match=r"n asks for 1,000,000,000,000 rows"):
        gan.iter_samples(10**12)  # refused at the call, before any chunk is asked for
    chunks = list(gan.iter_samples(9000, chunk_size=1, random_state=3))
    assert [len(labels) for _, labels in chunks] == [4096, 4096, 808], "chunks hold whole generator passes"
    X, labels = gan.sample(9000, return_y=True, random_state=3)
    assert [part.index[0] for part, _ in chunks] == [0, 4096, 8192], "each chunk goes on where the last ended"
    pd.testing.assert_frame_equal(pd.concat([part for part, _ in chunks]), X, check_index_type=True)
    np.testing.assert_array_equal(np.concatenate([part for _, part in chunks]), labels)


def test_n_steps_counts_the_generator_steps_of_the_fit_and_survives_the_model_file(tiny, tmp_path):
    X, y = np.random.default_rng(0).normal(size=(100, 3)), np.repeat([0, 1], 50)
    params = {**tiny, "epochs": 4, "batch_size": 10}
    full = CGAN(**params, max_steps=None, random_state=0).fit(X, y)
    capped = CGAN(**params, max_steps=8, random_state=0).fit(X, y)
    assert (full.n_steps_, capped.n_steps_) == (4 * 10, 4 * 2)
    assert [row["steps"] for row in capped.history_] == [2, 4, 6, 8]
    capped.save(tmp_path / "capped.augan")
    assert CGAN.load(tmp_path / "capped.augan").n_steps_ == 8


def test_max_steps_below_the_epochs_caps_the_fit_and_its_announced_plan(tiny, monkeypatch):
    # max_steps is a cap on the whole fit: below one step an epoch, the fit runs max_steps epochs of one step,
    # and the clock that announces the expected duration plans those, not the 300 epochs asked for.
    import augan.synthesizer as synthesizer

    clocks, clock = [], synthesizer.TrainingClock
    monkeypatch.setattr(synthesizer, "TrainingClock", lambda epochs, **kw: clocks.append(epochs) or clock(epochs, **kw))
    X, y = np.random.default_rng(0).normal(size=(100, 3)), np.repeat([0, 1], 50)
    gan = CGAN(**{**tiny, "batch_size": 10, "max_steps": 7, "epochs": 300}, random_state=0)
    gan.fit(X, y)
    assert gan.n_steps_ == 7 and len(gan.history_) == 7
    assert gan.training_config_.run_epochs == 7 and clocks == [7]


@pytest.mark.parametrize("change", [dict(pac=4), dict(noise_dim=16), dict(generator_dims=(32,)),
                                    dict(discriminator_dims=(8, 8)), dict(architecture="conv"),
                                    dict(loss="wgan-gp"), dict(spectral_norm=True), dict(ema_decay=None)])
def test_set_params_on_a_fitted_model_takes_effect_at_the_next_fit_only(tmp_path, mixed_frame, tiny, change):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, device="cpu", **tiny).fit(frame, y)
    fitted = gan.get_params()
    before = gan.sample(30, random_state=1)
    scores = gan.discriminator_scores(frame, y)
    target = tmp_path / "m.augan"
    gan.save(target)
    gan.set_params(**change)
    assert gan.get_params() == {**fitted, **change}, "set_params itself is scikit-learn's"
    pd.testing.assert_frame_equal(gan.sample(30, random_state=1), before)
    np.testing.assert_array_equal(gan.discriminator_scores(frame, y), scores)
    gan.save(target, overwrite=True)  # over a good file: what it writes must load, and be the same model
    loaded = CGAN.load(target, device="cpu")
    assert loaded.get_params() == fitted, "the file records the parameters the networks were fitted with"
    pd.testing.assert_frame_equal(loaded.sample(30, random_state=1), before)
    if "architecture" not in change:
        gan.fit(frame, y)  # the next fit uses the new values
        assert gan.get_params() == {**fitted, **change}
        gan.save(target, overwrite=True)
        assert CGAN.load(target, device="cpu").get_params() == {**fitted, **change}


def test_random_state_and_amp_set_after_fit_still_steer_sampling_and_are_saved(tmp_path, mixed_frame, tiny):
    frame, y = mixed_frame
    gan = CGAN(random_state=0, device="cpu", **tiny).fit(frame, y)
    gan.set_params(random_state=7, amp="bf16")
    drawn = gan.sample(30)
    pd.testing.assert_frame_equal(drawn, gan.sample(30, random_state=7))
    gan.save(tmp_path / "m.augan")
    loaded = CGAN.load(tmp_path / "m.augan", device="cpu")
    assert (loaded.random_state, loaded.amp) == (7, "bf16")
    pd.testing.assert_frame_equal(loaded.sample(30), drawn)


def test_a_pickled_model_from_before_fitted_parameters_were_kept_still_samples(mixed_frame, tiny):
    import pickle

    frame, y = mixed_frame
    gan = CGAN(random_state=0, device="cpu", **tiny).fit(frame, y)
    old = pickle.loads(pickle.dumps(gan))
    old.__dict__.pop("_fit_params", None)  # as pickled by an augan that did not keep them
    pd.testing.assert_frame_equal(old.sample(20), gan.sample(20))
