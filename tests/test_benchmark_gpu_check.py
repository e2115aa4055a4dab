"""The prepared GPU check (benchmarks/gpu_check.py), which no CI machine can run on a GPU: run here on the CPU,
its checks must pass, and asked for CUDA where there is none it must say so instead of failing a check."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import gpu_check  # noqa: E402  (the benchmarks are scripts, not a package)


@pytest.mark.slow
def test_every_check_passes_on_the_cpu(capsys):
    assert gpu_check.main(["--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "7 of 7 checks passed" in out


def test_a_failing_check_is_reported_by_name_and_the_others_still_run(monkeypatch, capsys):
    def broken(device, amp):
        raise AssertionError("the rows are wrong")

    monkeypatch.setattr(gpu_check, "check_table", broken)
    monkeypatch.setattr(gpu_check, "check_images", lambda device, loss, amp: "ok")
    monkeypatch.setattr(gpu_check, "check_oversampler", lambda device: "ok")
    monkeypatch.setattr(gpu_check, "check_save_on_device_load_on_cpu", lambda device: "ok")
    assert gpu_check.main(["--device", "cpu"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  table, amp=None" in out and "the rows are wrong" in out
    assert "PASS  images, wgan-gp: ok" in out and "5 of 7 checks passed" in out


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asked_for_cuda_without_a_gpu_it_says_so(capsys):
    assert gpu_check.main(["--device", "cuda"]) == 2
    assert "torch sees no CUDA GPU" in capsys.readouterr().err
