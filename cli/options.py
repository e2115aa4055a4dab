"""Options shared by the commands, defined once. Their defaults are read from the estimators."""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Annotated, Any

import torch
import typer
from sklearn.utils._param_validation import (Interval, StrOptions, _Constraint, _InstancesOf, _NoneConstraint,
                                            make_constraint)

from augan import CGAN, GANOversampler
from augan._validation import check_noise_scale
from augan.losses import LOSSES
from augan.oversampler import AUTO_NOISE_SCALE, AUTO_SMOTE_SHARE, SELECTIONS
from augan.train import AUTO_BUDGET, CATEGORICAL_STEPS_FACTOR, LARGE_IMAGE_SET, TWO_CLASS_TABLE_STEPS

from .errors import fail

GAN_DEFAULTS: dict[str, Any] = CGAN().get_params()
STRATEGY_DEFAULT: str = GANOversampler().get_params()["sampling_strategy"]
SELECTION_DEFAULT: str = GANOversampler().get_params()["selection"] or "none"
_CANDIDATES = GANOversampler().get_params()["candidates"]
SMOTE_SHARE_DEFAULT: str = str(GANOversampler().get_params()["smote_share"])
INTERPOLATION_DEFAULT: str = GANOversampler().get_params()["interpolation"]
CATEGORY_CHOICE_DEFAULT: str = GANOversampler().get_params()["category_choice"]
ISOLATED_CLASSES_DEFAULT: str = GANOversampler().get_params()["isolated_classes"]
NOISE_SCALE_DEFAULT: str = str(GANOversampler().get_params()["noise_scale"])
STRATEGIES = {"auto": "auto", "minority": "minority", "not-majority": "not majority",
              "not-minority": "not minority", "all": "all"}

TRAINING = "Training"


def parse_path(value: str | Path) -> Path:
    """A path option's value, refused when empty: ``Path("")`` is the current folder, which the user did not name."""
    if isinstance(value, Path):
        return value
    if not value.strip():
        raise typer.BadParameter("is empty; give a file or folder name.")
    return Path(value)


Data = Annotated[Path, typer.Argument(
    help="Training data: a table (.csv, .parquet, .pq), a folder with one subfolder of images per class, or an "
         ".npz file with arrays X (images) and y (labels).", show_default=False, parser=parse_path)]
Model = Annotated[Path, typer.Argument(help="Model file written by augan fit --model-out.", show_default=False,
                                        parser=parse_path)]
Target = Annotated[str | None, typer.Option("--target", "-t", help="Name of the class column (tables only).",
                                            show_default=False)]
TargetName = Annotated[str | None, typer.Option(
    "--target", "-t", help="Name of the class column in the output (default: the one the model was trained with).")]
Out = Annotated[Path, typer.Option("--out", "-o", help="Output table (.csv, .parquet or .pq), with the target "
                                                       "column; for images, a folder or an .npz file.",
                                   show_default=False, parser=parse_path)]
ModelFile = Annotated[Path, typer.Option("--model-out", help="Where to save the trained model.", show_default=False,
                                         parser=parse_path)]
ModelOut = Annotated[Path | None, typer.Option("--model-out", help="Also save the trained model here.",
                                               parser=parse_path)]
Count = Annotated[int | None, typer.Option("--n", "-n", help="How many synthetic rows.", show_default=False)]
RequiredCount = Annotated[int, typer.Option("--n", "-n", help="How many synthetic rows.", show_default=False)]
Label = Annotated[str | None, typer.Option(
    "--label", help="Class of the synthetic rows (default: every class, in its training proportion).")]
Balance = Annotated[bool, typer.Option(
    "--balance", help="Draw the rows that bring every class up to the largest one.")]
Strategy = Annotated[str, typer.Option(
    "--strategy", help=f"Rows each class gets: {', '.join(STRATEGIES)}, or a float (minority/majority ratio "
                       f"after resampling, two classes only).")]
Selection = Annotated[str, typer.Option(
    "--selection", help=f"Which generated rows to keep: neighbors (of {_CANDIDATES} times the rows needed, those "
                        "whose 5 nearest real rows most often share their class), boundary (the same, and of "
                        "those that tie, the ones nearest another class), discriminator (those the "
                        "discriminator scores most real), classifier (those a logistic regression on the real "
                        "rows most surely gives their class), auto (classifier for a table at least half of whose "
                        "columns are categorical, else neighbors), or none (every generated row).")]
SmoteShare = Annotated[str, typer.Option(
    "--smote-share", help="Share (0 to 1) of the new rows made from real rows of the class instead of by the GAN: "
                          "SMOTE-style interpolation between two of them for a table, a random smooth deformation "
                          "of one for images; 0: the GAN's rows only; auto: "
                          f"{AUTO_SMOTE_SHARE['numeric table']:g} for a table of numbers only, "
                          f"{AUTO_SMOTE_SHARE['table with categories']:g} for a table with categorical columns, "
                          f"{AUTO_SMOTE_SHARE['image']:g} for images.")]
NoiseScale = Annotated[str, typer.Option(
    "--noise-scale", help="Factor (0 or more) on the GAN's input noise when it draws the new rows: above 1 they "
                          "spread wider, below 1 they keep nearer the typical rows of their class; 1 samples the "
                          f"distribution the GAN learned; auto: {AUTO_NOISE_SCALE['table']:g} for a table, "
                          f"{AUTO_NOISE_SCALE['image']:g} for images.")]
# "latent" needs CGAN(encoder=True), which the command line does not train.
INTERPOLATIONS = ("auto", "encoded", "standard", "proximity", "deform")
Interpolation = Annotated[str, typer.Option(
    "--interpolation", help="How the --smote-share rows are made: encoded (between two real rows of the class in the "
                            "GAN's encoded space; for images, a blend of two images), standard (tables only: the same "
                            "between standardised rows, on straight segments as SMOTE makes them), proximity (tables "
                            "only: the same between two rows of one level of proximity to the other classes, more of "
                            "them near those classes, as ProWSyn draws them), deform (images only: a real image of the "
                            "class under a random smooth deformation, which keeps the class of handwriting and of most "
                            "photographs, not of arrows or text), or auto (deform for images; for a table proximity, "
                            "or standard with --category-choice vote).")]
CategoryChoice = Annotated[str, typer.Option(
    "--category-choice", help="Where an interpolated table row takes each category from: segment (the nearer of its "
                              "two real rows) or vote (the level most of its base row's 5 nearest rows of the class "
                              "hold, as SMOTE-NC chooses it). Tables only.")]
IsolatedClasses = Annotated[str, typer.Option(
    "--isolated-classes", help="A table's class of 2 to 4 rows none of whose rows has a row of its class among its 5 "
                               "nearest: leave (add no rows to it, with a warning) or oversample (make its rows as "
                               "any class's). Tables only.")]
MaxSyntheticRatio = Annotated[float | None, typer.Option(
    "--max-synthetic-ratio", help="At most this many synthetic rows (or images) per real one of a class; the rest "
                                  "of what the class needs are copies of its real ones. Default: no cap.",
    show_default=False)]
Epochs = Annotated[int, typer.Option("--epochs", help="Passes over the data.", rich_help_panel=TRAINING)]
BatchSize = Annotated[str, typer.Option(
    "--batch-size", help=f"Rows per training step; auto: {AUTO_BUDGET['table'][0]} for a table, "
                         f"{AUTO_BUDGET['image'][0]} for images ({AUTO_BUDGET['large image set'][0]} from "
                         f"{LARGE_IMAGE_SET:,} images on).", rich_help_panel=TRAINING)]
MaxSteps = Annotated[str, typer.Option(
    "--max-steps", help="Cap on the training steps (long epochs are shortened to max-steps / epochs steps, and a cap "
                        "below --epochs runs that many epochs of one step); auto: "
                        f"{AUTO_BUDGET['table'][1]} for a table ({TWO_CLASS_TABLE_STEPS} for a numeric one of two "
                        "classes; up to "
                        f"{AUTO_BUDGET['table'][1] * (1 + CATEGORICAL_STEPS_FACTOR)} as more of its columns are "
                        f"categories, trained however few its rows, in whole epochs: up to --epochs - 1 steps "
                        f"fewer), {AUTO_BUDGET['image'][1]} for "
                        f"images ({AUTO_BUDGET['large image set'][1]} from {LARGE_IMAGE_SET:,} images on); none: no "
                        "cap.",
    rich_help_panel=TRAINING)]
Categorical = Annotated[str | None, typer.Option(
    "--categorical", help="Tables: columns to model as categories, comma-separated (e.g. zip,branch), besides "
                          "those of text and true/false values; they are read as text.", rich_help_panel=TRAINING,
    show_default=False)]
Loss = Annotated[str, typer.Option("--loss", help=f"GAN loss: {', '.join(sorted(LOSSES))}.",
                                   rich_help_panel=TRAINING)]
Device = Annotated[str, typer.Option("--device", help="auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:1, ...")]
Seed = Annotated[int | None, typer.Option("--seed", help="Random seed, for repeatable results.")]
Threads = Annotated[int | None, typer.Option(
    "--threads", help="CPU threads for torch (default: torch's own, about one per core). On a machine other jobs "
                      "share, fewer (e.g. 1) keep the threads from waiting on each other.", show_default=False)]
SampleSeed = Annotated[int | None, typer.Option(
    "--seed", help="Seed of this draw (default: the model's own seed, so the same rows each time when it was fitted "
                    "with --seed; without one, each draw differs).")]
CheckpointDir = Annotated[Path | None, typer.Option(
    "--checkpoint-dir", help="Folder for training checkpoints (also written on Ctrl-C and SIGTERM, but not under "
                             "--distributed, where the processes cannot agree on a step to stop at); an earlier "
                             "run's checkpoint there needs --resume (continue it) or --overwrite (start afresh).",
    rich_help_panel=TRAINING, parser=parse_path)]
CheckpointEvery = Annotated[int, typer.Option(
    "--checkpoint-every", help="Epochs between checkpoints in --checkpoint-dir.", rich_help_panel=TRAINING)]
Resume = Annotated[bool, typer.Option(
    "--resume", help="Continue from the checkpoint in --checkpoint-dir (which must exist; without a checkpoint "
                     "in it, training starts from scratch, with a warning).", rich_help_panel=TRAINING)]
Architecture = Annotated[str | None, typer.Option(
    "--architecture", help="Networks: mlp or dcgan (default: dcgan for images, mlp for tables).",
    rich_help_panel=TRAINING, show_default=False)]
Amp = Annotated[str | None, typer.Option(
    "--amp", help="Mixed precision: bf16 (recent GPUs, or CPU), fp16 (CUDA GPUs) or none.", rich_help_panel=TRAINING)]
Compile = Annotated[bool, typer.Option(
    "--compile", help="Compile the training steps with torch.compile (faster on a GPU after a slow start).",
    rich_help_panel=TRAINING)]
Distributed = Annotated[bool, typer.Option(
    "--distributed", help="Train in several processes with DistributedDataParallel (one per GPU, or CPU processes "
                          "with gloo); start the command with torchrun --nproc-per-node N.", rich_help_panel=TRAINING)]
ImageSize = Annotated[int | None, typer.Option(
    "--size", help="Resize every image of an input folder to SIZE x SIZE pixels.", show_default=False)]
PerClass = Annotated[int | None, typer.Option(
    "--per-class", help="How many synthetic rows (or images) of each class.", show_default=False)]
Grid = Annotated[Path | None, typer.Option(
    "--grid", help="Images: also save a PNG grid of synthetic samples, one labelled row per class.",
    show_default=False, parser=parse_path)]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="Replace output files that augan wrote earlier (never a "
                                                              "file of yours, or one you have edited).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")]


def parse_budget(value: str | int | None, flag: str, none: bool = False) -> int | str | None:
    """``--batch-size`` / ``--max-steps`` as CGAN takes them: ``"auto"``, a whole number, or (``none``) None.

    Raises
    ------
    ValueError
        If ``value`` is none of these; the message names ``flag``.
    """
    if value is None or isinstance(value, int):
        return value
    text = value.strip().lower()
    if text == "auto":
        return "auto"
    if none and text == "none":
        return None
    try:
        return int(text)
    except ValueError:
        words = "a whole number, auto or none" if none else "a whole number or auto"
        raise ValueError(f"{flag} takes {words}, got {value!r}.") from None


def parse_smote_share(value: str | float) -> str | float:
    """``--smote-share`` as GANOversampler takes it: ``"auto"`` or a number between 0 and 1.

    Raises
    ------
    typer.Exit
        If ``value`` is neither, after the message naming ``--smote-share``.
    """
    parsed = _auto_or_number(value)
    if parsed is None:
        fail(f"--smote-share must be a number between 0 and 1 or auto, got {value}.")
    return parsed if parsed == "auto" else check_option("--smote-share", parsed, GANOversampler, "smote_share")


def parse_noise_scale(value: str | float) -> str | float:
    """``--noise-scale`` as GANOversampler takes it: ``"auto"`` or a finite number of at least 0.

    Raises
    ------
    ValueError
        If ``value`` is neither; the message names ``--noise-scale``.
    """
    parsed = _auto_or_number(value)
    if parsed is None:
        raise ValueError(f"--noise-scale takes a number of at least 0 or auto, got {value!r}.")
    return parsed if parsed == "auto" else check_noise_scale(parsed, "--noise-scale")


def _auto_or_number(value: str | float) -> str | float | None:
    """An option's text read as ``"auto"`` (any case, spaces around), an int (so that a message quotes ``2`` as
    given, not ``2.0``) or a float; None when it is neither."""
    text = str(value).strip().lower()
    if text == "auto":
        return "auto"
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    return None


def check_option(flag: str, value: Any, estimator: type, parameter: str, none: str | None = None) -> Any:
    """Return ``value`` if ``estimator`` takes it as ``parameter``; otherwise fail, naming ``flag``.

    The rule is the estimator's own, read from its ``_parameter_constraints`` at each call, so that the command
    line refuses what the estimator refuses, before any work and in the command line's words
    (``--smote-share must be between 0 and 1, got 1.5.``). The message leaves out what no command line can give
    (an instance of a class), and None unless ``none`` names the word that gives it (``--max-steps none``).
    """
    constraints = estimator._parameter_constraints[parameter]
    if not any(make_constraint(c).is_satisfied_by(value) for c in constraints):
        words = [word for c in constraints for word in _describe(c, none)]
        fail(f"{flag} must be {_either(words)}, got {value}.")
    return value


def _either(words: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b or c"``."""
    return " or ".join(filter(None, [", ".join(words[:-1]), words[-1]]))


def _describe(constraint: Any, none: str | None = None) -> list[str]:
    """A constraint in the words of the command line: ``Interval(Real, 0, 1, closed="both")`` ->
    ``["between 0 and 1"]``, ``StrOptions({"auto"})`` -> ``["auto"]``; None -> ``[none]``, or nothing."""
    if not isinstance(constraint, _Constraint):
        constraint = make_constraint(constraint)
    if isinstance(constraint, _NoneConstraint):
        return [none] if none else []
    if isinstance(constraint, StrOptions):
        return sorted(constraint.options)
    if isinstance(constraint, _InstancesOf):
        return []
    if hasattr(constraint, "_constraints"):  # a named group, such as "random_state"
        return [word for c in constraint._constraints for word in _describe(c, none)]
    if not isinstance(constraint, Interval):
        return [str(constraint)]
    return [_describe_interval(constraint)]


def _describe_interval(constraint: Interval) -> str:
    integral = constraint.type is numbers.Integral
    kind = "an integer" if integral else "a number"
    number = "{:d}" if integral else "{:g}"
    left, right = (None if x is None else number.format(x) for x in (constraint.left, constraint.right))
    left_closed, right_closed = constraint.closed in ("left", "both"), constraint.closed in ("right", "both")
    if left is not None and right is not None:
        if left_closed and right_closed:
            return f"{'an integer ' if integral else ''}between {left} and {right}"
        return f"{kind} in {'[' if left_closed else '('}{left}, {right}{']' if right_closed else ')'}"
    if left is not None:
        if integral and constraint.left + (0 if left_closed else 1) == 1:
            return "a positive integer"
        return f"{kind} {'of at least' if left_closed else 'above'} {left}"
    if right is not None:
        return f"{kind} {'of at most' if right_closed else 'below'} {right}"
    return kind


def set_threads(threads: int | None) -> None:
    """Give torch ``--threads`` CPU threads (nothing without the option); fail unless it is at least 1."""
    if threads is None:
        return
    if threads < 1:
        fail(f"--threads must be at least 1, got {threads}.")
    torch.set_num_threads(threads)


def parse_amp(value: str | None) -> str | None:
    """``--amp`` as CGAN takes it: ``"bf16"``, ``"fp16"``, or None for ``none`` (in any case, so ``None`` too);
    otherwise fail, naming ``--amp``."""
    text = None if value is None else value.strip().lower()
    if text is None or text == "none":
        return None
    return check_option("--amp", text, CGAN, "amp", none="none")


def check_loss(loss: str) -> str:
    """Return ``--loss`` if it names a registered loss; otherwise fail, listing the valid names."""
    if loss not in LOSSES:
        fail(f"--loss {loss!r} is not a known loss; choose one of: {', '.join(sorted(LOSSES))}.")
    return loss


def parse_selection(text: str) -> str | None:
    """``--selection`` as GANOversampler's ``selection``: a name, or None for "none"."""
    if text == "none":
        return None
    if text not in SELECTIONS:
        fail(f"--selection {text!r} is not valid; use one of {', '.join((*SELECTIONS, 'none'))}.")
    return text


def parse_category_choice(text: str, images: bool, interpolation: str) -> str:
    """``--category-choice`` as GANOversampler's ``category_choice``, refused for images, which have no categories,
    and where ``interpolation`` pairs rows that are not SMOTE's neighbours."""
    check_option("--category-choice", text, GANOversampler, "category_choice")
    if text != CATEGORY_CHOICE_DEFAULT and images:
        fail(f"--category-choice {text} chooses the categories of a table, and DATA is images; leave it out.")
    if text == "vote" and interpolation == "proximity":
        fail("--category-choice vote takes the categories of SMOTE's neighbours, and --interpolation proximity pairs "
             "rows without them; use --interpolation standard with it, or --category-choice segment.")
    return text


def parse_isolated_classes(text: str, images: bool) -> str:
    """``--isolated-classes`` as GANOversampler's ``isolated_classes``, refused for images, where it does not apply."""
    check_option("--isolated-classes", text, GANOversampler, "isolated_classes")
    if text != ISOLATED_CLASSES_DEFAULT and images:
        fail(f"--isolated-classes {text} applies to the classes of a table, and DATA is images; leave it out.")
    return text


def parse_interpolation(text: str, images: bool) -> str:
    """``--interpolation`` as GANOversampler's ``interpolation``, refused where it does not fit the kind of data."""
    if text not in INTERPOLATIONS:
        fail(f"--interpolation {text!r} is not valid; use one of {', '.join(INTERPOLATIONS)}.")
    if text == "deform" and not images:
        fail("--interpolation deform deforms images, and DATA is a table; use encoded, standard, proximity or auto.")
    if text in ("standard", "proximity") and images:
        fail(f"--interpolation {text} standardises the columns of a table, and DATA is images; use deform, encoded "
             f"or auto.")
    return text


def parse_strategy(text: str) -> str | float:
    """``--strategy`` as imbalanced-learn's ``sampling_strategy``: a name or a float in (0, 1]."""
    if text in STRATEGIES:
        return STRATEGIES[text]
    if text in STRATEGIES.values():
        return text
    try:
        ratio = float(text)
    except ValueError:
        ratio = None
    if ratio is None or not 0 < ratio <= 1:
        fail(f"--strategy {text!r} is not valid; use one of {', '.join(STRATEGIES)}, or a float in (0, 1] such as "
             f"0.5 (the minority/majority ratio after resampling, two classes only).")
    return ratio
