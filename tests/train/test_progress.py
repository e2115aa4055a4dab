"""augan.train.progress: the progress bar of a fit."""

from augan.train.progress import progress_bar

ROW = {"d_loss": 1.25, "g_loss": -0.5, "d_acc_real": 0.75, "d_acc_fake": 0.5}


def test_a_disabled_bar_shows_nothing(capsys):
    with progress_bar(3, enabled=False) as update:
        assert update is None
    assert capsys.readouterr().err == ""


def test_the_bar_shows_the_epochs_and_the_losses_on_stderr(capsys):
    with progress_bar(3) as update:
        update(2, 3, ROW)
    err = capsys.readouterr().err
    assert "augan fit" in err and "2/3" in err and "d=1.250" in err and "acc=0.75/0.50" in err


def test_a_verbose_fit_shows_the_bar_and_a_quiet_one_nothing(capsys, tiny):
    import numpy as np

    from augan import CGAN

    X, y = np.random.default_rng(0).normal(size=(40, 2)), np.repeat([0, 1], 20)
    CGAN(device="cpu", random_state=0, verbose=True, **tiny).fit(X, y)
    assert "augan fit" in capsys.readouterr().err
    CGAN(device="cpu", random_state=0, **tiny).fit(X, y)
    assert capsys.readouterr().err == ""
