"""``augan resample``: the original rows (or images) plus synthetic ones for the classes that need them."""

from __future__ import annotations

import numpy as np
import typer
from imblearn.utils import check_sampling_strategy

from augan import GANOversampler
from augan.distributed import is_main_process

from . import options as o
from .data import check_data_options, read_training_data
from .errors import fail, reported_errors
from .files import check_disk_space, check_image_labels, check_outputs, write_images, write_table
from .target import describe, with_index, with_target
from .training import Training, training_options


@training_options
def resample(data: o.Data, out: o.Out, target: o.Target = None, strategy: o.Strategy = o.STRATEGY_DEFAULT,
             selection: o.Selection = o.SELECTION_DEFAULT, smote_share: o.SmoteShare = o.SMOTE_SHARE_DEFAULT,
             noise_scale: o.NoiseScale = o.NOISE_SCALE_DEFAULT,
             max_synthetic_ratio: o.MaxSyntheticRatio = None, size: o.ImageSize = None,
             interpolation: o.Interpolation = o.INTERPOLATION_DEFAULT,
             category_choice: o.CategoryChoice = o.CATEGORY_CHOICE_DEFAULT,
             isolated_classes: o.IsolatedClasses = o.ISOLATED_CLASSES_DEFAULT,
             model_out: o.ModelOut = None,
             overwrite: o.Overwrite = False, *, training: Training) -> None:
    """Write DATA's rows followed by synthetic rows that balance the classes as --strategy says.

    Images in (a folder with a subfolder per class, or an .npz) give images out: the real ones and the new ones,
    made as GANOversampler makes them (the GAN's images after the neighbour filter, and real images of the class
    under random smooth deformations for --smote-share of them).
    """
    with reported_errors(training):
        images = check_data_options(data, target, size, architecture=training.architecture)
        interpolation = o.parse_interpolation(interpolation, images)
        category_choice = o.parse_category_choice(category_choice, images, interpolation)
        isolated_classes = o.parse_isolated_classes(isolated_classes, images)
        training.check_files({"DATA": data}, {"--out": out, "--model-out": model_out}, overwrite)
        sampling_strategy = o.parse_strategy(strategy)
        selection = o.parse_selection(selection)
        smote_share = o.parse_smote_share(smote_share)
        noise_scale = o.parse_noise_scale(noise_scale)
        o.check_option("--max-synthetic-ratio", max_synthetic_ratio, GANOversampler, "max_synthetic_ratio")
        check_outputs(out, model_out, overwrite, images=images)
        gan = training.make_gan(images)
        dataset = read_training_data(data, target, size, training.categorical_columns)
        if images:
            check_image_labels(dataset.classes, out)
        else:
            gan.set_params(categorical_features=training.categorical_features(dataset.X))
        added = _check_adds_rows(strategy, sampling_strategy, dataset.y, dataset.noun,
                                 "the image classes" if images else repr(target))
        check_disk_space(out, len(dataset.y) + added, dataset.X if images else dataset.frame, f"--strategy {strategy}",
                         labels=dataset.y if images else None)
        X = dataset.X.reshape(len(dataset.X), -1) if images else dataset.X
        sampler = GANOversampler(sampling_strategy=sampling_strategy, gan=gan, selection=selection,
                                 smote_share=smote_share, noise_scale=noise_scale,
                                 max_synthetic_ratio=max_synthetic_ratio,
                                 interpolation=interpolation, category_choice=category_choice,
                                 isolated_classes=isolated_classes,
                                 image_shape=dataset.X.shape[1:] if images else None)
        with training.replacing_checkpoint(overwrite):
            X_out, y_out = sampler.fit_resample(X, dataset.y)
            if sampler.gan_ is None:  # every class the strategy adds rows to was left alone: nothing was trained
                names = ", ".join(str(label) for label in sampler.isolated_classes_)
                fail(f"--strategy {strategy} adds rows only to class(es) {names}, whose rows each lie among other "
                     f"classes (--isolated-classes leave); nothing was written. Pass --isolated-classes oversample to "
                     f"make them.")
            if is_main_process():
                if images:
                    write_images(np.asarray(X_out).reshape((-1, *dataset.X.shape[1:])), y_out, out, overwrite,
                                 synthetic_from=len(dataset.y))
                else:
                    table = with_target(X_out, y_out, target, dataset.columns)
                    write_table(with_index(table, dataset.frame.index), out, overwrite)
            if model_out is not None:
                sampler.gan_.save(model_out, overwrite, metadata=dataset.metadata)
    if not training.quiet and is_main_process():
        n = len(dataset.y)
        typer.echo(f"wrote {n} original + {len(y_out) - n} synthetic {dataset.noun}, "
                   f"{describe(y_out, dataset.noun)}, to {out}" + (f"; model in {model_out}" if model_out else ""))


def _check_adds_rows(text: str, sampling_strategy: str | float, y: np.ndarray, noun: str, what: str) -> int:
    """The number of rows a ``--strategy`` adds to ``y``; refused before training if none (``what``, in messages), or
    for a ratio that imbalanced-learn would refuse in its own words."""
    classes, counts = np.unique(y, return_counts=True)
    if isinstance(sampling_strategy, float) and len(classes) != 2:
        fail(f"--strategy {text}: a float is a minority/majority ratio, for two classes; {what} has {len(classes)}. "
             f"Use one of {', '.join(o.STRATEGIES)}.")
    if isinstance(sampling_strategy, float) and int(counts.max() * sampling_strategy - counts.min()) <= 0:
        fail(f"--strategy {text} adds no {noun} to {what}: its minority/majority ratio is already "
             f"{counts.min() / counts.max():.3g}; give a larger float (up to 1), or minority.")
    added = sum(check_sampling_strategy(sampling_strategy, y, "over-sampling").values())
    if not added:
        fail(f"--strategy {text} adds no {noun} to {what}; its classes are already balanced enough.")
    return added

