"""``augan generate``: train on a table or on images and write synthetic rows (or images) only."""

from __future__ import annotations

import typer

from augan.data.labels import LabelCodec
from augan.distributed import is_main_process
from augan.io import check_output_path
from augan.plot import save_sample_grid

from . import options as o
from .errors import fail, reported_errors
from .drawing import check_draw, write_draw
from .files import check_image_labels, check_images_output, check_outputs, is_images, read_images
from .target import IMAGES_METADATA, draw_request, model_metadata, read_training_table, require_target
from .training import Training, training_options


@training_options
def generate(data: o.Data, out: o.Out, target: o.Target = None, n: o.Count = None, per_class: o.PerClass = None,
             label: o.Label = None, balance: o.Balance = False, size: o.ImageSize = None, grid: o.Grid = None,
             model_out: o.ModelOut = None, overwrite: o.Overwrite = False, *, training: Training) -> None:
    """Train a conditional GAN on DATA and write synthetic rows (only those) to --out.

    --balance: the rows that bring every class up to the largest. --per-class: that many of each class.

    --n: that many rows, of one --label or in the training proportions.

    Images in (a folder with a subfolder per class, or an .npz) give images out (a folder, or an .npz).
    """
    with reported_errors(training.checkpoint_dir):
        images = is_images(data)
        if images and target is not None:
            fail("--target names a table's class column; images take their classes from the subfolders "
                 "(or the .npz array y).")
        training.check_files({"DATA": data}, {"--out": out, "--model-out": model_out, "--grid": grid})
        if images:
            check_images_output(out, overwrite)
            if model_out is not None:
                check_output_path(model_out, overwrite)
        else:
            target = require_target(target, data)
            if size is not None or grid is not None:
                fail(f"{'--size' if size is not None else '--grid'} is for images; {data} is a table.")
            check_outputs(out, model_out, overwrite)
        if grid is not None:
            check_output_path(grid, overwrite)
        gan = training.make_gan(images)
        if images:
            X, y = read_images(data, size)
            classes = LabelCodec().fit(y).classes_
            check_image_labels(classes, out)
        else:
            frame, X, y, classes = read_training_table(data, target, training.categorical_columns)
            gan.set_params(categorical_features=training.categorical_features(X))
        request = draw_request(y, n, label, balance, per_class, classes)
        flag = "--n" if n is not None else "--per-class" if per_class is not None else "--balance"
        check_draw(n if n is not None else sum(request.values()), flag, X[0].size if images else None)
        gan.fit(X, y)
        if is_main_process():
            written = write_draw(gan, n, request, out, overwrite, target=None if images else target,
                                 columns=None if images else list(frame.columns),
                                 noun="images" if images else "rows")
            if grid is not None:
                save_sample_grid(gan, grid, overwrite=overwrite, random_state=training.seed)
        if model_out is not None:
            gan.save(model_out, overwrite, metadata=IMAGES_METADATA if images else model_metadata(target, frame))
    if not training.quiet and is_main_process():
        typer.echo(f"wrote {written} to {out}" + (f"; model in {model_out}" if model_out else "")
                   + (f"; sample grid in {grid}" if grid else ""))

