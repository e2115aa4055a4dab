"""The data codec contract, and the one registry from which :class:`~augan.CGAN` and its model file choose codecs.

A codec turns the user's data into the float32 arrays the networks see and generated arrays back into the
user's types: :class:`~augan.data.tabular.TabularCodec` for tables, :class:`~augan.data.images.ImageCodec`
for image arrays. :func:`make_codec` picks one for an input, :func:`codec_state` and :func:`codec_from_state`
write and rebuild a fitted one under its registry name; a new kind of data is one class and one
:func:`register_codec`.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from .columns import Span
from .images import ImageCodec
from .tabular import TabularCodec


@runtime_checkable
class Codec(Protocol):
    """What :class:`~augan.CGAN` needs of a data codec.

    Attributes
    ----------
    kind : str
        Class attribute: the codec's name in :data:`CODECS` and in model files.
    n_features_in_ : int
        Values per sample as given to ``fit``.
    feature_names_in_ : ndarray of str, or None
        Column names, when the data had them.
    input_shape_ : tuple of int
        The shape of one sample as given to ``fit``.
    sample_shape_ : tuple of int
        The shape of one encoded sample: ``(width,)`` for a table, ``(C, H, W)`` for images.
    spans_ : list of Span, or None
        The layout of an encoded sample for the generator's output heads; None: a single tanh output.
    """

    kind: ClassVar[str]
    n_features_in_: int
    feature_names_in_: np.ndarray | None
    input_shape_: tuple[int, ...]
    sample_shape_: tuple[int, ...]
    spans_: list[Span] | None

    @staticmethod
    def accepts(X: Any) -> bool:
        """Whether ``X`` is data of this codec's kind."""

    def fit(self, X: Any) -> Codec:
        """Learn the encoding of ``X``."""

    def transform(self, X: Any) -> np.ndarray:
        """``X`` as a float32 array of shape ``(n, *sample_shape_)``."""

    def inverse_transform(self, Z: Any) -> Any:
        """Encoded samples ``(n, *sample_shape_)`` back in the container, layout and dtypes given to ``fit``."""

    def get_state(self) -> dict:
        """The fitted codec as plain values."""

    @classmethod
    def from_state(cls, state: dict) -> Codec:
        """Rebuild a fitted codec from :meth:`get_state`."""


class UnknownCodecError(ValueError):
    """A codec state names a kind that is not in :data:`CODECS`."""


CODECS: dict[str, type] = {}
_METHODS = ("accepts", "fit", "transform", "inverse_transform", "get_state", "from_state")


def register_codec(cls: type) -> type:
    """Add a codec class to :data:`CODECS` under its ``kind``; :func:`make_codec` tries it before those
    registered earlier.

    Raises
    ------
    TypeError
        If ``cls`` lacks a ``kind`` name or a method of :class:`Codec`.
    ValueError
        If another class is registered under that ``kind``.
    """
    kind = getattr(cls, "kind", None)
    missing = [name for name in _METHODS if not callable(getattr(cls, name, None))]
    if not isinstance(kind, str) or missing:
        raise TypeError(f"a codec needs a kind name and the methods {_METHODS}; {cls!r} lacks "
                        f"{missing or ['kind']}.")
    if kind in CODECS and CODECS[kind] is not cls:
        raise ValueError(f"a codec of kind {kind!r} is registered already ({CODECS[kind].__name__}).")
    CODECS[kind] = cls
    return cls


register_codec(TabularCodec)  # accepts anything: tried last
register_codec(ImageCodec)


def make_codec(X: Any, **params: Any) -> Codec:
    """An unfitted codec for ``X``: the last registered whose ``accepts(X)`` is true (images before tables).

    ``params`` go to its constructor, those it does not take left out (``numeric_transform`` is a table's).

    Raises
    ------
    TypeError
        If a parameter is taken by no registered codec.
    """
    unknown = sorted(set(params) - {name for cls in CODECS.values() for name in inspect.signature(cls).parameters})
    if unknown:
        raise TypeError(f"no codec takes the parameter(s) {unknown}.")
    cls = next(cls for cls in reversed(CODECS.values()) if cls.accepts(X))
    taken = inspect.signature(cls).parameters
    return cls(**{name: value for name, value in params.items() if name in taken})


def categorical_share(codec: Codec) -> float:
    """Share of a fitted codec's modelled columns that are categorical: a table's ``categorical_share_``, 0 for any
    other kind of data."""
    return getattr(codec, "categorical_share_", 0.0) if codec.kind == "tabular" else 0.0


def codec_state(codec: Codec) -> dict:
    """A fitted codec as plain values: ``{"kind": its registry name, "state": its get_state()}``."""
    return {"kind": codec.kind, "state": codec.get_state()}


def codec_from_state(content: Any) -> Codec:
    """Rebuild the fitted codec that :func:`codec_state` wrote.

    Raises
    ------
    UnknownCodecError
        A ValueError: the codec kind is not one of :data:`CODECS` (the message lists them).
    KeyError, TypeError, ValueError
        If the state does not describe a codec of its kind.
    """
    kind = content.get("kind") if isinstance(content, dict) else None
    if not isinstance(kind, str) or kind not in CODECS:
        raise UnknownCodecError(f"codec kind {kind!r} is unknown (known: {', '.join(map(repr, sorted(CODECS)))}).")
    return CODECS[kind].from_state(content["state"])
