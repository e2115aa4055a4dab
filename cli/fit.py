"""``augan fit``: train on a table or on images and save the model, to draw from later with ``augan sample``."""

from __future__ import annotations

import typer

from augan.distributed import is_main_process
from augan.storage import check_model_output

from . import options as o
from .data import check_data_options, read_training_data
from .errors import reported_errors
from .target import describe
from .training import Training, training_options


@training_options
def fit(data: o.Data, model_out: o.ModelFile, target: o.Target = None, size: o.ImageSize = None,
        overwrite: o.Overwrite = False, *, training: Training) -> None:
    """Train a conditional GAN on DATA and save it to --model-out (a table's target column name is kept)."""
    with reported_errors(training):
        images = check_data_options(data, target, size, architecture=training.architecture)
        training.check_files({"DATA": data}, {"--model-out": model_out}, overwrite)
        check_model_output(model_out, overwrite)
        gan = training.make_gan(images)
        dataset = read_training_data(data, target, size, training.categorical_columns)
        gan.set_params(categorical_features=training.categorical_features(dataset.X))
        with training.replacing_checkpoint(overwrite):
            gan.fit(dataset.X, dataset.y)
            gan.save(model_out, overwrite, metadata=dataset.metadata)
    if not training.quiet and is_main_process():
        typer.echo(f"trained on {describe(dataset.y, dataset.noun)}; model in {model_out}")
