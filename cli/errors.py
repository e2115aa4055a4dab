"""How the commands report a user's mistake: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import typer

from augan.train import CHECKPOINT_NAME, TrainingDivergedError

USAGE_ERROR = 2
INTERRUPTED = 130


def fail(message: str) -> NoReturn:
    """Print ``augan: error: message`` on stderr and exit with code 2."""
    typer.echo(f"augan: error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code=USAGE_ERROR)


@contextlib.contextmanager
def reported_errors(checkpoint_dir: Path | None = None) -> Iterator[None]:
    """Turn the library's input errors into :func:`fail` and Ctrl-C into exit code 130.

    Other exceptions are bugs and propagate with their traceback.
    """
    try:
        yield
    except KeyboardInterrupt:
        typer.echo(f"augan: interrupted; {_checkpoint_note(checkpoint_dir)}", err=True)
        raise typer.Exit(code=INTERRUPTED) from None
    except (ValueError, TypeError, OSError, TrainingDivergedError) as exc:
        fail(str(exc) or type(exc).__name__)


def _checkpoint_note(checkpoint_dir: Path | None) -> str:
    checkpoint = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
    if checkpoint is not None and checkpoint.exists():
        return f"training state saved in {checkpoint} (run again with --resume to continue)."
    return "nothing was written (pass --checkpoint-dir to keep the training state)."
