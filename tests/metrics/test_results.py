import json

import pytest

from augan.metrics.results import (C2ST, C2STClassifier, DiscriminatorAUC, DownstreamGain, Fidelity, FidelityScores,
                                   GainEntry, GainSetup, MeanCI, Privacy, Quality, Quantiles)

SCORE = MeanCI(mean=0.8, ci_low=0.7, ci_high=0.9, n=5)
SETUP = GainSetup(methods=["none", "augan"], sampler="augan", sampler_repr="GANOversampler()",
                  classifiers={"knn": "KNeighborsClassifier()"}, cv=5, n_repeats=1, n_folds=5, metrics=["f1"],
                  positive_class="yes", smote_variant=None, f1="f1 of the minority class",
                  auc_average="minority class", interval="95% t-interval over folds")
GAIN = DownstreamGain(setup=SETUP, folds=[{"repeat": 0, "fold": 0, "method": "none", "f1": 0.5}],
                      table=[GainEntry("none", "all", "f1", SCORE, vs_none=None, vs_smote=None),
                             GainEntry("augan", "all", "f1", SCORE, vs_none=MeanCI(0.1, None, None, 1), vs_smote=None)])
SCORES = FidelityScores(n_real=10, n_synthetic=12, fid=1.5, kid_mean=0.01, kid_std=0.002, precision=0.9, recall=0.8,
                        f_score=0.85, kid_subset_size=10)
SMALL = FidelityScores(n_real=1, n_synthetic=3, fid=None, kid_mean=None, kid_std=None, precision=None, recall=None,
                       f_score=None, kid_subset_size=None, note="needs at least 2 real and 2 synthetic samples")
QUALITY = Quality(
    source="quality GAN fitted on 80% of the rows", n_train=8, n_holdout=2,
    fidelity=Fidelity("augan-table-mlp", "penultimate", "only with ...", SCORES, {"yes": SMALL, "no": SCORES}),
    c2st=C2ST(auc=0.6, detection_score=0.8, n_real=10, n_synthetic=12, conditional=True, cv=5,
              classifiers={"knn": C2STClassifier(0.6, 0.55, 0.65, [0.6, 0.6], 0.8)}),
    discriminator=DiscriminatorAUC(auc=0.5, n_real=2, n_synthetic=12, held_out=True),
    privacy=Privacy(dcr_synthetic=Quantiles(0.1, 0.5, 0.6), dcr_real=Quantiles(0.2, 0.5, 0.7), reference="held-out",
                    median_ratio=1.0, share_closer_than_real_p5=0.05, exact_copies=0, exact_copy_share=0.0,
                    real_exact_share=0.0, copies_flagged=False, n_train=8, n_synthetic=12, n_real_reference=2))


def test_a_gain_entry_holds_its_score_inline_as_the_json_report_does():
    assert GAIN.table[1].to_dict() == {"method": "augan", "classifier": "all", "metric": "f1", "mean": 0.8,
                                       "ci_low": 0.7, "ci_high": 0.9, "n": 5,
                                       "vs_none": {"mean": 0.1, "ci_low": None, "ci_high": None, "n": 1},
                                       "vs_smote": None}


def test_downstream_gain_dict_has_setup_folds_and_table_but_not_the_training_history():
    with_history = DownstreamGain(SETUP, GAIN.folds, GAIN.table, history=[{"d_loss": 1.0}])
    assert list(with_history.to_dict()) == ["setup", "folds", "table"]
    assert list(with_history.to_dict()["setup"]) == list(SETUP.to_dict()) == [
        "methods", "sampler", "sampler_repr", "classifiers", "cv", "n_repeats", "n_folds", "metrics",
        "positive_class", "smote_variant", "f1", "auc_average", "interval"]


def test_fidelity_scores_write_a_note_only_when_there_is_one():
    assert "note" not in SCORES.to_dict()
    assert SMALL.to_dict()["note"].startswith("needs at least 2")
    assert list(QUALITY.to_dict()["fidelity"]["per_class"]) == ["yes", "no"]


@pytest.mark.parametrize("result", [SCORE, GAIN, SCORES, SMALL, QUALITY, QUALITY.c2st, QUALITY.privacy],
                         ids=lambda r: type(r).__name__)
def test_from_dict_reads_back_what_to_dict_wrote_through_json(result):
    assert type(result).from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_quality_dict_keeps_the_order_of_the_report():
    assert list(QUALITY.to_dict()) == ["source", "n_train", "n_holdout", "fidelity", "c2st", "discriminator",
                                       "privacy", "synthetic"]
    assert list(QUALITY.to_dict()["privacy"])[:3] == ["dcr_synthetic", "dcr_real", "reference"]


def test_a_renamed_field_is_refused_naming_it():
    data = QUALITY.to_dict()
    data["privacy"]["copies"] = data["privacy"].pop("exact_copies")
    with pytest.raises(ValueError, match=r"Privacy .*missing \['exact_copies'\], unknown \['copies'\]"):
        Quality.from_dict(data)
    entry = GAIN.table[0].to_dict()
    entry["average"] = entry.pop("mean")
    with pytest.raises(ValueError, match=r"missing \['mean'\]"):
        GainEntry.from_dict(entry)


def test_the_interval_of_a_c2st_classifier_is_its_mean_auc_over_folds():
    assert QUALITY.c2st.classifiers["knn"].interval == MeanCI(0.6, 0.55, 0.65, 2)


def test_gain_entry_is_found_by_method_classifier_and_metric():
    assert GAIN.entry("augan", "all", "f1") is GAIN.table[1]
    assert GAIN.entry("smote", "all", "f1") is None
