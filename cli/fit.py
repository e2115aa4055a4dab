"""``augan fit``: train on a table or on images and save the model, to draw from later with ``augan sample``."""

from __future__ import annotations

import typer

from augan.distributed import is_main_process
from augan.io import check_output_path

from . import options as o
from .errors import fail, reported_errors
from .files import check_outputs, is_images, read_images
from .target import IMAGES_METADATA, describe, model_metadata, read_training_table, require_target
from .training import Training, training_options


@training_options
def fit(data: o.Data, model_out: o.ModelFile, target: o.Target = None, size: o.ImageSize = None,
        overwrite: o.Overwrite = False, *, training: Training) -> None:
    """Train a conditional GAN on DATA and save it to --model-out (a table's target column name is kept)."""
    with reported_errors(training.checkpoint_dir):
        images = is_images(data)
        if images and target is not None:
            fail("--target names a table's class column; images take their classes from the subfolders "
                 "(or the .npz array y).")
        training.check_files({"DATA": data}, {"--model-out": model_out})
        if not images and size is not None:
            fail(f"--size is for images; {data} is a table.")
        if images:
            check_output_path(model_out, overwrite)
        else:
            check_outputs(None, model_out, overwrite)
        gan = training.make_gan(images)
        if images:
            X, y = read_images(data, size)
            metadata = IMAGES_METADATA
        else:
            frame, X, y, _ = read_training_table(data, require_target(target, data), training.categorical_columns)
            gan.set_params(categorical_features=training.categorical_features(X))
            metadata = model_metadata(target, frame)
        gan.fit(X, y)
        gan.save(model_out, overwrite, metadata=metadata)
    if not training.quiet and is_main_process():
        typer.echo(f"trained on {describe(y, 'images' if images else 'rows')}; model in {model_out}")
