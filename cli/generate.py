"""``augan generate``: train on a table and write synthetic rows only."""

from __future__ import annotations

import typer
from imblearn.utils import check_sampling_strategy

from . import options as o
from .errors import fail, reported_errors
from .files import check_outputs, read_table, write_table
from .target import describe, model_metadata, parse_label, split_target, with_target
from .training import Training, training_options


@training_options
def generate(data: o.Data, target: o.Target, out: o.Out, n: o.Count = None, label: o.Label = None,
             balance: o.Balance = False, model_out: o.ModelOut = None, overwrite: o.Overwrite = False, *,
             training: Training) -> None:
    """Train a conditional GAN on DATA and write synthetic rows (only those) to --out.

    --balance: the rows that bring every class up to the largest. --n: that many rows, of one --label or in the
    training proportions.
    """
    with reported_errors(training.checkpoint_dir):
        if balance and n is not None:
            fail("give --n (how many rows) or --balance (as many as balance the classes), not both.")
        if not balance and n is None:
            fail("say how many rows to draw: --n N, or --balance for as many as balance the classes.")
        if label is not None and balance:
            fail("--label goes with --n; --balance draws rows of every class that needs them.")
        if n is not None:
            o.check_count(n)
        check_outputs(out, model_out, overwrite)
        gan = training.make_gan()
        frame = read_table(data)
        X, y, classes = split_target(frame, target, data)
        if balance:
            request = {c: int(k) for c, k in check_sampling_strategy("auto", y, "over-sampling").items() if k > 0}
            if not request:
                fail(f"the classes of {target!r} are already balanced; use --n to draw rows anyway.")
        else:
            request = parse_label(label, classes) if label is not None else None
        gan.fit(X, y)
        X_new, y_new = gan.sample(None if balance else n, request, return_y=True)
        write_table(with_target(X_new, y_new, target, list(frame.columns)), out, overwrite)
        if model_out is not None:
            gan.save(model_out, overwrite, metadata=model_metadata(target, frame))
    if not training.quiet:
        typer.echo(f"wrote {describe(y_new)} to {out}" + (f"; model in {model_out}" if model_out else ""))
