"""``augan resample``: the original rows plus synthetic rows of the classes that need them."""

from __future__ import annotations

import typer
from imblearn.utils import check_sampling_strategy

from augan import GANOversampler
from augan._validation import check_noise_scale
from augan.distributed import is_main_process

from . import options as o
from .errors import fail, reported_errors
from .files import check_outputs, is_images, write_table
from .target import describe, model_metadata, read_training_table, require_target, with_index, with_target
from .training import Training, training_options


@training_options
def resample(data: o.Data, out: o.Out, target: o.Target = None, strategy: o.Strategy = o.STRATEGY_DEFAULT,
             selection: o.Selection = o.SELECTION_DEFAULT, smote_share: o.SmoteShare = o.SMOTE_SHARE_DEFAULT,
             noise_scale: o.NoiseScale = o.NOISE_SCALE_DEFAULT,
             model_out: o.ModelOut = None,
             overwrite: o.Overwrite = False, *, training: Training) -> None:
    """Write DATA's rows followed by synthetic rows that balance the classes as --strategy says."""
    with reported_errors(training.checkpoint_dir):
        training.check_files({"DATA": data}, {"--out": out, "--model-out": model_out})
        sampling_strategy = o.parse_strategy(strategy)
        selection = o.parse_selection(selection)
        o.check_option("--smote-share", smote_share, GANOversampler, "smote_share")
        check_noise_scale(noise_scale, "--noise-scale")
        if is_images(data):
            fail(f"resample writes tables; for images use augan generate {data} --balance (synthetic images only).")
        check_outputs(out, model_out, overwrite)
        gan = training.make_gan()
        target = require_target(target, data)
        frame, X, y, _ = read_training_table(data, target, training.categorical_columns)
        gan.set_params(categorical_features=training.categorical_features(X))
        if not any(check_sampling_strategy(sampling_strategy, y, "over-sampling").values()):
            fail(f"--strategy {strategy} adds no rows to {target!r}; its classes are already balanced enough.")
        sampler = GANOversampler(sampling_strategy=sampling_strategy, gan=gan, selection=selection,
                                 smote_share=smote_share, noise_scale=noise_scale)
        X_out, y_out = sampler.fit_resample(X, y)
        if is_main_process():
            table = with_target(X_out, y_out, target, list(frame.columns))
            write_table(with_index(table, frame.index), out, overwrite)
        if model_out is not None:
            sampler.gan_.save(model_out, overwrite, metadata=model_metadata(target, frame))
    if not training.quiet and is_main_process():
        typer.echo(f"wrote {len(frame)} original + {len(y_out) - len(frame)} synthetic rows, "
                   f"{describe(y_out)}, to {out}" + (f"; model in {model_out}" if model_out else ""))
