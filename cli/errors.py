"""How the commands report a user's mistake: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import typer

from augan.train import CHECKPOINT_NAME, TrainingDivergedError, TrainingTerminated

USAGE_ERROR = 2
INTERRUPTED = 130
TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a process SIGTERM ended


def fail(message: str) -> NoReturn:
    """Print ``augan: error: message`` on stderr and exit with code 2."""
    typer.echo(f"augan: error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code=USAGE_ERROR)


@contextlib.contextmanager
def reported_errors(checkpoint_dir: Path | None = None) -> Iterator[None]:
    """Turn the library's input errors into :func:`fail`, Ctrl-C into exit code 130 and SIGTERM into 143.

    Warnings print as one line each, ``augan: warning: ...``. Other exceptions are bugs and propagate with
    their traceback.
    """
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            yield
    except TrainingTerminated:
        typer.echo(f"augan: terminated (SIGTERM); {_checkpoint_note(checkpoint_dir)}", err=True)
        raise typer.Exit(code=TERMINATED) from None
    except KeyboardInterrupt:
        typer.echo(f"augan: interrupted; {_checkpoint_note(checkpoint_dir)}", err=True)
        raise typer.Exit(code=INTERRUPTED) from None
    except (ValueError, TypeError, OSError, TrainingDivergedError) as exc:
        fail(str(exc) or type(exc).__name__)


def _show_warning(message: Warning | str, *args: object, **kwargs: object) -> None:
    typer.echo(f"augan: warning: {' '.join(str(message).split())}", err=True)


def _checkpoint_note(checkpoint_dir: Path | None) -> str:
    checkpoint = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
    if checkpoint is not None and checkpoint.exists():
        return f"training state saved in {checkpoint} (run again with --resume to continue)."
    return "nothing was written (pass --checkpoint-dir to keep the training state)."
