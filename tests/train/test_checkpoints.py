"""augan.train.checkpoints: the checkpoint folder, a save/resume round trip, and what it refuses."""

import pytest
import torch

from augan.losses import get_loss
from augan.nn.mlp import MLPDiscriminator, MLPGenerator
from augan.train import CHECKPOINT_NAME, CheckpointFolder, Trainer, TrainingConfig


def test_checkpoints_are_due_every_n_epochs_and_never_without_a_folder(tmp_path):
    folder = CheckpointFolder(tmp_path, every=3)
    assert [epoch for epoch in range(1, 10) if folder.due(epoch)] == [3, 6, 9]
    assert not any(CheckpointFolder(None).due(epoch) for epoch in range(1, 10))
    assert CheckpointFolder(None).path is None


def test_a_process_that_does_not_write_writes_nothing(tmp_path):
    CheckpointFolder(tmp_path / "c", writes=False).save(lambda: {"epoch": 1})
    assert not (tmp_path / "c").exists()


def test_save_writes_the_state_and_resume_hands_it_back(tmp_path):
    folder = CheckpointFolder(tmp_path / "new")
    folder.save(lambda: {"epoch": 4, "weights": torch.arange(3.0)})
    assert folder.exists() and folder.path == tmp_path / "new" / CHECKPOINT_NAME
    received = []
    assert folder.resume(received.append, torch.device("cpu"))
    assert received[0]["epoch"] == 4 and torch.equal(received[0]["weights"], torch.arange(3.0))


def test_resume_refuses_a_state_its_loader_rejects(tmp_path):
    folder = CheckpointFolder(tmp_path)
    folder.save(lambda: {"epoch": 1})

    def reject(state):
        raise KeyError("generator")

    with pytest.raises(ValueError, match="does not match this model"):
        folder.resume(reject, torch.device("cpu"))


def _trainer(folder) -> Trainer:
    torch.manual_seed(0)
    config = TrainingConfig(noise_dim=4, epochs=2, batch_size=8, checkpoint_dir=folder, ema_decay=0.9)
    return Trainer(MLPGenerator(4, 2, (3,), (8,)), MLPDiscriminator((3,), 2, (8,)), get_loss("hinge"), config)


def test_a_trainers_checkpoint_round_trips_every_part_of_its_state(tmp_path):
    trained = _trainer(tmp_path)
    trained.fit(torch.randn(16, 3), torch.arange(16) % 2, 2)
    fresh = _trainer(tmp_path)
    assert fresh.load_checkpoint()
    assert (fresh.epoch, fresh.steps, fresh.history) == (trained.epoch, trained.steps, trained.history)
    for a, b in ((fresh.generator, trained.generator), (fresh.discriminator, trained.discriminator),
                 (fresh.ema, trained.ema)):
        assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert str(fresh.opt_g.optimizer.state_dict()) == str(trained.opt_g.optimizer.state_dict())
