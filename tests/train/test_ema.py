"""augan.train.ema: the moving average of the generator's weights."""

import pytest
import torch
from torch import nn

from augan.train import EMA


def _network() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))


def test_the_average_starts_as_a_frozen_copy_in_eval_mode():
    network = _network()
    ema = EMA(network, 0.99)
    assert ema.model is not network and not ema.model.training
    assert all(not p.requires_grad for p in ema.model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(ema.model.parameters(), network.parameters()))


@pytest.mark.parametrize(("step", "decay"), [(0, 0.1), (10, 0.55), (10_000, 0.99)])
def test_the_decay_warms_up_to_its_value(step, decay):
    assert EMA(_network(), 0.99).decay_at(step) == pytest.approx(decay)


def test_an_update_moves_each_weight_by_one_minus_the_decay_and_copies_the_buffers():
    network = _network()
    ema = EMA(network, 0.9)
    before = [p.clone() for p in ema.model.parameters()]
    with torch.no_grad():
        for p in network.parameters():
            p.add_(1.0)
        network[1].running_mean.fill_(3.0)
    ema.update(network, step=1000)
    for old, new, target in zip(before, ema.model.parameters(), network.parameters()):
        torch.testing.assert_close(new, 0.9 * old + 0.1 * target)
    assert torch.equal(ema.model[1].running_mean, torch.full((4,), 3.0))


def test_the_state_round_trips():
    ema, other = EMA(_network(), 0.9), EMA(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)), 0.9)
    other.load_state_dict(ema.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(ema.model.state_dict().values(), other.model.state_dict().values()))


def test_updates_follow_the_generator_they_are_given_and_the_state_they_are_loaded_with():
    # The tensor lists are made once per generator: later changes, another generator and a loaded state all count.
    network, other = _network(), _network()
    ema = EMA(network, 0.5)
    with torch.no_grad():
        for p in network.parameters():
            p.fill_(2.0)
    ema.update(network, step=10_000)
    with torch.no_grad():
        for p in network.parameters():
            p.fill_(4.0)
        other[1].running_var.fill_(7.0)
    ema.update(network, step=10_000)
    state = {name: tensor.clone() for name, tensor in ema.state_dict().items()}
    ema.update(other, step=10_000)
    assert torch.equal(ema.model[1].running_var, torch.full((4,), 7.0))
    ema.load_state_dict(state)
    ema.update(network, step=10_000)
    first = _network()[0].weight
    torch.testing.assert_close(ema.model[0].weight, ((first + 2) / 2 + 4) / 2 / 2 + 2)
