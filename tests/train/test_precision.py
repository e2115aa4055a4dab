"""augan.train.precision: autocast and gradient scaling, off unless asked for, fp16 only on CUDA."""

import pytest
import torch

from augan.train import Precision


def test_without_amp_the_forward_pass_stays_float32_and_the_scaler_is_off():
    precision = Precision(None, torch.device("cpu"))
    with precision.autocast():
        out = torch.ones(2, 2) @ torch.ones(2, 2)
    assert out.dtype == torch.float32
    stepper = precision.stepper(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    assert not stepper.scaler.is_enabled()


def test_bf16_autocasts_the_forward_pass_on_the_cpu():
    with Precision("bf16", torch.device("cpu")).autocast():
        out = torch.ones(2, 2) @ torch.ones(2, 2)
    assert out.dtype == torch.bfloat16


@pytest.mark.parametrize(("amp", "message"), [("int8", "amp must be one of"), ("fp16", "needs a CUDA GPU")])
def test_unknown_modes_and_fp16_off_cuda_are_refused(amp, message):
    with pytest.raises(ValueError, match=message):
        Precision(amp, torch.device("cpu"))


def test_a_step_is_zero_grad_backward_and_optimiser_step():
    weight = torch.tensor([1.0], requires_grad=True)
    weight.grad = torch.tensor([100.0])  # a stale gradient the step must clear first
    stepper = Precision(None, torch.device("cpu")).stepper(torch.optim.SGD([weight], lr=0.5))
    stepper.step((3 * weight).sum())
    assert weight.item() == pytest.approx(1.0 - 0.5 * 3)
