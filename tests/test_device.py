import pytest
import torch

from augan.device import resolve_device


def test_auto_picks_cuda_when_present_else_cpu():
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert resolve_device("auto").type == expected


def test_explicit_cpu_and_bad_strings():
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="not a valid torch device"):
        resolve_device("gpu0")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_requested_without_a_gpu_is_a_clear_error():
    with pytest.raises(ValueError, match="no CUDA GPU"):
        resolve_device("cuda")


@pytest.mark.parametrize("device", ["xpu", "hpu", "meta", "nonsense:3", "cpu:1", "cuda:99", torch.device("meta")])
def test_a_device_this_machine_lacks_is_refused_naming_those_it_has(device):
    with pytest.raises(ValueError, match=r"use 'auto' or one of the devices this machine has: cpu"):
        resolve_device(device)
