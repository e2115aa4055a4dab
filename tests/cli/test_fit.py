"""``augan fit``: a model file that remembers its target column."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from augan import CGAN


def test_fit_saves_a_model_that_knows_its_classes_target_and_column_order(loans_model, loans):
    gan = CGAN.load(loans_model)
    assert gan.classes_.tolist() == ["no", "yes"]
    assert gan.class_counts_.tolist() == [185, 15]
    assert gan.metadata_ == {"target": "default", "columns": list(pd.read_csv(loans).columns)}
    assert gan.get_params()["epochs"] == 2


def test_fit_refuses_to_replace_a_model_without_overwrite(augan, loans, loans_model, train_args, user_error):
    before = loans_model.read_bytes()
    result = augan("fit", loans, "--target", "default", "--model-out", loans_model, *train_args)
    user_error(result, str(loans_model), "--overwrite")
    assert loans_model.read_bytes() == before


def test_fit_with_overwrite_replaces_the_model(augan, numbers_csv, train_args, tmp_path, loans_model):
    model = tmp_path / "m.augan"
    model.write_bytes(loans_model.read_bytes())
    result = augan("fit", numbers_csv, "--target", "label", "--model-out", model, "--overwrite", *train_args)
    assert result.exit_code == 0, result.output
    assert CGAN.load(model).classes_.tolist() == ["0", "1"]  # a CSV's labels are read as text


@pytest.mark.parametrize("command", ["fit", "generate"])
def test_overwrite_refuses_a_model_out_that_is_no_model_before_training(augan, user_error, numbers_csv, train_args,
                                                                        tmp_path, monkeypatch, command):
    monkeypatch.setattr(CGAN, "fit", lambda self, X, y: pytest.fail("trained before refusing --model-out"))
    model = tmp_path / "m.augan"
    model.write_bytes(b"my own notes")
    out = ["--out", tmp_path / "s.csv", "--n", "5"] if command == "generate" else []
    result = augan(command, numbers_csv, "--target", "label", "--model-out", model, *out, "--overwrite", *train_args)
    user_error(result, str(model), "not an augan model file")
    assert model.read_bytes() == b"my own notes"


def test_save_refuses_metadata_that_is_not_plain_json(loans_model, tmp_path):
    gan = CGAN.load(loans_model)
    with pytest.raises(TypeError, match="metadata"):
        gan.save(tmp_path / "m.augan", metadata={"target": object()})
    assert not (tmp_path / "m.augan").exists()


@pytest.mark.parametrize(("metadata", "read_back"), [({1: 2}, "{'1': 2}"), ({"a": (1, 2)}, "{'a': [1, 2]}")])
def test_save_refuses_metadata_that_would_read_back_changed(loans_model, tmp_path, metadata, read_back):
    # Audit: {1: 2} was saved and loaded as {'1': 2}, and a tuple as a list.
    gan = CGAN.load(loans_model)
    with pytest.raises(TypeError, match="text keys and lists rather than tuples") as error:
        gan.save(tmp_path / "m.augan", metadata=metadata)
    assert f"would read back as {read_back}" in str(error.value)
    assert not (tmp_path / "m.augan").exists()


def test_save_warns_that_a_random_state_instance_is_not_kept(tmp_path):
    # Audit: the loaded model's random_state was None, silently.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), np.repeat(["a", "b"], 20)
    gan = CGAN(epochs=1, batch_size=16, random_state=np.random.RandomState(0)).fit(X, y)
    with pytest.warns(UserWarning, match="random_state is a RandomState, whose state a model file does not keep"):
        gan.save(tmp_path / "m.augan")
    assert CGAN.load(tmp_path / "m.augan").random_state is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CGAN(epochs=1, batch_size=16, random_state=3).fit(X, y).save(tmp_path / "seeded.augan")
