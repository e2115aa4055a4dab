import numpy as np
import pandas as pd
import pytest

from augan.data import codecs
from augan.data.codecs import (CODECS, Codec, UnknownCodecError, codec_from_state, codec_state, make_codec,
                               register_codec)
from augan.data.images import ImageCodec
from augan.data.tabular import TabularCodec

IMAGES = np.random.default_rng(0).integers(0, 256, size=(6, 8, 8, 3), dtype=np.uint8)


def test_both_codecs_are_registered_and_satisfy_the_contract(mixed_frame):
    assert CODECS == {"tabular": TabularCodec, "image": ImageCodec}
    for codec, X in ((TabularCodec().fit(mixed_frame[0]), mixed_frame[0]), (ImageCodec().fit(IMAGES), IMAGES)):
        assert isinstance(codec, Codec)
        encoded = codec.transform(X)
        assert encoded.dtype == np.float32 and encoded.shape == (len(X), *codec.sample_shape_)
        assert codec.input_shape_ == (np.shape(X)[1:] if codec.kind == "image" else (X.shape[1],))
    assert not isinstance(TabularCodec(), Codec)  # unfitted: no layout yet


@pytest.mark.parametrize(("X", "kind"), [(IMAGES, "image"), (IMAGES[..., 0], "image"),
                                         (np.zeros((5, 3)), "tabular"), (pd.DataFrame({"a": [1, 2]}), "tabular"),
                                         ([[1, 2], [3, 4]], "tabular")])
def test_make_codec_chooses_by_the_kind_of_input(X, kind):
    assert make_codec(X, numeric_transform="standard").kind == kind


def test_make_codec_gives_a_codec_only_the_parameters_it_takes():
    assert make_codec(np.zeros((4, 2)), numeric_transform="standard", n_quantiles=7).n_quantiles == 7
    assert type(make_codec(IMAGES, numeric_transform="standard")) is ImageCodec
    with pytest.raises(TypeError, match="numeric_transfrom"):
        make_codec(np.zeros((4, 2)), numeric_transfrom="standard")


def test_codec_state_round_trips_both_kinds(mixed_frame):
    frame, _ = mixed_frame
    for codec, X in ((TabularCodec().fit(frame), frame), (ImageCodec().fit(IMAGES), IMAGES)):
        content = codec_state(codec)
        assert content["kind"] == codec.kind
        again = codec_from_state(content)
        assert type(again) is type(codec)
        np.testing.assert_array_equal(again.transform(X), codec.transform(X))


@pytest.mark.parametrize("content", [{"kind": "audio", "state": {}}, {"state": {}}, None])
def test_an_unknown_codec_kind_is_a_value_error_naming_the_known_ones(content):
    with pytest.raises(UnknownCodecError, match=r"codec kind .* is unknown \(known: 'image', 'tabular'\)"):
        codec_from_state(content)
    assert issubclass(UnknownCodecError, ValueError)


def test_register_codec_checks_the_contract_and_tries_a_new_codec_first(monkeypatch):
    class Incomplete:
        kind = "audio"

    with pytest.raises(TypeError, match="lacks"):
        register_codec(Incomplete)

    class Audio(ImageCodec):
        kind = "audio"

        @staticmethod
        def accepts(X):
            return isinstance(X, np.ndarray) and X.ndim == 3

    monkeypatch.setattr(codecs, "CODECS", dict(CODECS))
    register_codec(Audio)
    assert type(make_codec(IMAGES[..., 0])) is Audio and type(make_codec(IMAGES)) is ImageCodec
    with pytest.raises(ValueError, match="'image' is registered already"):
        register_codec(type("Other", (ImageCodec,), {}))


@pytest.mark.parametrize("tiny", [1.177011e-216, 3e-300, 1e-30])
def test_the_standard_transform_keeps_numbers_far_below_one_apart(tiny):
    # Hypothesis found it: squares of 1e-216 underflow to 0, so the deviation read as 0 (then 1), and every code
    # rounded to 0 in float32: the column came back as its mean.
    X = pd.DataFrame({"x": [0.0, 0.0, 0.0, tiny]})
    codec = TabularCodec(numeric_transform="standard").fit(X)
    back = codec.inverse_transform(codec.transform(X))["x"].to_numpy()
    np.testing.assert_allclose(back, X["x"].to_numpy(), rtol=0, atol=tiny * 2.0 ** -20)
