"""What the metrics return: small frozen dataclasses, each with the ``to_dict`` a JSON report holds.

``to_dict`` gives plain values in a fixed key order (the order of the report's tables); ``from_dict`` reads
that dict back and refuses one with missing or unknown keys, so a renamed field fails when a report is built
or read, not when one of its tables is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any


def _read(cls: type, data: Mapping[str, Any], **nested: Callable[[Any], Any]) -> Any:
    """``cls`` built from ``data``, whose keys must be its fields; ``nested`` reads the fields that hold results."""
    if not isinstance(data, Mapping):
        raise TypeError(f"{cls.__name__} is read from a dict, got {type(data).__name__}.")
    names = [f.name for f in fields(cls)]
    required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
    missing = [name for name in names if name in required and name not in data]
    unknown = [key for key in data if key not in names]
    if missing or unknown:
        raise ValueError(f"{cls.__name__} does not match these results: missing {missing}, unknown {unknown}.")
    return cls(**{name: nested[name](data[name]) if name in nested else data[name] for name in names
                  if name in data})


def _optional(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else read(value)


def _plain(value: Any) -> Any:
    if isinstance(value, _Result):
        return value.to_dict()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class _Result:
    """``to_dict`` and ``from_dict`` of every result; ``_nested`` reads the fields that hold results themselves."""

    _nested: dict[str, Callable[[Any], Any]] = {}

    def to_dict(self) -> dict[str, Any]:
        """Plain values, in field order."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Read what :meth:`to_dict` wrote; missing or unknown keys raise ValueError."""
        return _read(cls, data, **cls._nested)


@dataclass(frozen=True)
class MeanCI(_Result):
    """A mean with its two-sided 95% t-interval over ``n`` values; the bounds are None below two values."""

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


@dataclass(frozen=True)
class GainEntry(_Result):
    """One cell of the gain table: a metric of a method and classifier, and its paired differences."""

    method: str
    classifier: str
    metric: str
    score: MeanCI
    vs_none: MeanCI | None
    vs_smote: MeanCI | None

    _nested = {"vs_none": _optional(MeanCI.from_dict), "vs_smote": _optional(MeanCI.from_dict)}

    def to_dict(self) -> dict[str, Any]:
        """The score's fields inline beside ``method``, ``classifier`` and ``metric``, then the differences."""
        data = super().to_dict()
        return {"method": self.method, "classifier": self.classifier, "metric": self.metric, **data.pop("score"),
                "vs_none": data["vs_none"], "vs_smote": data["vs_smote"]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GainEntry:
        """Read what :meth:`to_dict` wrote; missing or unknown keys raise ValueError."""
        data = dict(data)
        score = MeanCI.from_dict({f.name: data.pop(f.name) for f in fields(MeanCI) if f.name in data})
        return _read(cls, {**data, "score": score}, **cls._nested)


@dataclass(frozen=True)
class GainSetup(_Result):
    """How the downstream gain was measured."""

    methods: list[str]
    sampler: str | None
    sampler_repr: str | None
    classifiers: dict[str, str]
    cv: int
    n_repeats: int
    n_folds: int
    metrics: list[str]
    positive_class: Any
    smote_variant: str | None
    f1: str
    auc_average: str
    interval: str


@dataclass(frozen=True)
class DownstreamGain(_Result):
    """What :func:`~augan.metrics.utility.downstream_gain` measured.

    Attributes
    ----------
    setup : GainSetup
    folds : list of dict
        One record per fold, method and classifier: ``repeat``, ``fold``, ``n_test``, ``method``, ``n_train``,
        ``classifier`` and each metric.
    table : list of GainEntry
        Per method, classifier (``"all"`` is the per-fold mean over classifiers) and metric.
    history : list of dict or None
        The per-epoch training history of the first GAN fitted in the folds; not part of :meth:`to_dict`
        (a report keeps it under ``training``).
    """

    setup: GainSetup
    folds: list[dict[str, Any]]
    table: list[GainEntry]
    history: list[dict[str, Any]] | None = None

    _nested = {"setup": GainSetup.from_dict, "folds": list,
               "table": lambda rows: [GainEntry.from_dict(row) for row in rows]}

    def entry(self, method: str, classifier: str, metric: str) -> GainEntry | None:
        """The table's entry for this method, classifier and metric, or None when there is none."""
        return next((e for e in self.table if (e.method, e.classifier, e.metric) == (method, classifier, metric)),
                    None)

    def to_dict(self) -> dict[str, Any]:
        """``setup``, ``folds`` and ``table`` as plain values."""
        data = super().to_dict()
        del data["history"]
        return data


@dataclass(frozen=True)
class FidelityScores(_Result):
    """FID, KID and precision / recall of one comparison; all None (and a ``note``) for sets under 2 items."""

    n_real: int
    n_synthetic: int
    fid: float | None
    kid_mean: float | None
    kid_std: float | None
    precision: float | None
    recall: float | None
    f_score: float | None
    kid_subset_size: int | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Every field; ``note`` only when there is one."""
        data = super().to_dict()
        if self.note is None:
            del data["note"]
        return data


@dataclass(frozen=True)
class Fidelity(_Result):
    """What :func:`~augan.metrics.fidelity.fidelity_scores` measured, overall and per class (label as text)."""

    extractor: str
    feature_layer: str
    comparable: str
    overall: FidelityScores
    per_class: dict[str, FidelityScores]

    _nested = {"overall": FidelityScores.from_dict,
               "per_class": lambda found: {label: FidelityScores.from_dict(v) for label, v in found.items()}}


@dataclass(frozen=True)
class C2STClassifier(_Result):
    """One classifier of a two-sample test: its mean AUC over folds with the 95% interval."""

    auc: float
    ci_low: float | None
    ci_high: float | None
    fold_aucs: list[float]
    detection_score: float

    _nested = {"fold_aucs": list}

    @property
    def interval(self) -> MeanCI:
        """The mean AUC and its interval as a :class:`MeanCI`."""
        return MeanCI(self.auc, self.ci_low, self.ci_high, len(self.fold_aucs))


@dataclass(frozen=True)
class C2ST(_Result):
    """What :func:`~augan.metrics.detection.c2st` measured; ``auc`` is the best classifier's."""

    auc: float
    detection_score: float
    n_real: int
    n_synthetic: int
    conditional: bool
    cv: int
    classifiers: dict[str, C2STClassifier]

    _nested = {"classifiers": lambda found: {name: C2STClassifier.from_dict(v) for name, v in found.items()}}


@dataclass(frozen=True)
class DiscriminatorAUC(_Result):
    """What :func:`~augan.metrics.detection.discriminator_auc` measured."""

    auc: float
    n_real: int
    n_synthetic: int
    held_out: bool


@dataclass(frozen=True)
class Quantiles(_Result):
    """5th percentile, median and mean of a set of distances."""

    p5: float
    median: float
    mean: float


@dataclass(frozen=True)
class Privacy(_Result):
    """What :func:`~augan.metrics.detection.privacy_scores` measured (see there for each field)."""

    dcr_synthetic: Quantiles
    dcr_real: Quantiles
    reference: str
    median_ratio: float | None
    share_closer_than_real_p5: float
    exact_copies: int
    exact_copy_share: float
    real_exact_share: float
    copies_flagged: bool
    n_train: int
    n_synthetic: int
    n_real_reference: int

    _nested = {"dcr_synthetic": Quantiles.from_dict, "dcr_real": Quantiles.from_dict}


@dataclass(frozen=True)
class Quality(_Result):
    """The quality part of :func:`augan.evaluate`: where the judged GAN came from, its scores, and which synthetic
    rows they describe.

    ``synthetic`` says how the scored rows were made: ``drawn_by`` ("sampler": the rows a clone of the
    GANOversampler adds, with its ``noise_scale``, ``selection``, ``candidates``, ``smote_share`` and
    ``interpolation``; "model": the given CGAN's own draws), ``n_generated``, ``n_interpolated`` and
    ``n_copies_left_out`` (real rows the sampler copies, not scored). None in reports written before it existed.
    """

    source: str
    n_train: int
    n_holdout: int
    fidelity: Fidelity
    c2st: C2ST
    discriminator: DiscriminatorAUC
    privacy: Privacy
    synthetic: dict | None = None

    _nested = {"fidelity": Fidelity.from_dict, "c2st": C2ST.from_dict, "discriminator": DiscriminatorAUC.from_dict,
               "privacy": Privacy.from_dict}
