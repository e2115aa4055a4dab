"""benchmarks/results.py: the one writer of RESULTS.md keeps every section but the one it replaces or drops."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import results  # noqa: E402  (the benchmarks are scripts, not a package)


def _keys(path: Path) -> list[str]:
    return re.findall(r"<!-- section: ([\w.-]+) -->", path.read_text())


def test_sections_are_replaced_in_place_and_ordered_full_before_partial(tmp_path):
    path = tmp_path / "RESULTS.md"
    for key in ("mnist", "keel-binary-partial-no-ctgan", "keel-binary-partial", "keel-binary", "keel-mixed"):
        results.update_section(key, f"## {key}\nfirst\n", path)
    results.update_section("keel-binary", "## keel-binary\nsecond\n", path)
    assert _keys(path) == ["keel-binary", "keel-binary-partial", "keel-mixed", "mnist", "keel-binary-partial-no-ctgan"]
    text = path.read_text()
    assert "second" in text and text.count("first") == 4


def test_superseded_sections_are_removed_and_an_unknown_key_changes_nothing(tmp_path):
    path = tmp_path / "RESULTS.md"
    for key in ("keel-binary", "keel-binary-partial", "keel-binary-partial-no-ctgan"):
        results.update_section(key, f"## {key}\n", path)
    results.remove_sections(["keel-binary-partial", "keel-binary-partial-no-ctgan"], path)
    assert _keys(path) == ["keel-binary"]
    before = path.read_text()
    with pytest.raises(KeyError, match="no section"):
        results.remove_sections(["keel-binary", "keel-nothing"], path)
    assert path.read_text() == before


def test_the_command_line_names_a_missing_section_in_one_line(tmp_path, capsys):
    path = tmp_path / "RESULTS.md"
    results.update_section("mnist", "## mnist\n", path)
    with pytest.raises(SystemExit) as exited:
        results.main(["--remove", "speed-cpu"], path)
    assert exited.value.code == 2
    assert "no section ['speed-cpu']" in capsys.readouterr().err
    results.main(["--remove", "mnist"], path)
    assert _keys(path) == []


def test_sections_are_copied_from_another_results_file_and_the_rest_kept(tmp_path):
    run, path = tmp_path / "run" / "RESULTS.md", tmp_path / "RESULTS.md"
    for key in ("keel-binary", "keel-mixed", "speed-cpu"):
        results.update_section(key, f"## {key}\nold\n", path)
    for key in ("keel-binary", "keel-mixed", "mnist"):
        results.update_section(key, f"## {key}\nnew\n", run)
    results.main(["--copy", "keel-binary", "mnist", "--from", str(run)], path)
    sections = dict(re.findall(r"<!-- section: ([\w.-]+) -->\n## [\w.-]+\n(\w+)\n", path.read_text()))
    assert sections == {"keel-binary": "new", "keel-mixed": "old", "mnist": "new", "speed-cpu": "old"}
    before = path.read_text()
    with pytest.raises(KeyError, match=r"no section \['speed-gpu'\]"):
        results.copy_sections(["keel-mixed", "speed-gpu"], run, path)
    assert path.read_text() == before


@pytest.mark.parametrize("argv, message", [
    (["--copy", "mnist"], "--copy and --from go together"),
    (["--copy", "mnist", "--from", "missing.md"], "no such file"),
    (["--remove", "mnist", "--copy", "mnist"], "not allowed with argument"),
])
def test_the_copy_command_line_refuses_incomplete_or_mixed_requests_in_one_line(tmp_path, capsys, argv, message):
    path = tmp_path / "RESULTS.md"
    results.update_section("mnist", "## mnist\n", path)
    before = path.read_text()
    with pytest.raises(SystemExit) as exited:
        results.main([a if a != "missing.md" else str(tmp_path / a) for a in argv], path)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert path.read_text() == before


@pytest.mark.parametrize(("device", "extra", "full"), [
    ("cuda", [], True), ("cpu", [], False), ("cuda", ["--compile", "off"], False), ("cuda", ["--amp", "off"], False),
    ("cuda", ["--rows", "1000"], False)])
def test_only_the_whole_gpu_grid_is_the_full_speed_gpu_section(device, extra, full):
    # Audit 12: the quick run of DEVELOPERS.md (--compile off) was written as the full section.
    import gpu_speed

    assert gpu_speed.is_full_run(device, gpu_speed.parse_args(extra)) is full


def test_the_gpu_grid_runs_every_setting_without_compile_first():
    # A lent GPU has minutes: the long torch.compile warm-ups come last, where a budget can leave them out.
    import gpu_speed

    args = gpu_speed.parse_args(["--batches", "8", "16", "--amp", "off", "bf16"])
    assert gpu_speed.grid(args) == [(8, "off", "off"), (8, "bf16", "off"), (16, "off", "off"), (16, "bf16", "off"),
                                    (8, "off", "on"), (8, "bf16", "on"), (16, "off", "on"), (16, "bf16", "on")]
    assert gpu_speed.is_full_run("cuda", gpu_speed.parse_args([]), left_out=1) is False


def test_a_spent_gpu_budget_runs_the_first_setting_names_the_rest_and_writes_a_partial_section(monkeypatch, capsys):
    import gpu_speed

    written = {}
    monkeypatch.setattr(gpu_speed, "update_section", lambda key, body: written.setdefault(key, body))
    assert gpu_speed.main(["--device", "cpu", "--rows", "300", "--batches", "16", "32", "--steps", "2", "--warmup",
                           "0", "--amp", "off", "--compile", "off", "--budget", "0", "--write"]) == 0
    assert list(written) == ["speed-gpu-partial"]
    body = written["speed-gpu-partial"]
    assert "| 16 | off | off |" in body and "| 32 | off | off |" not in body
    assert "left out, not started within the 0 s budget: batch 32 amp off compile off" in body


def test_a_negative_gpu_budget_is_refused(capsys):
    import gpu_speed

    with pytest.raises(SystemExit):
        gpu_speed.parse_args(["--budget", "-1"])
    assert "--budget must be at least 0 seconds" in capsys.readouterr().err


def test_the_gpu_grids_fit_epoch_runs_as_many_steps_as_it_is_credited_with(monkeypatch):
    # The device's first run read an in-step share of 29,526%: the epoch ran 1 step (the config of the
    # one-step fit that builds the codec), and was credited with 500.
    import gpu_speed
    import torch

    table, _ = gpu_speed.load_table(400, torch.device("cpu"))
    made = []
    monkeypatch.setattr(gpu_speed, "make_trainer",
                        lambda *args, make=gpu_speed.make_trainer: made.append(make(*args)) or made[-1])
    row = gpu_speed.measure(table, batch=32, amp=None, compile_=False, steps=5, warmup=2)
    fit_steps = 5  # min(400 rows, 5 steps x 32) = 160 rows, in batches of 32
    assert made[0].steps == 2 + 5 + fit_steps
    assert row[0] == 32 and row[8].endswith("%")
