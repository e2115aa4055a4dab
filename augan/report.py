"""Report: the results of :func:`augan.evaluate` as a printable summary, JSON, Markdown, or one HTML page.

The results live in a plain dict (``Report.results``) that is exactly what ``to_json`` writes, read into the
dataclasses of :mod:`augan.metrics.results` (``Report.utility``, ``Report.quality``) that the tables and
figures use, so results that do not match them are refused when the report is built. Figures for
the HTML page (training curves, real vs synthetic marginals and PCA projections, image grids, the gain
chart) are drawn with matplotlib's Agg canvas from the data the report keeps beside the results, and
embedded as base64 PNG, so the page is one file with nothing to fetch.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .storage import atomic_output
from .metrics.results import (C2ST, DiscriminatorAUC, DownstreamGain, Fidelity, FidelityScores, GainEntry, MeanCI,
                              Privacy, Quality, Quantiles)

_METRIC_NAMES = {"balanced_accuracy": "balanced acc.", "g_mean": "G-mean", "f1": "F1", "roc_auc": "ROC-AUC",
                 "pr_auc": "PR-AUC"}
_STYLE = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;
color:#1d2430;padding:0 1em}h1{font-size:1.6em}h2{border-bottom:1px solid #d7dce3;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}th,td{border:1px solid #d7dce3;padding:.3em .6em;
text-align:right}th:first-child,td:first-child{text-align:left}th{background:#eef1f5}caption{text-align:left;
font-weight:600;padding:.3em 0;white-space:nowrap}p.note{color:#55606e;font-size:.9em}figure{margin:1em 0}
img{max-width:100%;
border:1px solid #e3e7ec}figcaption{color:#55606e;font-size:.9em}"""


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(value.to_dict())
    if isinstance(value, dict):
        return {str(k.item() if isinstance(k, np.generic) else k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _fmt(value: Any, digits: int = 3, signed: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(value)
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _pm(entry: MeanCI | None, signed: bool = False) -> str:
    """``mean ± half-width`` of a t-interval (the interval is symmetric)."""
    if entry is None or entry.mean is None:
        return "—"
    if entry.ci_high is None:
        return _fmt(entry.mean, signed=signed)
    return f"{_fmt(entry.mean, signed=signed)} ± {entry.ci_high - entry.mean:.3f}"


def _md_text(text: str) -> str:
    """``text`` as one line of Markdown that shows it as written: its line breaks become spaces (a break would end
    a table row or a list item), and ``&``, ``<`` and ``>`` become entities (raw HTML is live in Markdown)."""
    return " ".join(html.escape(text, quote=False).splitlines())


class _Table:
    def __init__(self, title: str, header: list[str], rows: list[list[str]], note: str = "") -> None:
        self.title, self.header, self.rows, self.note = title, header, rows, note

    def text(self) -> str:
        cells = [self.header] + self.rows
        widths = [max(len(row[j]) for row in cells) for j in range(len(self.header))]

        def line(row: list[str]) -> str:
            return "  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths)))

        body = [line(self.header), "  ".join("-" * w for w in widths)] + [line(r) for r in self.rows]
        return "\n".join([self.title] + body + ([self.note] if self.note else []))

    def markdown(self) -> str:
        def row_line(row: list[str]) -> str:
            return "| " + " | ".join(_md_text(c).replace("|", "\\|") for c in row) + " |"

        lines = [f"**{_md_text(self.title)}**", "", row_line(self.header),
                 "|" + "|".join([":---"] + ["---:"] * (len(self.header) - 1)) + "|"]
        lines += [row_line(row) for row in self.rows]
        return "\n".join(lines + ([f"\n_{_md_text(self.note)}_"] if self.note else []))

    def html(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self.rows)
        note = f'<p class="note">{html.escape(self.note)}</p>' if self.note else ""
        return f"<table><caption>{html.escape(self.title)}</caption><tr>{head}</tr>{body}</table>{note}"


class Report:
    """What :func:`augan.evaluate` found: downstream gain, fidelity, detection and privacy, with figures.

    Parameters
    ----------
    results : dict
        The results (made JSON-safe: numpy values become Python values, NaN becomes None); ``utility`` and
        ``quality`` may be given as :class:`~augan.metrics.results.DownstreamGain` and
        :class:`~augan.metrics.results.Quality` or as the dicts their ``to_dict`` gives.
    artifacts : dict, optional
        Data for the HTML figures, never written to JSON: ``history`` (the GAN's per-epoch losses),
        ``X_real``/``y_real``, ``X_synthetic``/``y_synthetic`` and ``model`` (the fitted CGAN).

    Attributes
    ----------
    results : dict
        What ``to_json`` writes; keys: ``augan_version``, ``data``, ``settings``, ``utility``, ``quality``,
        ``training``, ``notes``.
    utility : DownstreamGain or None
        ``results["utility"]`` as a dataclass.
    quality : Quality or None
        ``results["quality"]`` as a dataclass.

    Raises
    ------
    ValueError
        If ``utility`` or ``quality`` does not have the fields of its dataclass.
    """

    def __init__(self, results: dict, artifacts: dict | None = None) -> None:
        self.results = _jsonable(results)
        self.artifacts = dict(artifacts or {})
        utility, quality = self.results.get("utility"), self.results.get("quality")
        self.utility = DownstreamGain.from_dict(utility) if utility else None
        self.quality = Quality.from_dict(quality) if quality else None

    # ---------------------------------------------------------------- tables
    def _sections(self) -> list[tuple[str, list[_Table], list[_Table]]]:
        """(title, main tables, per-classifier detail tables) of each section the results have."""
        sections = [("Data", [self._data_table()], [])]
        if self.utility:
            sections.append(("Downstream gain", _gain_tables(self.utility, "all"),
                             [t for clf in self.utility.setup.classifiers for t in _gain_tables(self.utility, clf)]))
        if self.quality:
            sections.append(("Quality of the synthetic data", _quality_tables(self.quality), []))
        return sections

    def _data_table(self) -> _Table:
        data = self.results.get("data", {})
        rows = [[str(label), str(count)] for label, count in data.get("classes", {}).items()]
        note = f"{data.get('n_samples')} {'images' if data.get('kind') == 'image' else 'rows'}, " \
               f"{data.get('n_features')} {'pixels' if data.get('kind') == 'image' else 'columns'} each."
        return _Table("Rows per class", ["class", "rows"], rows, note)

    # --------------------------------------------------------------- outputs
    def summary(self) -> str:
        """A plain-text summary: data, gain tables (mean over classifiers), fidelity, detection, privacy."""
        parts = ["augan evaluation"]
        for title, tables, _ in self._sections():
            parts.append(f"\n== {title} ==")
            parts += [t.text() + "\n" for t in tables]
        parts += [f"note: {n}" for n in self.results.get("notes", [])]
        return "\n".join(parts).rstrip() + "\n"

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict:
        """The results as plain JSON-safe values (a copy)."""
        return json.loads(self._json())

    def _json(self) -> str:
        # Insertion order, not sorted keys: it is the order of methods, classifiers and classes in the tables.
        return json.dumps(self.results, indent=2, allow_nan=False)

    def to_markdown(self, path: str | os.PathLike | None = None, overwrite: bool = False) -> str:
        """The report as Markdown, with per-classifier tables; written to ``path`` when given.

        Table cells, titles and notes show their text as written: line breaks become spaces, ``&``, ``<`` and ``>``
        become HTML entities and ``|`` is escaped, so a class label never splits a row or adds live HTML.
        """
        parts = ["# augan evaluation"]
        for title, tables, detail in self._sections():
            parts.append(f"## {title}")
            parts += [t.markdown() for t in tables + detail]
        notes = self.results.get("notes", [])
        if notes:
            parts += ["## Notes", "\n".join(f"- {_md_text(n)}" for n in notes)]
        text = "\n\n".join(parts) + "\n"
        if path is not None:
            _write(path, text, overwrite)
        return text

    def to_json(self, path: str | os.PathLike | None = None, overwrite: bool = False) -> str:
        """The results as JSON; written to ``path`` when given."""
        text = self._json() + "\n"
        if path is not None:
            _write(path, text, overwrite)
        return text

    def to_html(self, path: str | os.PathLike | None = None, overwrite: bool = False) -> str:
        """One self-contained HTML page (tables and embedded PNG figures); written to ``path`` when given."""
        from . import _report_figures  # matplotlib is only needed for the HTML page

        body = ["<h1>augan evaluation</h1>"]
        history = self.artifacts.get("history") or (self.results.get("training") or {}).get("history")
        drawn = _report_figures.draw_all(self.utility, history, self.artifacts)
        sections = self._sections()
        titles = [title for title, _, _ in sections]
        sections += [(title, [], []) for title in dict.fromkeys(s for s, _, _ in drawn) if title not in titles]
        for title, tables, detail in sections:
            body.append(f"<h2>{html.escape(title)}</h2>")
            body += [t.html() for t in tables]
            body += [_figure_html(caption, png) for section, caption, png in drawn if section == title]
            if detail:
                body.append("<details><summary>Per classifier</summary>" + "".join(t.html() for t in detail)
                            + "</details>")
        notes = self.results.get("notes", [])
        if notes:
            body.append("<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
        text = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>augan evaluation</title>'
                f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
        if path is not None:
            _write(path, text, overwrite)
        return text

    def save(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write the report in the format its suffix names: ``.html``/``.htm``, ``.json``, ``.md``/``.markdown``.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (atomically).
        overwrite : bool, default=False
            Replace ``path`` if it is a report augan wrote and nobody changed since.

        Returns
        -------
        Path
            ``path``.

        Raises
        ------
        ValueError
            If the suffix is none of these.
        FileExistsError
            If ``path`` exists and ``overwrite`` is False, or holds a file augan did not write (or that
            changed since augan wrote it: see :func:`augan.storage.written_by_augan`).
        """
        writers = {".html": self.to_html, ".htm": self.to_html, ".json": self.to_json, ".md": self.to_markdown,
                   ".markdown": self.to_markdown}
        suffix = Path(path).suffix.lower()
        if suffix not in writers:
            raise ValueError(f"cannot tell the report format of {path}: use a .html, .json or .md file name.")
        writers[suffix](path, overwrite=overwrite)
        return Path(path)

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> Report:
        """Read a report written by :meth:`to_json` (its figures are then limited to what the results hold)."""
        try:
            results = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} is not a JSON report written by augan: {exc}") from exc
        if not isinstance(results, dict) or "augan_version" not in results:
            raise ValueError(f"{path} is not a JSON report written by augan.")
        return cls(results)


def _gain_tables(utility: DownstreamGain, clf: str) -> list[_Table]:
    setup = utility.setup
    methods, metrics = setup.methods, setup.metrics
    header = ["method"] + [_METRIC_NAMES.get(m, m) for m in metrics]
    who = "mean over classifiers" if clf == "all" else clf
    positive = f" (positive class {setup.positive_class!r})" if setup.positive_class is not None else ""
    note = (f"F1: {setup.f1}; AUCs: {setup.auc_average}{positive}; {setup.cv}-fold CV x "
            f"{setup.n_repeats}." if clf == "all" else "")

    def cell(method: str, metric: str, part: Callable[[GainEntry], MeanCI | None]) -> MeanCI | None:
        entry = utility.entry(method, clf, metric)
        return None if entry is None else part(entry)

    tables = [_Table(f"Scores ({who}; mean ± 95% CI over folds)", header,
                     [[m] + [_pm(cell(m, k, lambda e: e.score)) for k in metrics] for m in methods], note)]
    for base, paired in (("none", lambda e: e.vs_none), ("smote", lambda e: e.vs_smote)):
        if base in methods:
            rows = [[m] + [_pm(cell(m, k, paired), signed=True) for k in metrics]
                    for m in methods if m != base and utility.entry(m, clf, metrics[0]) is not None]
            tables.append(_Table(f"Gain vs {base} ({who}; paired per fold, mean ± 95% CI)", header, rows))
    return tables


def _quality_tables(quality: Quality) -> list[_Table]:
    scored = [_scored_table(quality)] if quality.synthetic else []
    return scored + [_fidelity_table(quality.fidelity), _detection_table(quality.c2st, quality.discriminator),
                     _privacy_table(quality.privacy)]


def _scored_table(quality: Quality) -> _Table:
    made = quality.synthetic
    by = ("the sampler: the rows it adds" if made["drawn_by"] == "sampler"
          else "the model passed in: its own draws")
    rows = [["drawn by", by], ["noise_scale", f"{made['noise_scale']:g}"], ["selection", str(made["selection"])],
            ["candidates per row kept", "—" if made["candidates"] is None else f"{made['candidates']:g}"],
            ["smote_share", f"{made['smote_share']:g}"],
            ["rows drawn by the GAN", str(made["n_generated"])],
            [made_from_real_rows(made["interpolation"]), str(made["n_interpolated"])]]
    if made["n_copies_left_out"]:
        rows.append(["copies of real rows, not scored", str(made["n_copies_left_out"])])
    if made.get("classes_left_alone"):  # reports written before isolated_classes lack the key
        rows.append(["classes given no rows (isolated_classes)", ", ".join(made["classes_left_alone"])])
    return _Table("Synthetic rows scored", ["", "value"], rows, quality.source)


def made_from_real_rows(interpolation: str | None) -> str:
    """What the sampler's ``smote_share`` rows are, by how it made them (``synthetic["interpolation"]``)."""
    if interpolation == "deform":
        return "real images of the class, deformed"
    if interpolation == "latent":
        return "rows interpolated between real rows (the GAN's latent space)"
    return "rows interpolated between real rows"


def _fidelity_table(fidelity: Fidelity) -> _Table:
    rows = [["all classes"] + _fidelity_cells(fidelity.overall)]
    rows += [[label] + _fidelity_cells(entry) for label, entry in fidelity.per_class.items()]
    return _Table(f"Fidelity (feature extractor {fidelity.extractor!r}, layer {fidelity.feature_layer!r})",
                  ["classes", "real", "synthetic", "FID", "KID", "precision", "recall"], rows,
                  f"Lower FID/KID is closer. Comparable {fidelity.comparable}.")


def _detection_table(c2st: C2ST, disc: DiscriminatorAUC) -> _Table:
    rows = [[f"C2ST, {name}", _pm(entry.interval), _fmt(entry.detection_score), f"{c2st.n_real} / {c2st.n_synthetic}"]
            for name, entry in c2st.classifiers.items()]
    rows.append([f"GAN discriminator{' (held-out real rows)' if disc.held_out else ''}", _fmt(disc.auc), "—",
                 f"{disc.n_real} / {disc.n_synthetic}"])
    return _Table("Detection (ROC-AUC of telling real from synthetic)",
                  ["detector", "AUC", "detection score", "real / synthetic"], rows,
                  "AUC 0.5 = indistinguishable, 1.0 = told apart; detection score = 1 - (2 max(AUC, 0.5) - 1).")


def _privacy_table(privacy: Privacy) -> _Table:
    rows = [["synthetic -> train", *_quantile_cells(privacy.dcr_synthetic), _fmt(privacy.exact_copy_share)],
            ["real -> train", *_quantile_cells(privacy.dcr_real), _fmt(privacy.real_exact_share)]]
    flag = ("COPIES FLAGGED: synthetic rows repeat training rows more often than real rows do."
            if privacy.copies_flagged else "No excess of exact copies.")
    return _Table("Privacy: distance to the closest training row (DCR)",
                  ["rows", "DCR p5", "DCR median", "DCR mean", "exact-copy share"], rows,
                  f"real = {privacy.reference}. {flag}")


def _quantile_cells(distances: Quantiles) -> list[str]:
    return [_fmt(distances.p5), _fmt(distances.median), _fmt(distances.mean)]


def _fidelity_cells(entry: FidelityScores) -> list[str]:
    kid = "—" if entry.kid_mean is None else f"{entry.kid_mean:.4g}" + (
        "" if entry.kid_std is None else f" ± {entry.kid_std:.2g}")
    return [str(entry.n_real), str(entry.n_synthetic), _fmt(entry.fid), kid, _fmt(entry.precision),
            _fmt(entry.recall)]


def _figure_html(caption: str, png: str) -> str:
    return (f'<figure><img src="data:image/png;base64,{png}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _write(path: str | os.PathLike, text: str, overwrite: bool) -> None:
    with atomic_output(path, overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
