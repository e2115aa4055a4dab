"""The records of benchmarks/mnist.py, their reuse, and the statistics drawn from them.

A record is one JSON line of ``DIR/records.jsonl``: ``{"kind", "key", "id", "commit", "values"}``.
``kind`` is ``"score"`` (one classifier trained once on one method's training set: the scores on the test
half) or ``"sampler"`` (one resampling: its seconds and the quality of its new images). The ``key`` holds
everything that changes the values: the setting, the method's name and its full configuration, the sampler
seed (None for methods without randomness), the classifier and its seed (None for a deterministic one), and
the epochs the values depend on (``gan_epochs`` for augan's methods, ``cnn_epochs`` for the CNN). The commit is
stored, not keyed: a record made at an earlier commit is reused as it is, and the report names the commits its
records came from, so reuse augan's own records only across commits that did not change augan.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from results import interval

RECORDS_FILE = "records.jsonl"


def record_id(key: dict[str, Any]) -> str:
    """A stable hash of ``key`` (its canonical JSON: sorted keys, no spaces)."""
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class RecordStore:
    """Records read from ``--reuse`` folders and made by this run; new ones are appended to ``--records``.

    ``get`` finds a record by its key; ``add`` keeps a new record and appends it at once (one flushed line),
    so an interrupted run keeps what it finished. A reused record is copied into the ``--records`` folder
    too, unless that folder holds it already, so the folder alone holds every record of the run.
    """

    def __init__(self, folder: Path | None = None, reuse: Iterable[Path] = ()) -> None:
        self.folder = folder
        self.records: dict[str, dict] = {}
        self.origin: dict[str, str] = {}
        for source in reuse:
            path = Path(source) / RECORDS_FILE
            if not path.is_file():
                raise SystemExit(f"--reuse {source}: no {RECORDS_FILE} there.")
            for record in read(path):
                self.records.setdefault(record["id"], record)
                self.origin.setdefault(record["id"], "reused")
        self.written = set()
        if folder is not None and (folder / RECORDS_FILE).is_file():
            self.written = {record["id"] for record in read(folder / RECORDS_FILE)}

    def get(self, key: dict[str, Any]) -> dict | None:
        record = self.records.get(record_id(key))
        if record is not None:
            self._write(record)
        return record

    def add(self, kind: str, key: dict[str, Any], values: dict[str, Any], commit: str) -> dict:
        record = {"kind": kind, "key": key, "id": record_id(key), "commit": commit, "values": values}
        self.records[record["id"]] = record
        self.origin[record["id"]] = "new"
        self._write(record)
        return record

    def _write(self, record: dict) -> None:
        if self.folder is None or record["id"] in self.written:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / RECORDS_FILE, "a") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
            handle.flush()
        self.written.add(record["id"])

    def reused_commits(self, records: Iterable[dict]) -> dict[str, int]:
        """How many of ``records`` were reused, per commit they were made at."""
        counts: dict[str, int] = {}
        for record in records:
            if self.origin.get(record["id"]) == "reused":
                counts[record["commit"]] = counts.get(record["commit"], 0) + 1
        return counts


def read(path: Path) -> list[dict]:
    """The records of one ``records.jsonl`` file; a last line cut short by an interrupted run is skipped."""
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def score_frame(records: Iterable[dict]) -> pd.DataFrame:
    """One row per score record: the key's method, sampler seed, classifier and its seed, then the values.

    A missing seed (a method or classifier without randomness) becomes -1, so that rows pair on it.
    """
    rows = [{"method": r["key"]["method"], "sampler_seed": r["key"]["sampler_seed"],
             "classifier": r["key"]["classifier"], "clf_seed": r["key"]["clf_seed"], **r["values"]}
            for r in records]
    frame = pd.DataFrame(rows)
    if len(frame):
        frame[["sampler_seed", "clf_seed"]] = frame[["sampler_seed", "clf_seed"]].fillna(-1).astype(int)
    return frame


def independent_values(group: pd.DataFrame, column: str) -> pd.Series:
    """The values of ``column`` that are independent draws: one mean per sampler seed, over its classifier seeds.

    Records of one sampler seed share one resampled training set, so they share that seed's effect: taking them as
    separate draws would make the interval too narrow (3 sampler seeds x 3 CNN seeds are 3 draws of the resampler,
    not 9). A method without sampler randomness (one seed, -1) keeps its records: its classifier seeds are then
    the only draws.
    """
    if group["sampler_seed"].nunique() < 2:
        return group[column]
    return group.groupby("sampler_seed")[column].mean()


def summary_rows(scores: pd.DataFrame, methods: list[str], metrics: list[str]) -> list[list]:
    """Per method and classifier: the mean and 95% interval of each metric over its independent draws (sampler
    seeds when there are several, see :func:`independent_values`), the number of draws and of records."""
    rows = []
    for method in methods:
        own = scores[scores["method"] == method]
        for classifier, group in own.groupby("classifier", sort=True):
            draws = independent_values(group, metrics[0])
            rows.append([method, classifier, *(interval(independent_values(group, m)) for m in metrics),
                         f"{len(draws)} / {len(group)}"])
    return rows


def paired_differences(scores: pd.DataFrame, method: str, baseline: str, metric: str) -> pd.DataFrame:
    """``method`` − ``baseline`` on ``metric``, per classifier and (sampler seed, classifier seed) both have."""
    keys = ["classifier", "sampler_seed", "clf_seed"]
    ours = scores.loc[scores["method"] == method, [*keys, metric]]
    theirs = scores.loc[scores["method"] == baseline, [*keys, metric]]
    both = ours.merge(theirs, on=keys, suffixes=("", "_baseline"))
    return both.assign(difference=both[metric] - both[f"{metric}_baseline"])[[*keys, "difference"]]


def difference_rows(scores: pd.DataFrame, methods: list[str], baselines: list[str], metrics: list[str]
                    ) -> list[list]:
    """Per method, baseline and classifier: the mean paired difference of each metric with its 95% interval over
    the sampler seeds (each the mean of its pairs, see :func:`independent_values`), and how many of those the
    method won, beside the number of pairs."""
    rows = []
    for method in methods:
        for baseline in baselines:
            frames = {m: paired_differences(scores, method, baseline, m) for m in metrics}
            first = frames[metrics[0]]
            for classifier in sorted(first["classifier"].unique()):
                own = {m: independent_values(f[f["classifier"] == classifier], "difference")
                       for m, f in frames.items()}
                lead = own[metrics[0]]
                pairs = int((first["classifier"] == classifier).sum())
                rows.append([f"{method} − {baseline}", classifier, *(interval(own[m]) for m in metrics),
                             f"{int(np.sum(lead > 0))} / {len(lead)} ({pairs} pairs)"])
    return rows
