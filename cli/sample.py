"""``augan sample``: draw rows (or images) from a model saved by ``augan fit``."""

from __future__ import annotations

import numpy as np
import typer

from augan import CGAN
from augan._validation import check_positive_int
from augan.storage import check_no_overlap

from . import options as o
from .data import IMAGES_TAKE_NO_TARGET
from .drawing import check_draw, write_draw
from .errors import fail, reported_errors
from .files import check_disk_space, check_image_labels, check_images_output, check_outputs
from .target import check_target_name, parse_label, with_target


def sample(model: o.Model, n: o.RequiredCount, out: o.Out, label: o.Label = None, target: o.TargetName = None,
           device: o.Device = o.GAN_DEFAULTS["device"], seed: o.SampleSeed = None, overwrite: o.Overwrite = False,
           quiet: o.Quiet = False, threads: o.Threads = None) -> None:
    """Draw --n synthetic rows from MODEL: of one class with --label, else in the training proportions."""
    with reported_errors():
        check_no_overlap({"MODEL": model}, {"--out": out})
        n = check_positive_int(n, "--n")
        o.check_option("--seed", seed, CGAN, "random_state")
        check_draw(n, "--n")
        o.set_threads(threads)
        gan = CGAN.load(model, device=device)
        images = gan.codec_.kind == "image"  # a model saved from Python has no CLI metadata to say so
        if images:
            if target is not None:
                fail(IMAGES_TAKE_NO_TARGET)
            check_images_output(out, overwrite)
            check_image_labels(gan.classes_, out)
            check_draw(n, "--n", gan.n_features_in_)
        else:
            check_outputs(out, None, overwrite)
            if target is None:
                target = gan.metadata_.get("target")
            check_target_name(target)
            if target is None:
                fail(f"{model} does not record the name of its target column; give it with --target.")
            if target in [str(name) for name in getattr(gan, "feature_names_in_", [])]:
                fail(f"--target {target!r} names a feature column of the model; give the class column another name.")
        request = parse_label(label, gan.classes_) if label is not None else None
        # A first draw is the example the output's size is measured by.
        example, example_y = gan.sample(min(n, 64 if images else 1000), request, return_y=True, random_state=0)
        if images:
            check_disk_space(out, n, example, f"--n {n:,}", labels=np.asarray(example_y))
        else:
            check_disk_space(out, n, with_target(example, example_y, target, gan.metadata_.get("columns")),
                             f"--n {n:,}")
        written = write_draw(gan, n, request, out, overwrite, target=None if images else target,
                             columns=gan.metadata_.get("columns"), random_state=seed,
                             noun="images" if images else "rows")
    if not quiet:
        typer.echo(f"wrote {written} to {out}")
