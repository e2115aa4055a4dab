import warnings

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate

from augan import CGAN, GANOversampler
from augan.oversampler import AUTO_NOISE_SCALE


@pytest.fixture
def binary():
    X, y = make_classification(200, 4, n_informative=3, n_redundant=0, weights=[0.85], random_state=0)
    return X.astype(np.float32), y


@pytest.mark.parametrize("strategy, expected", [
    ("auto", {0: 170, 1: 170}),
    ("minority", {0: 170, 1: 170}),
    ("not majority", {0: 170, 1: 170}),
    ("all", {0: 170, 1: 170}),
    (0.5, {0: 170, 1: 85}),
    ({1: 100}, {0: 170, 1: 100}),
])
def test_sampling_strategy_forms(binary, tiny, strategy, expected):
    X, y = binary
    Xr, yr = GANOversampler(sampling_strategy=strategy, gan=CGAN(**tiny), random_state=0).fit_resample(X, y)
    assert dict(zip(*np.unique(yr, return_counts=True))) == expected
    assert Xr.dtype == np.float32
    np.testing.assert_array_equal(Xr[: len(X)], X)


def test_callable_strategy(binary, tiny):
    X, y = binary
    _, yr = GANOversampler(sampling_strategy=lambda y: {1: 60}, gan=CGAN(**tiny), random_state=0).fit_resample(X, y)
    assert (yr == 1).sum() == 60


@pytest.mark.parametrize("strategy, error, message", [
    (lambda y: "x", TypeError, r"sampling_strategy is a function, so it must return a dict .*returned 'x' \(str\)"),
    (lambda y: None, TypeError, r"it returned None \(NoneType\)"),
    (lambda y: {1: 2.5}, TypeError, r"sampling_strategy\(y\)\[1\] must be a whole number of rows"),
    (lambda y: {1: 3}, ValueError, r"sampling_strategy\(y\) asks for 3 rows of class 1, which already has"),
], ids=["text", "None", "a fraction", "fewer rows"])
def test_a_callable_strategy_that_returns_no_final_counts_is_refused_before_training(binary, tiny, strategy, error,
                                                                                    message, monkeypatch):
    # Audit 2026-12-06: a callable returning "x" or None failed inside imbalanced-learn with AttributeError.
    monkeypatch.setattr(CGAN, "fit", lambda *args, **kwargs: pytest.fail("trained before refusing"))
    X, y = binary
    with pytest.raises(error, match=message):
        GANOversampler(sampling_strategy=strategy, gan=CGAN(**tiny), random_state=0).fit_resample(X, y)


def test_multiclass_tops_up_every_minority_class(tiny):
    X, y = make_classification(300, 5, n_informative=4, n_redundant=0, n_classes=3, weights=[0.7, 0.2, 0.1],
                               random_state=0)
    _, yr = GANOversampler(gan=CGAN(**tiny), random_state=0).fit_resample(X, y)
    counts = np.bincount(yr)
    assert counts[0] == counts[1] == counts[2]


def test_dataframe_in_dataframe_out_with_strings(mixed_frame, tiny):
    frame, y = mixed_frame
    Xr, yr = GANOversampler(gan=CGAN(**tiny), random_state=0).fit_resample(frame, pd.Series(y, name="label"))
    assert isinstance(Xr, pd.DataFrame) and list(Xr.columns) == list(frame.columns)
    assert Xr.dtypes.to_dict() == frame.dtypes.to_dict()
    assert isinstance(yr, pd.Series) and yr.name == "label"
    pd.testing.assert_frame_equal(Xr.iloc[: len(frame)], frame.reset_index(drop=True))
    assert (yr == "fraud").sum() == (yr == "ok").sum()


def test_gan_parameter_is_cloned_not_fitted(binary, tiny):
    X, y = binary
    gan = CGAN(**tiny)
    sampler = GANOversampler(gan=gan, random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    assert not hasattr(gan, "generator_")
    assert sampler.gan_ is not gan and hasattr(sampler.gan_, "generator_")
    assert sampler.gan_.get_params() == {**gan.get_params(), "random_state": sampler.gan_.random_state}
    assert len(X_res) > len(X)


@pytest.mark.slow  # trains a CGAN at its defaults
def test_without_a_gan_it_trains_cgans_defaults(binary):
    X, y = binary
    ovs = GANOversampler(random_state=0)
    ovs.fit_resample(X, y)
    assert ovs.gan_.get_params() == CGAN(random_state=0).get_params()


def test_a_refused_nested_gan_parameter_leaves_the_sampler_without_a_gan():
    # Audit: the refused call left a CGAN() in a sampler that had none.
    sampler = GANOversampler()
    with pytest.raises(ValueError, match="Invalid parameter 'foo'"):
        sampler.set_params(gan__foo=3)
    assert sampler.gan is None


def test_the_gan_class_instead_of_an_instance_is_refused_naming_gan(binary, monkeypatch):
    monkeypatch.setattr(CGAN, "fit", lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(TypeError,
                       match=r"gan must be a GAN estimator, .* got the class CGAN itself; write gan=CGAN\(\)"):
        GANOversampler(gan=CGAN).fit_resample(*binary)


def test_nested_gan_parameters_can_be_set_and_searched_without_a_gan(binary, tiny):
    sampler = GANOversampler().set_params(gan__epochs=3)
    assert isinstance(sampler.gan, CGAN) and sampler.gan.get_params() == CGAN(epochs=3).get_params()
    X, y = binary
    pipe = make_pipeline(GANOversampler(random_state=0), LogisticRegression())
    grid = {f"ganoversampler__gan__{name}": [value] for name, value in tiny.items() if name != "random_state"}
    search = GridSearchCV(pipe, {**grid, "ganoversampler__gan__noise_dim": [4, 8]}, cv=2, error_score="raise")
    search.fit(X, y)
    assert search.best_params_["ganoversampler__gan__noise_dim"] in (4, 8)


@pytest.mark.parametrize("bad", [{"epochs": -1}, {"max_steps": -5}, {"n_critic": 0}, {"generator_lr": -1.0},
                                 {"discriminator_lr": "x"}, {"checkpoint_every": 0}, {"noise_dim": 0},
                                 {"ema_decay": 2.0}, {"lecam": -1.0}])
def test_the_gans_parameters_are_checked_before_training_as_cgan_fit_checks_them(binary, tiny, bad, monkeypatch):
    # imbalanced-learn fits under sklearn's "skip nested validation", which skipped CGAN.fit's own check: these
    # failed deep in training (IndexError, UnboundLocalError, ZeroDivisionError) or trained with invalid settings.
    from augan.train.loop import Trainer
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = binary
    name = next(iter(bad))
    with pytest.raises(InvalidParameterError, match=rf"'{name}' parameter of CGAN must be") as direct:
        CGAN(**{**tiny, **bad}).fit(X, y)
    monkeypatch.setattr(Trainer, "fit", lambda *args, **kwargs: pytest.fail("trained"))
    with pytest.raises(InvalidParameterError) as nested:
        GANOversampler(gan=CGAN(**{**tiny, **bad}), random_state=0).fit_resample(X, y)
    assert str(nested.value) == str(direct.value)
    search = GridSearchCV(make_pipeline(GANOversampler(gan=CGAN(**tiny)), LogisticRegression()),
                          {f"ganoversampler__gan__{name}": [bad[name]]}, cv=2, error_score="raise")
    with pytest.raises(InvalidParameterError, match=rf"'{name}' parameter of CGAN must be"):
        search.fit(X, y)


def test_random_state_makes_resampling_reproducible(binary, tiny):
    X, y = binary
    a, _ = GANOversampler(gan=CGAN(**tiny), random_state=4).fit_resample(X, y)
    b, _ = GANOversampler(gan=CGAN(**tiny), random_state=4).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)


class _RecordingOversampler(GANOversampler):
    """A GANOversampler that keeps a copy of every X it resamples (class-level, so clones share it)."""

    seen: list[np.ndarray] = []

    def _fit_resample(self, X, y, **params):
        type(self).seen.append(np.array(X))
        return super()._fit_resample(X, y, **params)


def test_pipeline_cross_validation_resamples_training_folds_only(binary, tiny):
    X, y = binary
    _RecordingOversampler.seen = []
    pipe = make_pipeline(_RecordingOversampler(gan=CGAN(**tiny), random_state=0), LogisticRegression())
    result = cross_validate(pipe, X, y, scoring="balanced_accuracy", cv=3, return_indices=True)
    assert result["test_score"].shape == (3,)
    seen = _RecordingOversampler.seen
    assert len(seen) == 3
    for rows, train, test in zip(seen, result["indices"]["train"], result["indices"]["test"]):
        np.testing.assert_array_equal(rows, X[train])     # exactly the training fold, in order
        assert not (set(map(bytes, rows)) & set(map(bytes, X[test])))


def test_sparse_input_is_refused(binary, tiny):
    from scipy import sparse

    X, y = binary
    with pytest.raises(TypeError, match="dense"):
        GANOversampler(gan=CGAN(**tiny)).fit_resample(sparse.csr_matrix(X), y)


# ------------------------------------------------------------ selection
def _candidates(ovs, request):
    """The candidate rows ``_draw`` generated: the fitted GAN draws the same rows for the same request."""
    drawn = {label: int(np.ceil(n * ovs.candidates)) for label, n in request.items()}
    return ovs.gan_.sample(y=drawn, return_y=True, noise_scale=ovs.noise_scale_)


def _as_rows(X):
    return {tuple(np.round(row, 5)) for row in np.asarray(X, dtype=np.float64)}


def _neighbor_agreement(gan, X_new, y_new, X, y):
    """Share of each new row's 5 nearest real rows, in the GAN's encoded space, that have the row's class."""
    from sklearn.neighbors import NearestNeighbors

    index = NearestNeighbors(n_neighbors=5).fit(gan.encode(X)).kneighbors(gan.encode(X_new), return_distance=False)
    return (y[index] == np.asarray(y_new)[:, None]).mean(axis=1)


@pytest.mark.parametrize("selection", ["discriminator", "neighbors"])
def test_selection_keeps_the_best_scored_candidates_of_each_class(binary, tiny, selection):
    X, y = binary
    ovs = GANOversampler(gan=CGAN(**tiny), selection=selection, candidates=3, smote_share=0, random_state=0)
    Xr, yr = ovs.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [170, 170]
    X_cand, y_cand = _candidates(ovs, {1: 140})
    assert len(y_cand) == 420
    if selection == "discriminator":
        scores = ovs.gan_.discriminator_scores(X_cand, y_cand)
    else:
        scores = _neighbor_agreement(ovs.gan_, X_cand, y_cand, X, y)
    kept = _as_rows(Xr[len(X):])
    is_kept = np.array([tuple(np.round(row, 5)) in kept for row in X_cand.astype(np.float64)])
    assert is_kept.sum() == 140
    assert scores[is_kept].min() >= scores[~is_kept].max()


def test_neighbor_selection_prefers_rows_among_their_own_class(binary, tiny):
    X, y = binary
    plain = GANOversampler(gan=CGAN(**tiny), selection=None, smote_share=0, random_state=0)
    plain = plain.fit_resample(X, y)[0][len(X):]
    ovs = GANOversampler(gan=CGAN(**tiny), selection="neighbors", candidates=4, smote_share=0, random_state=0)
    chosen = ovs.fit_resample(X, y)[0][len(X):]
    ones = np.ones(len(chosen), dtype=y.dtype)
    agreement = _neighbor_agreement(ovs.gan_, chosen, ones, X, y).mean()
    assert agreement > _neighbor_agreement(ovs.gan_, plain, ones, X, y).mean()


def test_boundary_selection_keeps_the_neighbours_choice_of_agreement_and_of_ties_the_rows_nearest_the_other_class(
        binary, tiny):
    from sklearn.neighbors import NearestNeighbors

    X, y = binary
    kept = {}
    for selection in ("neighbors", "boundary"):
        ovs = GANOversampler(gan=CGAN(**tiny), selection=selection, candidates=3, smote_share=0, random_state=0)
        kept[selection] = ovs.fit_resample(X, y)[0][len(X):]
    X_cand, y_cand = _candidates(ovs, {1: 140})
    agreement = _neighbor_agreement(ovs.gan_, X_cand, y_cand, X, y)
    agreement_of = {tuple(np.round(row, 5)): a for row, a in zip(X_cand.astype(np.float64), agreement)}
    kept_agreement = {k: sorted(agreement_of[tuple(np.round(row, 5))] for row in v.astype(np.float64))
                      for k, v in kept.items()}
    assert kept_agreement["boundary"] == kept_agreement["neighbors"]  # the same agreement kept, tie by tie
    encoded_majority = ovs.gan_.encode(X[y == 0])
    distance = {k: NearestNeighbors(n_neighbors=1).fit(encoded_majority).kneighbors(ovs.gan_.encode(v))[0][:, 0]
                for k, v in kept.items()}
    assert distance["boundary"].mean() < distance["neighbors"].mean()
    # Among the candidates of the lowest agreement kept, the ones kept are the nearest the other class.
    lowest = min(kept_agreement["boundary"])
    tied = agreement == lowest
    tied_distance = NearestNeighbors(n_neighbors=1).fit(encoded_majority).kneighbors(
        ovs.gan_.encode(X_cand[tied]))[0][:, 0]
    chosen = _as_rows(kept["boundary"])
    is_kept = np.array([tuple(np.round(row, 5)) in chosen for row in X_cand[tied].astype(np.float64)])
    assert 0 < is_kept.sum() < tied.sum()
    assert tied_distance[is_kept].max() <= tied_distance[~is_kept].min()


def test_without_selection_every_generated_row_is_kept(binary, tiny):
    X, y = binary
    ovs = GANOversampler(gan=CGAN(**tiny), selection=None, smote_share=0, random_state=0)
    Xr, yr = ovs.fit_resample(X, y)
    X_gan, y_gan = ovs.gan_.sample(y={1: 140}, return_y=True, noise_scale=ovs.noise_scale_)
    np.testing.assert_array_equal(Xr[len(X):], X_gan)
    np.testing.assert_array_equal(yr[len(X):], y_gan)


@pytest.mark.parametrize("selection", ["discriminator", "neighbors"])
def test_selection_works_on_dataframes_with_strings_and_missing_values(mixed_frame, tiny, selection):
    frame, y = mixed_frame
    Xr, yr = GANOversampler(gan=CGAN(**tiny), selection=selection, random_state=0).fit_resample(frame, y)
    assert Xr.dtypes.to_dict() == frame.dtypes.to_dict()
    assert (yr == "fraud").sum() == (yr == "ok").sum()


@pytest.mark.parametrize(("params", "message"), [(dict(selection="best"), "'selection' parameter"),
                                                 (dict(candidates=0.5), "'candidates' parameter")])
def test_bad_selection_settings_are_refused(binary, tiny, params, message):
    with pytest.raises(ValueError, match=message):
        GANOversampler(gan=CGAN(**tiny), **params).fit_resample(*binary)


# ------------------------------------------------------ SMOTE share
def _on_a_neighbour_segment(new, real, k=5, tol=1e-2):
    """For each row of ``new``: whether it lies on the segment from a row of ``real`` to one of that row's
    ``k`` nearest rows of ``real`` (the rows SMOTE interpolates between), up to the float32 round trip
    through the codec."""
    from sklearn.neighbors import NearestNeighbors

    partners = NearestNeighbors(n_neighbors=k + 1).fit(real).kneighbors(real, return_distance=False)[:, 1:]
    start = np.repeat(real, k, axis=0)
    direction = real[partners.ravel()] - start
    offset = new[:, None, :] - start[None]
    step = np.einsum("npd,pd->np", offset, direction) / np.maximum((direction ** 2).sum(axis=1), 1e-12)
    step = np.clip(step, 0, 1)
    miss = np.linalg.norm(offset - step[..., None] * direction[None], axis=2)
    return miss.min(axis=1) < tol


def test_encoded_interpolation_puts_new_rows_between_neighbouring_rows_of_the_class_in_the_gans_space(binary, tiny):
    X, y = binary
    ovs = GANOversampler(gan=CGAN(**tiny), smote_share=1, interpolation="encoded", random_state=0)
    Xr, yr = ovs.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [170, 170]
    encode = ovs.gan_.encode
    assert _on_a_neighbour_segment(encode(Xr[len(X):]), encode(X[y == 1])).all()
    assert len(_as_rows(Xr[len(X):])) > 100  # new points, not copies of a few rows
    gan_only = GANOversampler(gan=CGAN(**tiny), smote_share=0, random_state=0).fit_resample(X, y)[0][len(X):]
    assert not _on_a_neighbour_segment(encode(gan_only), encode(X[y == 1])).any()


def test_standard_interpolation_puts_new_numbers_between_the_values_of_neighbouring_rows(binary, tiny):
    X, y = binary
    X = np.exp(X)  # skewed columns, whose quantiles are far from their values
    ovs = GANOversampler(gan=CGAN(**tiny), smote_share=1, interpolation="standard", random_state=0)
    Xr, yr = ovs.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [170, 170]
    mean, deviation = X.mean(axis=0), X.std(axis=0)
    scaled = lambda rows: (rows - mean) / deviation  # noqa: E731  (the space SMOTE after a StandardScaler uses)
    assert _on_a_neighbour_segment(scaled(Xr[len(X):]), scaled(X[y == 1])).all()
    assert len(_as_rows(Xr[len(X):])) > 100
    encoded = GANOversampler(gan=CGAN(**tiny), smote_share=1, interpolation="encoded",
                             random_state=0).fit_resample(X, y)[0][len(X):]
    assert not _on_a_neighbour_segment(scaled(encoded), scaled(X[y == 1])).all()


def test_standard_interpolation_of_a_dataframe_keeps_its_columns_and_their_class_categories(mixed_frame, tiny):
    frame, y = mixed_frame
    ovs = GANOversampler(gan=CGAN(**tiny), smote_share=1, interpolation="standard", random_state=0)
    Xr, yr = ovs.fit_resample(frame, y)
    assert Xr.dtypes.to_dict() == frame.dtypes.to_dict()
    assert (yr == "fraud").sum() == (yr == "ok").sum()
    new, real = Xr.iloc[len(frame):], frame[np.asarray(y) == "fraud"]
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]) or frame[column].dtype == bool:
            assert set(new[column].dropna()) <= set(real[column].dropna()), column
        else:
            assert new[column].min() >= real[column].min() and new[column].max() <= real[column].max(), column


def test_proximity_levels_are_rings_of_the_class_from_the_other_classes_inwards():
    from augan.oversampler import _proximity_levels

    # A class on a line, from 1 to 14, the other class at 0 and -1: each level is the next k rows inwards.
    members = np.arange(1.0, 15.0)[:, None]
    others = np.array([[0.0], [-1.0]])
    levels, probabilities = _proximity_levels(members[::-1].copy(), others, n_levels=3, k=2)  # any order
    values = [sorted(members[::-1][level, 0]) for level in levels]
    assert values == [[1, 2], [3, 4], [5, 6], list(range(7, 15))]  # 3 levels, then the rows left
    weights = np.exp([0, -1, -2, -1])  # the rows left weigh as level n_levels - 1, as smote_variants has it
    np.testing.assert_allclose(probabilities, weights / weights.sum())
    levels, probabilities = _proximity_levels(members[:4], others, n_levels=5, k=2)
    assert [sorted(level) for level in levels] == [[0, 1], [2, 3]] and len(probabilities) == 2  # none left


def test_proximity_interpolation_puts_more_new_rows_near_the_other_class_on_segments_within_the_class(tiny):
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(0)
    # The minority along x from the majority's edge (x = 0) to far from it (x = 10), the second column x again up
    # to a little noise (standardised, an independent one would weigh as much as x): its levels are runs of x.
    x = np.concatenate([rng.normal(-3, 0.5, 200), rng.uniform(0, 10, 40)])
    X = np.column_stack([x, x + rng.normal(0, 0.1, len(x))])
    y = np.repeat([0, 1], [200, 40])
    made = {}
    for interpolation in ("standard", "proximity"):
        ovs = GANOversampler(gan=CGAN(**tiny), smote_share=1, interpolation=interpolation, random_state=0)
        Xr, yr = ovs.fit_resample(X, y)
        assert np.bincount(yr).tolist() == [200, 200]
        made[interpolation] = Xr[len(X):]
    distance = {k: NearestNeighbors(n_neighbors=1).fit(X[y == 0]).kneighbors(v)[0].mean() for k, v in made.items()}
    assert distance["proximity"] < 0.8 * distance["standard"], distance
    new, real = made["proximity"], X[y == 1]
    assert new[:, 0].min() >= real[:, 0].min() and new[:, 0].max() <= real[:, 0].max()
    assert len(_as_rows(new)) > 100  # new points, not copies of a few rows
    # Each lies on a segment between two rows of the class (in the standardised space, so on the raw values).
    start, end = np.repeat(real, len(real), axis=0), np.tile(real, (len(real), 1))
    direction = end - start
    offset = new[:, None, :] - start[None]
    step = np.clip(np.einsum("npd,pd->np", offset, direction) / np.maximum((direction ** 2).sum(1), 1e-12), 0, 1)
    assert (np.linalg.norm(offset - step[..., None] * direction[None], axis=2).min(axis=1) < 1e-4).all()


@pytest.mark.parametrize(("category_choice", "expected"), [("segment", "proximity"), ("vote", "standard")])
def test_auto_interpolation_of_a_table_is_proximity_or_standard_with_the_category_vote(mixed_frame, tiny,
                                                                                      category_choice, expected):
    frame, y = mixed_frame

    def new_rows(interpolation: str) -> pd.DataFrame:
        ovs = GANOversampler(gan=CGAN(**tiny), smote_share=1, interpolation=interpolation,
                             category_choice=category_choice, random_state=0)
        return ovs.fit_resample(frame, y)[0].iloc[len(frame):]

    default = new_rows("auto")
    pd.testing.assert_frame_equal(default, new_rows(expected))
    other = "standard" if expected == "proximity" else "encoded"
    assert not default.equals(new_rows(other))  # the comparison tells the rules apart


def test_proximity_interpolation_refuses_the_category_vote_before_training(tiny, monkeypatch):
    monkeypatch.setattr(CGAN, "fit", lambda *a: pytest.fail("trained"))
    frame, y = _five_to_one_levels()
    with pytest.raises(ValueError, match="use category_choice='segment' with it"):
        GANOversampler(gan=CGAN(**tiny), interpolation="proximity", category_choice="vote").fit_resample(frame, y)


def _five_to_one_levels() -> tuple[pd.DataFrame, np.ndarray]:
    """40 rows of class "no" and 6 of "yes", 5 of them at level "a" of ``kind`` and one at "b": every "yes" row
    has the other five as its neighbours, so their vote is "a" for each."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=46),
                          "kind": pd.Categorical(["a", "b", "c"] * 13 + ["c"] + ["a"] * 5 + ["b"], ["a", "b", "c"])})
    return frame, np.array(["no"] * 40 + ["yes"] * 6)


@pytest.mark.parametrize("interpolation", ["encoded", "standard"])
def test_category_vote_gives_each_interpolated_row_its_neighbours_level_and_the_same_numbers(tiny, interpolation):
    frame, y = _five_to_one_levels()
    made = {}
    for choice in ("segment", "vote"):
        ovs = GANOversampler(gan=CGAN(**tiny), smote_share=1, interpolation=interpolation, category_choice=choice,
                             random_state=0)
        Xr, yr = ovs.fit_resample(frame, y)
        assert (yr == "yes").sum() == 40
        made[choice] = Xr.iloc[len(frame):]
    assert set(made["vote"]["kind"]) == {"a"}
    assert "b" in set(made["segment"]["kind"])  # the nearer end: the "b" row's segments lend its level
    pd.testing.assert_series_equal(made["vote"]["x"], made["segment"]["x"])  # the vote draws no random number


def test_a_tie_in_the_category_vote_goes_to_the_base_rows_level_and_numbers_are_left_alone():
    from augan.data.columns import Span
    from augan.oversampler import _vote_categories

    # Rows: a number, then a one-hot block of levels 0-2; levels 0, 0, 1, 1.
    members = np.array([[0.1, 1, 0, 0], [0.2, 1, 0, 0], [0.3, 0, 1, 0], [0.4, 0, 1, 0]], dtype=np.float32)
    base = np.array([0, 2, 2])
    neighbours = np.array([[1, 2], [0, 3], [0, 1]])  # 1 vote each, 1 vote each, 2 votes for level 0
    rows = np.array([[9.0, 0.4, 0.6, 0], [8.0, 0.5, 0.5, 0], [7.0, 0, 1, 0]], dtype=np.float32)
    _vote_categories(rows, members, base, neighbours, [Span(1, "linear"), Span(3, "softmax")])
    np.testing.assert_array_equal(rows, [[9, 1, 0, 0], [8, 0, 1, 0], [7, 1, 0, 0]])


@pytest.mark.parametrize("option, message", [
    ({"interpolation": "standard"}, "interpolation='standard' standardises the columns of a table"),
    ({"interpolation": "proximity"}, "interpolation='proximity' standardises the columns of a table"),
    ({"category_choice": "vote"}, "category_choice='vote' chooses the levels of a table's categorical"),
    ({"category_choice": "mode"}, "category_choice"),
])
def test_table_options_are_refused_for_images_before_training(tiny, monkeypatch, option, message):
    monkeypatch.setattr(CGAN, "fit", lambda *a: pytest.fail("trained"))
    X = np.random.default_rng(0).random((40, 64))
    y = np.repeat([0, 1], [30, 10])
    with pytest.raises(ValueError, match=message):
        GANOversampler(gan=CGAN(**tiny), image_shape=(8, 8), **option).fit_resample(X, y)


def test_smote_share_splits_each_class_between_the_gan_and_interpolation(tiny):
    X, y = make_classification(300, 5, n_informative=4, n_redundant=0, n_classes=3, weights=[0.7, 0.2, 0.1],
                               random_state=0)
    ovs = GANOversampler(gan=CGAN(**tiny), smote_share=0.25, interpolation="encoded", random_state=0)
    Xr, yr = ovs.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [(y == 0).sum()] * 3
    for label in (1, 2):
        added = int((y == 0).sum() - (y == label).sum())
        new = ovs.gan_.encode(Xr[len(X):][yr[len(X):] == label])
        interpolated = _on_a_neighbour_segment(new, ovs.gan_.encode(X[y == label]))
        assert interpolated.sum() == round(added * 0.25), label


def _numbers_and_a_category(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=n), "k": rng.integers(0, 3, n), "c": rng.choice(["a", "b"], n)})


@pytest.mark.parametrize("data, gan_params, share", [
    ("numbers", {}, 0.75),
    ("numbers as a frame", {}, 0.75),
    ("a category", {}, 0.5),
    ("numbers", {"categorical_features": [1]}, 0.5),
    ("images", {}, 0.5),
], ids=["numeric array", "numeric frame", "a text column", "a column named categorical", "images"])
def test_smote_share_auto_is_three_quarters_for_numbers_only_and_half_otherwise(tiny, data, gan_params, share,
                                                                               monkeypatch):
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [90, 30])
    X = {"numbers": rng.normal(size=(120, 3)), "numbers as a frame": _numbers_and_a_category()[["x", "k"]],
         "a category": _numbers_and_a_category(), "images": rng.integers(0, 256, (120, 64)).astype(np.uint8)}[data]
    asked = []
    interpolate = GANOversampler._interpolate
    monkeypatch.setattr(GANOversampler, "_interpolate",
                        lambda self, request, *args: asked.append(request) or interpolate(self, request, *args))
    ovs = GANOversampler(gan=CGAN(**tiny, **gan_params), selection=None,
                         image_shape=(8, 8) if data == "images" else None, random_state=0)
    assert ovs.get_params()["smote_share"] == "auto"
    _, yr = ovs.fit_resample(X, y)
    assert ovs.smote_share_ == share
    assert asked == [{1: round(60 * share)}] and len(yr) == 180


def test_smote_share_zero_draws_only_from_the_gan(binary, tiny):
    X, y = binary
    ovs = GANOversampler(gan=CGAN(**tiny), smote_share=0, random_state=0)
    Xr, yr = ovs.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [170, 170]
    assert _as_rows(Xr[len(X):]) <= _as_rows(_candidates(ovs, {1: 140})[0])


def test_interpolated_rows_of_a_dataframe_keep_its_columns_and_their_class_categories(mixed_frame, tiny):
    frame, y = mixed_frame
    Xr, yr = GANOversampler(gan=CGAN(**tiny), smote_share=1, random_state=0).fit_resample(frame, y)
    assert Xr.dtypes.to_dict() == frame.dtypes.to_dict()
    assert (yr == "fraud").sum() == (yr == "ok").sum()
    new, real = Xr.iloc[len(frame):], frame[np.asarray(y) == "fraud"]
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            assert set(new[column].dropna()) <= set(real[column].dropna())


@pytest.mark.parametrize("smote_share", [1, 0])
def test_new_rows_keep_the_decimals_and_whole_numbers_of_the_real_ones(tiny, smote_share):
    rng = np.random.default_rng(0)
    months = rng.integers(0, 120, 150).astype(float)
    months[rng.random(150) < 0.2] = np.nan
    frame = pd.DataFrame({"income": np.round(rng.lognormal(10, 1, 150), 2), "months": months})
    y = np.r_[np.zeros(120, int), np.ones(30, int)]
    Xr, _ = GANOversampler(gan=CGAN(**tiny), smote_share=smote_share, random_state=0).fit_resample(frame, y)
    new = Xr.iloc[len(frame):]
    assert len(new) == 90 and new["months"].isna().any()
    assert (new["income"] == np.round(new["income"], 2)).all()
    assert (new["months"].dropna() == np.round(new["months"].dropna())).all()


def test_interpolated_images_have_the_image_layout(tiny):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 255, size=(60, 64)).astype(np.float32)
    y = np.r_[np.zeros(45, int), np.ones(15, int)]
    Xr, yr = GANOversampler(gan=CGAN(**tiny), image_shape=(8, 8), smote_share=1, interpolation="encoded",
                            random_state=0).fit_resample(X, y)
    assert Xr.shape == (90, 64) and np.bincount(yr).tolist() == [45, 45]
    minority = X[y == 1]
    assert np.all(Xr[60:] >= minority.min(axis=0) - 1) and np.all(Xr[60:] <= minority.max(axis=0) + 1)


def test_smote_share_outside_zero_one_is_refused(binary, tiny):
    with pytest.raises(ValueError, match="'smote_share' parameter"):
        GANOversampler(gan=CGAN(**tiny), smote_share=1.5).fit_resample(*binary)


# ------------------------------------------------------ one-row classes
def test_a_class_with_one_row_is_topped_up_with_copies_and_a_warning(tiny):
    X, y = make_classification(200, 4, n_informative=3, n_redundant=0, n_classes=3, weights=[0.6, 0.3],
                               random_state=0)
    y[np.flatnonzero(y == 2)[1:]] = 1  # class 2 keeps its first row only
    lone = X[y == 2][0]
    with pytest.warns(UserWarning, match=r"class\(es\) 2 have a single row.*copies of it") as caught:
        ovs = GANOversampler(gan=CGAN(**tiny), random_state=0)
        Xr, yr = ovs.fit_resample(X, y)
    ours = [w for w in caught if "single row" in str(w.message)]
    assert [w.filename for w in ours] == [__file__]  # points at the caller's line
    counts = np.bincount(yr)
    assert counts[0] == counts[1] == counts[2]
    np.testing.assert_array_equal(Xr[len(X):][yr[len(X):] == 2], np.tile(lone, (counts[2] - 1, 1)))
    assert ovs.gan_.classes_.tolist() == [0, 1] and ovs.copied_classes_.tolist() == [2]


@pytest.mark.parametrize("strategy", [{1: 60}, "not minority"])
def test_a_one_row_class_no_row_is_asked_for_is_neither_copied_nor_warned_about(tiny, strategy):
    # Audit (2026-12-06): the copies' warning named every one-row class, also one that got no new row.
    X = np.random.default_rng(2).normal(size=(151, 3))
    y = np.r_[np.zeros(100, int), np.ones(50, int), 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ovs = GANOversampler(gan=CGAN(**tiny), sampling_strategy=strategy, random_state=0)
        Xr, yr = ovs.fit_resample(X, y)
    assert np.bincount(yr)[2] == 1 and ovs.copied_classes_.tolist() == []


# ------------------------------------------------------ isolated classes
def _two_clusters_and(small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 and class 1 in two clusters of 60 and 40 rows, and class 2, the rows ``small``."""
    rng = np.random.default_rng(3)
    X = np.r_[rng.normal(0, 1, (60, 2)), rng.normal(6, 1, (40, 2)), small]
    return X, np.r_[np.zeros(60, int), np.ones(40, int), np.full(len(small), 2)]


SCATTERED = np.array([[0.1, -0.2], [6.2, 5.9], [0.3, 0.4]])  # each row inside another class's cluster


def test_a_small_class_scattered_among_the_others_is_left_as_it_is(tiny):
    X, y = _two_clusters_and(SCATTERED)
    with pytest.warns(UserWarning, match=r"class\(es\) 2 have 4 rows or fewer, none of them with a row of its class "
                                         r"among its 5 nearest; they get no new rows") as caught:
        ovs = GANOversampler(gan=CGAN(**tiny), random_state=0)
        Xr, yr = ovs.fit_resample(X, y)
    assert [w.filename for w in caught if "nearest" in str(w.message)] == [__file__]
    assert np.bincount(yr).tolist() == [60, 60, 3]
    np.testing.assert_array_equal(Xr[:len(X)], X)
    assert ovs.isolated_classes_.tolist() == [2] and ovs.sampling_strategy_[2] == 0
    assert ovs.gan_.classes_.tolist() == [0, 1, 2]  # the GAN still learns it, as the other classes' context
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ovs = GANOversampler(gan=CGAN(**tiny), isolated_classes="oversample", random_state=0)
        _, yr = ovs.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [60, 60, 60] and ovs.isolated_classes_.tolist() == []


@pytest.mark.parametrize("small", [
    np.array([[3.0, 3.0], [3.1, 2.9], [2.9, 3.1]]),  # a cluster of its own between the two
    np.array([[0.1, -0.2], [0.1, -0.2], [6.2, 5.9]]),  # two equal rows, each the other's nearest
    np.r_[SCATTERED, [[6.0, 6.3], [-0.3, 0.2]]],  # scattered, but 5 rows
], ids=["together", "duplicates", "five rows"])
def test_a_small_class_with_a_row_near_its_own_or_of_five_rows_is_made_up(tiny, small):
    X, y = _two_clusters_and(small)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ovs = GANOversampler(gan=CGAN(**tiny), isolated_classes="leave", random_state=0)
        _, yr = ovs.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [60, 60, 60] and ovs.isolated_classes_.tolist() == []


def test_isolated_classes_are_a_tables_rule_and_take_two_values(tiny):
    X, y = _two_clusters_and(SCATTERED)
    images = np.repeat((X - X.min()) / (X.max() - X.min()), 8, axis=1)  # 4x4 "images" repeating the two values
    ovs = GANOversampler(gan=CGAN(**tiny), isolated_classes="leave", image_shape=(4, 4), random_state=0)
    _, yr = ovs.fit_resample(images, y)
    assert np.bincount(yr).tolist() == [60, 60, 60] and ovs.isolated_classes_.tolist() == []
    with pytest.raises(ValueError, match="isolated_classes"):
        GANOversampler(gan=CGAN(**tiny), isolated_classes="drop").fit_resample(X, y)


def test_a_strategy_that_adds_no_row_returns_the_data_without_training(binary, tiny, monkeypatch):
    # Audit (2026-12-06): a dict equal to the counts, or "not minority" on two classes, trained the GAN for nothing.
    X, y = binary
    monkeypatch.setattr(CGAN, "fit", lambda *args, **kwargs: pytest.fail("trained a GAN that draws no row"))
    counts = dict(zip(*np.unique(y, return_counts=True)))
    for strategy in ({label: int(n) for label, n in counts.items()}, "not minority"):
        ovs = GANOversampler(gan=CGAN(**tiny), sampling_strategy=strategy, random_state=0)
        Xr, yr = ovs.fit_resample(X, y)
        np.testing.assert_array_equal(Xr, X)
        np.testing.assert_array_equal(yr, y)
        assert ovs.gan_ is None and ovs.selection_ is None and ovs.copied_classes_.tolist() == []
        assert ovs.disagreeing_ == {} and 0 < ovs.smote_share_ < 1
    with pytest.raises(ValueError, match=r"image_shape=\(3, 3\) means 9 pixels per row, but X has 4 columns"):
        GANOversampler(gan=CGAN(**tiny), sampling_strategy="not minority", image_shape=(3, 3)).fit_resample(X, y)


def test_duplicated_column_names_are_refused_as_cgan_refuses_them(binary, tiny):
    # Audit (2026-12-06): scikit-learn's validate_data failed first, with a narwhals error.
    X, y = binary
    frame = pd.DataFrame(X[:, :3], columns=["a", "a", "b"])
    with pytest.raises(ValueError, match=r"X has duplicated column names \['a'\]; column names must be unique"):
        GANOversampler(gan=CGAN(**tiny)).fit_resample(frame, y)


def test_one_row_classes_in_a_dataframe_keep_their_columns(mixed_frame, tiny):
    frame, y = mixed_frame
    y = y.astype(object)
    y[0] = "chargeback"
    with pytest.warns(UserWarning, match="'chargeback'"):
        Xr, yr = GANOversampler(gan=CGAN(**tiny), random_state=0).fit_resample(frame, y)
    copies = Xr[len(frame):][yr[len(frame):] == "chargeback"]
    assert len(copies) == (y == "ok").sum() - 1
    pd.testing.assert_frame_equal(copies.reset_index(drop=True),
                                  frame.iloc[[0] * len(copies)].reset_index(drop=True))


def test_a_one_row_minority_with_a_single_class_left_is_still_refused(binary, tiny):
    X, y = binary
    y = y.copy()
    y[np.flatnonzero(y == 1)[1:]] = 0
    with pytest.raises(ValueError, match=r"every class needs at least 2 rows.*1 \(1 row\)"):
        GANOversampler(gan=CGAN(**tiny)).fit_resample(X, y)


@pytest.mark.parametrize("noise_scale", [0.0, 0.5, 1.0])
def test_noise_scale_is_the_scale_the_gan_draws_with(binary, tiny, noise_scale):
    X, y = binary
    ovs = GANOversampler(gan=CGAN(**tiny), selection=None, smote_share=0, noise_scale=noise_scale, random_state=0)
    Xr, _ = ovs.fit_resample(X, y)
    np.testing.assert_array_equal(Xr[len(X):], ovs.gan_.sample(y={1: 140}, noise_scale=noise_scale))
    if noise_scale == 0:  # no noise: the generator's one row for the class, 140 times
        # Up to float32 rounding: a matrix product may round the rows of its last block in another order.
        new = Xr[len(X):]
        np.testing.assert_allclose(new, np.broadcast_to(new[0], new.shape), rtol=1e-5, atol=1e-6)
    else:
        assert len(np.unique(Xr[len(X):], axis=0)) == 140


def test_a_larger_noise_scale_spreads_the_new_rows_wider(binary, tiny):
    X, y = binary
    new = {scale: GANOversampler(gan=CGAN(**tiny), selection=None, smote_share=0, noise_scale=scale,
                                 random_state=0).fit_resample(X, y)[0][len(X):] for scale in (0.5, 1.0, 1.5)}
    spread = [new[scale].std(axis=0).mean() for scale in (0.5, 1.0, 1.5)]
    assert spread[0] < spread[1] < spread[2]


def test_auto_noise_scale_is_the_tables_value_for_a_table(binary, tiny):
    X, y = binary
    auto = GANOversampler(gan=CGAN(**tiny), random_state=0)
    Xa, _ = auto.fit_resample(X, y)
    Xt, _ = GANOversampler(gan=CGAN(**tiny), noise_scale=AUTO_NOISE_SCALE["table"], random_state=0).fit_resample(X, y)
    assert auto.noise_scale == "auto" and auto.noise_scale_ == AUTO_NOISE_SCALE["table"] == 1.0
    np.testing.assert_array_equal(Xa, Xt)


def test_auto_noise_scale_is_the_images_value_for_images(tiny):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 255, size=(60, 64)).astype(np.float32)
    y = np.r_[np.zeros(45, int), np.ones(15, int)]
    auto = GANOversampler(gan=CGAN(**tiny), image_shape=(8, 8), selection=None, smote_share=0, random_state=0)
    Xr, _ = auto.fit_resample(X, y)
    assert auto.noise_scale_ == AUTO_NOISE_SCALE["image"] == 2.0
    drawn = auto.gan_.sample(y={1: 30}, noise_scale=2.0).reshape(30, -1)
    np.testing.assert_array_equal(Xr[60:], drawn)


@pytest.mark.parametrize("noise_scale", [-0.1, "big", float("nan"), float("inf")])
def test_bad_noise_scale_is_refused_before_the_gan_trains(binary, tiny, monkeypatch, noise_scale):
    monkeypatch.setattr(CGAN, "fit", lambda *args: pytest.fail("the GAN was trained"))
    with pytest.raises(ValueError, match="'noise_scale' parameter"):
        GANOversampler(gan=CGAN(**tiny), noise_scale=noise_scale).fit_resample(*binary)


@pytest.mark.parametrize("model", ["GaussianMixture", "KernelDensity"])
def test_a_gan_that_is_not_a_cgan_is_refused_naming_gan_before_it_is_fitted(binary, model):
    from sklearn.mixture import GaussianMixture
    from sklearn.neighbors import KernelDensity

    estimator = {"GaussianMixture": GaussianMixture(2), "KernelDensity": KernelDensity()}[model]
    with pytest.raises(ValueError, match=r"'gan' parameter of GANOversampler must be an object implementing"):
        GANOversampler(gan=estimator, random_state=0).fit_resample(*binary)
    assert not hasattr(estimator, "n_features_in_"), "the estimator was fitted before the refusal"
