"""``augan generate``: train on a table or on images and write synthetic rows (or images) only."""

from __future__ import annotations

import typer

from augan.distributed import is_main_process
from augan.storage import check_output_path
from augan.plot import save_sample_grid

from . import options as o
from .data import check_data_options, read_training_data
from .drawing import check_draw, write_draw
from .errors import fail, reported_errors
from .files import check_disk_space, check_image_labels, check_outputs
from .target import draw_request
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
    with reported_errors(training):
        images = check_data_options(data, target, size, grid, training.architecture)
        training.check_files({"DATA": data}, {"--out": out, "--model-out": model_out, "--grid": grid}, overwrite)
        check_outputs(out, model_out, overwrite, images=images)
        if grid is not None:
            if grid.suffix.lower() != ".png":
                fail(f"--grid {grid}: the grid is written as a PNG image; give a file name ending in .png.")
            check_output_path(grid, overwrite)
        gan = training.make_gan(images)
        dataset = read_training_data(data, target, size, training.categorical_columns)
        if images:
            check_image_labels(dataset.classes, out)
        gan.set_params(categorical_features=training.categorical_features(dataset.X))
        request = draw_request(dataset.y, n, label, balance, per_class, dataset.classes)
        flag = "--n" if n is not None else "--per-class" if per_class is not None else "--balance"
        rows = n if n is not None else sum(request.values())
        check_draw(rows, flag, dataset.X[0].size if images else None)
        check_disk_space(out, rows, dataset.X if images else dataset.frame, f"--n {n:,}" if n is not None else flag,
                         labels=dataset.y if images else None)
        with training.replacing_checkpoint(overwrite):
            gan.fit(dataset.X, dataset.y)
            if is_main_process():
                written = write_draw(gan, n, request, out, overwrite, target=dataset.target,
                                     columns=dataset.columns, noun=dataset.noun)
                if grid is not None:
                    save_sample_grid(gan, grid, overwrite=overwrite, random_state=training.seed)
            if model_out is not None:
                gan.save(model_out, overwrite, metadata=dataset.metadata)
    if not training.quiet and is_main_process():
        typer.echo(f"wrote {written} to {out}" + (f"; model in {model_out}" if model_out else "")
                   + (f"; sample grid in {grid}" if grid else ""))

