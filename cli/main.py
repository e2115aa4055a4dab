"""The ``augan`` command: every command is registered here, one module each."""

from __future__ import annotations

from typing import Annotated

import typer

import augan

from . import end_of_start_up
from .errors import OneLineErrors
from .evaluate import evaluate
from .fit import fit
from .generate import generate
from .resample import resample
from .sample import sample

HELP = ("Conditional GANs that oversample rare classes. Tables: .csv, .parquet or .pq; images: a folder with a "
        "subfolder per class, or .npz.")

app = typer.Typer(name="augan", no_args_is_help=True, add_completion=False, help=HELP, cls=OneLineErrors)

app.command("generate")(generate)
app.command("fit")(fit)
app.command("sample")(sample)
app.command("resample")(resample)
app.command("evaluate")(evaluate)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"augan {augan.__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                               help="Print the version and exit.")] = False) -> None:
    """Conditional GANs that oversample rare classes. Tables: .csv, .parquet or .pq; images: a folder with a
    subfolder per class, or .npz."""


end_of_start_up()
