"""``augan fit``: train on a table and save the model, to draw from later with ``augan sample``."""

from __future__ import annotations

import typer

from . import options as o
from .errors import reported_errors
from .files import check_outputs, read_table
from .target import describe, model_metadata, split_target
from .training import Training, training_options


@training_options
def fit(data: o.Data, target: o.Target, model_out: o.ModelFile, overwrite: o.Overwrite = False, *,
        training: Training) -> None:
    """Train a conditional GAN on DATA and save it to --model-out (the target column's name is kept)."""
    with reported_errors(training.checkpoint_dir):
        check_outputs(None, model_out, overwrite)
        gan = training.make_gan()
        frame = read_table(data)
        X, y, _ = split_target(frame, target, data)
        gan.fit(X, y)
        gan.save(model_out, overwrite, metadata=model_metadata(target, frame))
    if not training.quiet:
        typer.echo(f"trained on {describe(y)}; model in {model_out}")
