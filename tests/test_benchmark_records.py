"""benchmarks/keel.py --records / --reuse: a slow method measured once is joined to later runs, never silently."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import keel  # noqa: E402  (the benchmarks are scripts, not a package)
import keel_records  # noqa: E402
from keel_data import Dataset  # noqa: E402


@pytest.fixture
def fake_keel(monkeypatch):
    """keel.py on one small made-up table named like a binary-suite set, with every fold's methods recorded."""
    X, y = make_classification(120, 4, n_informative=3, n_redundant=0, weights=[0.8], random_state=0)
    monkeypatch.setattr(keel, "load", lambda name: Dataset(name, "binary", X.astype(float), y, [False] * 4))
    calls = []
    run_fold = keel.run_fold
    monkeypatch.setattr(keel, "run_fold", lambda d, i, tr, te, methods, *rest: (
        calls.append((d.name, i, list(methods))), run_fold(d, i, tr, te, methods, *rest))[1])
    return calls


def _means(output: str, method: str) -> str:
    """The row of ``method`` in the table of mean metrics, without its rank column."""
    row = re.search(rf"^\| {re.escape(method)} \|.*$", output, re.MULTILINE).group(0)
    return row.rsplit("|", 2)[0]


def test_reused_methods_are_reported_not_run_and_augan_always_runs(fake_keel, tmp_path, capsys):
    common = ["--datasets", "ecoli1", "--folds", "2", "--no-results"]
    keel.main([*common, "--methods", "none", "RandomOverSampler", "--records", str(tmp_path / "a")])
    first = capsys.readouterr().out
    assert fake_keel == [("ecoli1", 0, ["none", "RandomOverSampler"]), ("ecoli1", 1, ["none", "RandomOverSampler"])]
    fake_keel.clear()

    variant = "augan[epochs=1;batch_size=32]"
    keel.main([*common, "--methods", "none", "RandomOverSampler", variant, "--reuse", str(tmp_path / "a"),
               "--records", str(tmp_path / "b")])
    second = capsys.readouterr().out
    assert sorted(fake_keel) == [("ecoli1", 0, [variant]), ("ecoli1", 1, [variant])]
    assert _means(second, "RandomOverSampler") == _means(first, "RandomOverSampler")
    assert "RandomOverSampler, none: 2 folds each reused from the records of commit" in second
    assert f", made on {keel.hardware()} (1 job(s) x 1 thread(s), a run of " in second
    # The new records hold what this run measured, not what it reused.
    assert set(keel_records.load([tmp_path / "b"], "binary", ["ecoli1"], 2, ["none", "RandomOverSampler"], 300,
                                 keel_records.fingerprint()).samplers["method"]) == set()


def test_a_records_folder_of_an_earlier_run_is_refused_before_any_fold_runs(fake_keel, tmp_path):
    _records(tmp_path / "r")
    before = (tmp_path / "r" / "keel-binary-scores.csv").read_bytes()
    with pytest.raises(SystemExit, match="already holds the records of a run"):
        keel.main(["--datasets", "ecoli1", "--folds", "1", "--methods", "none", "--records", str(tmp_path / "r"),
                   "--no-results"])
    assert fake_keel == []
    assert (tmp_path / "r" / "keel-binary-scores.csv").read_bytes() == before


def _records(folder: Path, methods=("none", "CTGAN", "augan"), folds=2, **facts) -> None:
    scores = [{"dataset": "ecoli1", "fold": f, "method": m, "classifier": c, "balanced_accuracy": 0.5, "g_mean": 0.5,
               "f1": 0.5, "roc_auc": 0.5} for f in range(folds) for m in methods for c in ("LR", "kNN", "DT")]
    samplers = [{"dataset": "ecoli1", "fold": f, "method": m, "status": "ok", "message": "", "seconds": 1.0,
                 "added": 3} for f in range(folds) for m in methods]
    facts = {"commit": "abc1234", "jobs": 2, "threads": 1, "ctgan_epochs": 300,
             "fingerprint": keel_records.fingerprint(), **facts}
    keel_records.write(folder, "binary", pd.DataFrame(scores), pd.DataFrame(samplers), **facts)


def test_load_keeps_the_asked_folds_and_methods_but_never_augans(tmp_path):
    _records(tmp_path / "r", folds=3)
    reused = keel_records.load([tmp_path / "r"], "binary", ["ecoli1"], 2, ["none", "CTGAN", "augan"], 300,
                               keel_records.fingerprint())
    assert sorted(set(map(tuple, reused.samplers[["method", "fold"]].values))) == [
        ("CTGAN", 0), ("CTGAN", 1), ("none", 0), ("none", 1)]
    assert len(reused.scores) == 4 * 3
    assert reused.covers("ecoli1", 1, "CTGAN") and not reused.covers("ecoli1", 1, "augan")
    assert not reused.covers("ecoli1", 2, "CTGAN")
    assert reused.notes == [f"CTGAN, none: 2 folds each reused from the records of commit abc1234, made on a machine "
                            f"they do not name (2 job(s) x 1 thread(s); same protocol {keel_records.fingerprint()}); "
                            "their resampling seconds are from that run"]
    other = keel_records.load([tmp_path / "r"], "binary", ["glass1"], 2, ["CTGAN"], 300, keel_records.fingerprint())
    assert len(other.samplers) == 0 and other.notes == []


def test_reused_scores_are_the_written_values_to_the_last_bit(tmp_path):
    # A float read back one unit in the last place off ranks a reused method against a fresh one by chance where
    # the two tie (the same fold-mean balanced accuracy of a data set is common).
    values = np.random.default_rng(0).random(6 * 3 * 2)
    _records(tmp_path / "r", methods=("none", "CTGAN"), folds=3)
    frame = pd.read_csv(tmp_path / "r" / "keel-binary-scores.csv")
    frame["g_mean"] = values[:len(frame)]
    frame.to_csv(tmp_path / "r" / "keel-binary-scores.csv", index=False)
    reused = keel_records.load([tmp_path / "r"], "binary", ["ecoli1"], 3, ["none", "CTGAN"], 300,
                               keel_records.fingerprint())
    assert reused.scores["g_mean"].tolist() == values[:len(frame)].tolist()
    # The assertion above can fail only under pandas 2 (the bench venv's); the test venv's pandas 3 reads exactly.
    assert keel_records.exact_float_options("2.3.3") == {"float_precision": "round_trip"}
    assert keel_records.exact_float_options("3.1.1") == {}


@pytest.mark.parametrize(("facts", "epochs", "message"), [
    ({"fingerprint": "0123456789abcdef"}, 300, "made under protocol 0123456789abcdef"),
    ({}, 10, "CTGAN trained 300 epochs, this run asks for 10"),
])
def test_load_refuses_records_of_another_protocol(tmp_path, facts, epochs, message):
    _records(tmp_path / "r", **facts)
    with pytest.raises(SystemExit, match=message):
        keel_records.load([tmp_path / "r"], "binary", ["ecoli1"], 2, ["CTGAN"], epochs, keel_records.fingerprint())


def test_load_refuses_a_folder_without_protocol_and_a_fold_given_twice(tmp_path):
    _records(tmp_path / "r")
    shutil.copytree(tmp_path / "r", tmp_path / "copy")
    fingerprint = keel_records.fingerprint()
    with pytest.raises(SystemExit, match="CTGAN on ecoli1 fold 0 is in more than one"):
        keel_records.load([tmp_path / "r", tmp_path / "copy"], "binary", ["ecoli1"], 2, ["CTGAN"], 300, fingerprint)
    (tmp_path / "copy" / keel_records.PROTOCOL_FILE).unlink()
    with pytest.raises(SystemExit, match="no protocol.json"):
        keel_records.load([tmp_path / "copy"], "binary", ["ecoli1"], 2, ["CTGAN"], 300, fingerprint)


def _protocol_copy(tmp_path: Path) -> Path:
    root = tmp_path / "benchmarks"
    root.mkdir()
    for name in ("keel.py", "keel_data.py", "keel_data_dev.py", "keel_methods.py"):
        shutil.copy(BENCHMARKS / name, root / name)
    return root


@pytest.mark.parametrize(("file", "old", "new", "same"), [
    ("keel.py", "def report(", "def report_renamed(", True),
    ("keel.py", "FULL_CTGAN_EPOCHS = 300", "FULL_CTGAN_EPOCHS = 301", True),
    ("keel_methods.py", "random_state=seed, **own)", "random_state=seed + 1, **own)", True),
    ("keel_methods.py", "protocol=4)", "protocol=5)", True),
    ("keel.py", 'KNeighborsClassifier(5)', 'KNeighborsClassifier(3)', False),
    ("keel.py", "N_SPLITS, N_REPEATS = 5, 2", "N_SPLITS, N_REPEATS = 5, 3", False),
    ("keel_methods.py", "RandomOverSampler(random_state=fold.seed)", "RandomOverSampler(random_state=1)", False),
    ("keel_data.py", '"ecoli1", ', '"ecoli2", ', False),
])
def test_fingerprint_follows_what_decides_the_scores_of_methods_other_than_augan(tmp_path, file, old, new, same):
    root = _protocol_copy(tmp_path)
    before = keel_records.fingerprint(root)
    assert before == keel_records.fingerprint(BENCHMARKS)
    text = (root / file).read_text()
    assert old in text
    (root / file).write_text(text.replace(old, new))
    assert (keel_records.fingerprint(root) == before) is same


def test_the_development_data_counts_for_the_development_suites_only(tmp_path):
    root = _protocol_copy(tmp_path)
    base, dev = keel_records.fingerprint(root), keel_records.fingerprint(root, dev=True)
    assert base != dev
    text = (root / "keel_data_dev.py").read_text()
    (root / "keel_data_dev.py").write_text(text.replace('"cleveland", ', '"tae", '))
    assert keel_records.fingerprint(root) == base  # the committed records of the benchmark's suites stay usable
    assert keel_records.fingerprint(root, dev=True) != dev


def test_one_records_folder_holds_each_suites_fingerprint(tmp_path):
    base, dev = keel_records.fingerprint(), keel_records.fingerprint(dev=True)
    _records(tmp_path / "r")
    row = {"fold": 0, "method": "CTGAN"}
    scores = pd.DataFrame([{"dataset": "zoo", **row, "classifier": "LR", "balanced_accuracy": 0.5, "g_mean": 0.5,
                            "f1": 0.5, "roc_auc": 0.5}])
    samplers = pd.DataFrame([{"dataset": "zoo", **row, "status": "ok", "message": "", "seconds": 1.0, "added": 3}])
    keel_records.write(tmp_path / "r", "multiclass-dev", scores, samplers, commit="abc1234", jobs=2, threads=1,
                       ctgan_epochs=300, fingerprint=dev)
    assert len(keel_records.load([tmp_path / "r"], "binary", ["ecoli1"], 2, ["CTGAN"], 300, base).samplers) == 2
    assert len(keel_records.load([tmp_path / "r"], "multiclass-dev", ["zoo"], 2, ["CTGAN"], 300, dev).samplers) == 1
    with pytest.raises(SystemExit, match=f"its multiclass-dev records were made under protocol {dev}"):
        keel_records.load([tmp_path / "r"], "multiclass-dev", ["zoo"], 2, ["CTGAN"], 300, base)


def test_records_written_with_one_fingerprint_for_the_run_are_still_read(tmp_path):
    # The committed records (benchmarks/records/) were written before each suite had its own fingerprint.
    _records(tmp_path / "r")
    protocol = tmp_path / "r" / keel_records.PROTOCOL_FILE
    facts = json.loads(protocol.read_text())
    facts["fingerprint"] = facts.pop("fingerprints")["binary"]
    protocol.write_text(json.dumps(facts))
    fingerprint = keel_records.fingerprint()
    assert len(keel_records.load([tmp_path / "r"], "binary", ["ecoli1"], 2, ["CTGAN"], 300, fingerprint).samplers)
    facts["fingerprint"] = "0123456789abcdef"
    protocol.write_text(json.dumps(facts))
    with pytest.raises(SystemExit, match="made under protocol 0123456789abcdef"):
        keel_records.load([tmp_path / "r"], "binary", ["ecoli1"], 2, ["CTGAN"], 300, fingerprint)


def test_records_of_a_protocol_fingerprint_are_rejected_once_the_packages_differ(tmp_path, monkeypatch):
    before = keel_records.fingerprint()
    real = keel_records.metadata.version
    monkeypatch.setattr(keel_records.metadata, "version",
                        lambda name: "0.0" if name == "scikit-learn" else real(name))
    assert keel_records.fingerprint() != before
    assert keel_records.depends_on_augan("augan[epochs=1]") and keel_records.depends_on_augan("augan")
    assert not keel_records.depends_on_augan("CTGAN")


def test_a_screen_takes_augans_folds_from_the_records_and_runs_only_its_new_variant(fake_keel, tmp_path, capsys):
    _records(tmp_path / "r", methods=("none", "augan"))
    variant = "augan[epochs=1;batch_size=32]"
    keel.main(["--datasets", "ecoli1", "--folds", "2", "--no-results", "--methods", "none", "augan", variant,
               "--reuse", str(tmp_path / "r"), "--reuse-augan"])
    out = capsys.readouterr().out
    assert sorted(fake_keel) == [("ecoli1", 0, [variant]), ("ecoli1", 1, [variant])]
    assert "augan, none: 2 folds each reused from the records of commit abc1234" in out
    assert "| augan | 0.500 | 0.500 | 0.500 | 0.500 |" in out  # the recorded scores
    variants = out.split("### augan's variants against the default", 1)[1].split("\n###", 1)[0]
    assert re.search(rf"^\| {re.escape(variant)} \| 1 \| ", variants, re.MULTILINE)


def test_reusing_augans_folds_needs_reuse_folders(capsys):
    with pytest.raises(SystemExit):
        keel.parse_args(["--methods", "augan", "--reuse-augan"])
    assert "--reuse-augan needs --reuse folders" in capsys.readouterr().err


def test_a_section_is_written_from_augans_records_only_when_their_augan_is_this_checkouts(fake_keel, tmp_path,
                                                                                           monkeypatch):
    _records(tmp_path / "r", methods=("none", "augan"))
    written = []
    monkeypatch.setattr(keel, "update_section", lambda name, text: written.append((name, text)))
    monkeypatch.setattr(keel_records, "augan_code", lambda commit=None: {None: "here", "abc1234": "old"}[commit])
    run = ["--datasets", "ecoli1", "--folds", "2", "--methods", "none", "augan", "--reuse", str(tmp_path / "r"),
           "--reuse-augan"]
    with pytest.raises(SystemExit, match="augan's folds of commit abc1234 were made by other augan code"):
        keel.main(run)
    assert fake_keel == [] and written == []
    monkeypatch.setattr(keel_records, "augan_code", lambda commit=None: "here")
    keel.main(run)
    assert fake_keel == []
    [(name, text)] = written
    assert name == "keel-binary-partial"
    assert "augan, none: 2 folds each reused from the records of commit abc1234" in text


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_augan_code_is_the_same_across_docstrings_and_comments_and_differs_with_the_code(tmp_path):
    (tmp_path / "augan").mkdir()
    (tmp_path / "benchmarks").mkdir()
    module = tmp_path / "augan" / "m.py"
    module.write_text('"""A module."""\n\n\ndef f(x):\n    """Twice."""\n    return 2 * x\n')
    methods = tmp_path / "benchmarks" / "keel_methods.py"
    methods.write_text("def _augan(fold):\n    return fold\n\n\ndef other():\n    return 1\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "first")
    first = _git(tmp_path, "rev-parse", "--short", "HEAD")
    code = keel_records.augan_code(first, tmp_path)
    assert code is not None and keel_records.augan_code(None, tmp_path) == code

    module.write_text('"""The module, described again."""\n\n\ndef f(x):  # doubles\n    return 2 * x\n')
    methods.write_text("def _augan(fold):\n    return fold\n\n\ndef other():\n    return 2\n")
    assert keel_records.augan_code(None, tmp_path) == code  # no augan function of keel_methods.py changed
    module.write_text('"""A module."""\n\n\ndef f(x):\n    """Twice."""\n    return 3 * x\n')
    assert keel_records.augan_code(None, tmp_path) != code
    module.write_text('"""A module."""\n\n\ndef f(x):\n    """Twice."""\n    return 2 * x\n')
    methods.write_text("def _augan(fold):\n    return fold + 1\n")
    assert keel_records.augan_code(None, tmp_path) != code
    methods.write_text("def _augan(fold):\n    return fold\n")
    (tmp_path / "augan" / "new.py").write_text("")
    assert keel_records.augan_code(None, tmp_path) != code  # a new file of the package counts
    assert keel_records.augan_code("0" * 40, tmp_path) is None


def test_reused_methods_of_one_run_share_one_note_and_other_runs_have_their_own(tmp_path):
    _records(tmp_path / "a", methods=("none", "CTGAN"))
    _records(tmp_path / "b", methods=("SMOTE",), commit="def5678", jobs=1)
    notes = keel_records.load([tmp_path / "a", tmp_path / "b"], "binary", ["ecoli1"], 2, ["none", "CTGAN", "SMOTE"],
                              300, keel_records.fingerprint()).notes
    assert [note.split(", made on")[0] for note in notes] == [
        "CTGAN, none: 2 folds each reused from the records of commit abc1234",
        "SMOTE: 2 folds reused from the records of commit def5678"]
    assert "(1 job(s) x 1 thread(s)" in notes[1]


def test_a_reused_runs_note_gives_its_wall_when_its_records_hold_it(tmp_path):
    _records(tmp_path / "a", methods=("none",), wall=1798)
    _records(tmp_path / "b", methods=("SMOTE",), commit="def5678")  # written before records held their wall
    notes = keel_records.load([tmp_path / "a", tmp_path / "b"], "binary", ["ecoli1"], 2, ["none", "SMOTE"], 300,
                              keel_records.fingerprint()).notes
    by_method = {note.split(":")[0]: note for note in notes}
    assert "(2 job(s) x 1 thread(s), a run of 1,798 s; same protocol" in by_method["none"]
    assert "(2 job(s) x 1 thread(s); same protocol" in by_method["SMOTE"]


def test_a_run_that_reuses_every_fold_says_so_instead_of_its_wall_and_its_records_keep_the_wall(
        fake_keel, tmp_path, monkeypatch):
    common = ["--datasets", "ecoli1", "--folds", "2", "--methods", "none"]
    keel.main([*common, "--no-results", "--records", str(tmp_path / "a")])
    assert isinstance(json.loads((tmp_path / "a" / "protocol.json").read_text())["wall"], int)
    written = []
    monkeypatch.setattr(keel, "update_section", lambda name, text: written.append(text))
    keel.main([*common, "--reuse", str(tmp_path / "a")])
    [text] = written
    assert "no fold run here: every fold reused (the machine above only wrote this section" in text
    assert "wall 0 s" not in text


def test_records_name_their_machine_and_runs_on_other_machines_get_their_own_notes(tmp_path):
    _records(tmp_path / "a", methods=("none",), machine="2 cores (AMD EPYC), GPU: none")
    _records(tmp_path / "b", methods=("SMOTE",), machine="2 cores (Intel(R) Xeon(R) Processor), GPU: none")
    notes = keel_records.load([tmp_path / "a", tmp_path / "b"], "binary", ["ecoli1"], 2, ["none", "SMOTE"], 300,
                              keel_records.fingerprint()).notes
    by_method = {note.split(":")[0]: note for note in notes}  # one run: one note; two machines: two runs
    assert len(notes) == 2
    assert ("none: 2 folds reused from the records of commit abc1234, made on 2 cores (AMD EPYC), GPU: none (2 "
            "job(s) x 1 thread(s);") in by_method["none"]
    assert "made on 2 cores (Intel(R) Xeon(R) Processor), GPU: none (2 job(s)" in by_method["SMOTE"]


def test_a_screen_fitting_augan_beside_augan_folds_of_another_machine_says_so(fake_keel, tmp_path, capsys,
                                                                              monkeypatch):
    _records(tmp_path / "r", methods=("none", "augan"), machine="2 cores (AMD EPYC), GPU: none")
    monkeypatch.setattr(keel, "hardware", lambda: "2 cores (Intel(R) Xeon(R) Processor), GPU: none")
    screen = ["--datasets", "ecoli1", "--folds", "1", "--no-results", "--reuse", str(tmp_path / "r"), "--reuse-augan"]
    keel.main([*screen, "--methods", "none", "augan", "augan[epochs=1;batch_size=32]"])
    captured = capsys.readouterr()
    said = ("augan's reused folds were made on 2 cores (AMD EPYC), GPU: none, this run's augan fits on 2 cores "
            "(Intel(R) Xeon(R) Processor), GPU: none")
    assert said in captured.err and f"- {said}" in captured.out  # warned before the run, noted in the section

    keel.main([*screen, "--methods", "none", "augan"])  # nothing of augan's fitted here: nothing paired
    assert "augan's reused folds were made on" not in capsys.readouterr().out
    monkeypatch.setattr(keel, "hardware", lambda: "2 cores (AMD EPYC), GPU: none")
    keel.main([*screen, "--methods", "none", "augan", "augan[epochs=1;batch_size=32]"])  # the records' machine
    assert "augan's reused folds were made on" not in capsys.readouterr().out


def test_the_cross_machine_note_names_records_without_a_machine():
    assert keel.cross_machine_note({"m"}, "m") is None and keel.cross_machine_note(set(), "m") is None
    note = keel.cross_machine_note({"", "m"}, "m")
    assert note.startswith("augan's reused folds were made on a machine the records do not name, this run's")
