"""``augan evaluate``: does GAN oversampling help classifiers on this data, and how real do its samples look?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import augan
from augan import CGAN, GANOversampler
from augan._validation import check_positive_int
from augan.distributed import is_main_process
from augan.metrics.utility import BASELINES
from augan.storage import check_output_path

from . import options as o
from .data import check_data_options, read_training_data
from .errors import fail, reported_errors
from .target import as_classes
from .training import Training, training_options

REPORT_SUFFIXES = (".html", ".htm", ".json", ".md", ".markdown")

ReportPath = Annotated[Path, typer.Option(
    "--report", "-r", help="Where to write the report: .html, .json or .md.", show_default=False,
    parser=o.parse_path)]
FittedModel = Annotated[Path | None, typer.Option(
    "--model", help="Judge this model (written by augan fit) in the quality part instead of training one.",
    parser=o.parse_path)]
Folds = Annotated[int, typer.Option("--cv", help="Cross-validation folds.")]
Repeats = Annotated[int, typer.Option("--repeats", help="Repetitions of the cross-validation split.")]
Baselines = Annotated[str, typer.Option(
    "--baselines", help="The methods GAN oversampling is compared with, separated by commas: none (no resampling), "
                        "smote, random (random oversampling).")]
NoQuality = Annotated[bool, typer.Option(
    "--no-quality", help="Skip the fidelity, detection and privacy scores; report the downstream gain only.")]


@training_options
def evaluate(data: o.Data, report: ReportPath, target: o.Target = None, model: FittedModel = None,
             cv: Folds = 5, repeats: Repeats = 1, baselines: Baselines = ",".join(BASELINES),
             no_quality: NoQuality = False, size: o.ImageSize = None,
             selection: o.Selection = o.SELECTION_DEFAULT, smote_share: o.SmoteShare = o.SMOTE_SHARE_DEFAULT,
             noise_scale: o.NoiseScale = o.NOISE_SCALE_DEFAULT, max_synthetic_ratio: o.MaxSyntheticRatio = None,
             interpolation: o.Interpolation = o.INTERPOLATION_DEFAULT,
             category_choice: o.CategoryChoice = o.CATEGORY_CHOICE_DEFAULT,
             isolated_classes: o.IsolatedClasses = o.ISOLATED_CLASSES_DEFAULT,
             overwrite: o.Overwrite = False, *,
             training: Training) -> None:
    """Score classifiers on DATA with and without GAN oversampling, and the synthetic data's quality.

    Cross-validation compares GAN oversampling with SMOTE, random oversampling and none (--baselines); the report
    goes to --report (.html, .json or .md) and its summary to the screen.
    """
    with reported_errors(training):
        training.check_files({"DATA": data, "--model": model}, {"--report": report})
        if Path(report).suffix.lower() not in REPORT_SUFFIXES:
            fail(f"cannot tell the report format of {report}: use a .html, .json or .md file name.")
        check_output_path(report, overwrite)
        selection = o.parse_selection(selection)
        smote_share = o.parse_smote_share(smote_share)
        noise_scale = o.parse_noise_scale(noise_scale)
        o.check_option("--max-synthetic-ratio", max_synthetic_ratio, GANOversampler, "max_synthetic_ratio")
        for option, value in (("--cv", cv), ("--repeats", repeats)):
            check_positive_int(value, option)
        compared = _parse_baselines(baselines)
        if training.checkpoint_dir is not None or training.resume:
            fail("evaluate trains a GAN per cross-validation fold, which cannot share one --checkpoint-dir; "
                 "drop --checkpoint-dir and --resume.")
        if model is not None and no_quality:
            fail("--model is judged in the quality part, which --no-quality skips; drop one of them.")
        images = check_data_options(data, target, size, architecture=training.architecture)
        interpolation = o.parse_interpolation(interpolation, images)
        category_choice = o.parse_category_choice(category_choice, images, interpolation)
        isolated_classes = o.parse_isolated_classes(isolated_classes, images)
        dataset = read_training_data(data, target, size, training.categorical_columns)
        X, y = dataset.X, dataset.y
        fitted = CGAN.load(model, device=training.device) if model is not None else None
        if fitted is not None and not images:
            y = as_classes(y, fitted.classes_)  # labels are read as text; a model fitted in Python may hold numbers
        gan = training.make_gan(images).set_params(categorical_features=training.categorical_features(X))
        sampler = GANOversampler(gan=gan, selection=selection, smote_share=smote_share,
                                 noise_scale=noise_scale, max_synthetic_ratio=max_synthetic_ratio,
                                 interpolation=interpolation, category_choice=category_choice,
                                 isolated_classes=isolated_classes, random_state=training.seed)
        result = augan.evaluate(X, y, sampler=sampler, baselines=compared, cv=cv, n_repeats=repeats,
                                quality=not no_quality,
                                model=fitted, random_state=training.seed, verbose=not training.quiet)
        if is_main_process():
            result.save(report, overwrite=overwrite)
    if not training.quiet and is_main_process():
        typer.echo(result.summary())
        typer.echo(f"report written to {report}")


def _parse_baselines(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in BASELINES]
    if unknown:
        fail(f"--baselines {value!r}: unknown method(s) {', '.join(map(repr, unknown))}; choose among "
             f"{', '.join(BASELINES)}, separated by commas.")
    return tuple(dict.fromkeys(names))
