"""How the commands report a user's mistake: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperGroup

try:
    from typer._click import exceptions as click_exceptions  # the click that recent Typer vendors
except ImportError:
    from click import exceptions as click_exceptions

from augan.train import TrainingDivergedError, TrainingTerminated

if TYPE_CHECKING:
    from .training import Training

USAGE_ERROR = 2
INTERRUPTED = 130
TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a process SIGTERM ended
_NO_ARGS_IS_HELP = getattr(click_exceptions, "NoArgsIsHelpError", ())  # click >= 8.2


def fail(message: str) -> NoReturn:
    """Print ``augan: error: message`` on stderr and exit with code 2."""
    typer.echo(f"augan: error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code=USAGE_ERROR)


# The library's parameters that the commands take as options, by the name of the option.
FLAGS = {"epochs": "--epochs", "batch_size": "--batch-size", "max_steps": "--max-steps", "loss": "--loss",
         "device": "--device", "random_state": "--seed", "seed": "--seed", "checkpoint_dir": "--checkpoint-dir",
         "checkpoint_every": "--checkpoint-every", "resume": "--resume", "architecture": "--architecture",
         "amp": "--amp", "size": "--size", "n": "--n", "noise_scale": "--noise-scale", "smote_share": "--smote-share",
         "sampling_strategy": "--strategy", "selection": "--selection", "max_synthetic_ratio": "--max-synthetic-ratio",
         "cv": "--cv", "isolated_classes": "--isolated-classes"}
_PARAMETER = re.compile(r"The '(\w+)' parameter of \w+ (must|is)")
_BOTH = re.compile(r"\b\w+=\S+ \(CLI: ([^)]+)\)")  # "pass overwrite=True (CLI: --overwrite)": the CLI's words only
_NAMED = re.compile(r"(?<![^\s(])(\w+)(=|(?= (?:must|asks for|is not|needs)\b))")


def as_flags(message: str) -> str:
    """``message`` from the library with the parameters the command line sets named by their options:
    ``"The 'epochs' parameter of CGAN must be ..."`` -> ``"--epochs must be ..."``, ``"device='xpu' ..."`` ->
    ``"--device 'xpu' ..."``, ``"pass overwrite=True (CLI: --overwrite)"`` -> ``"pass --overwrite"``."""
    message = _BOTH.sub(r"\1", message)
    message = _PARAMETER.sub(lambda m: f"{FLAGS[m[1]]} {m[2]}" if m[1] in FLAGS else m[0], message)
    return _NAMED.sub(lambda m: FLAGS[m[1]] + (" " if m[2] == "=" else "") if m[1] in FLAGS else m[0], message)


@contextlib.contextmanager
def reported_errors(training: Training | None = None) -> Iterator[None]:
    """Turn the library's input errors into :func:`fail`, Ctrl-C into exit code 130 and SIGTERM into 143.

    Warnings print as one line each, ``augan: warning: ...``. Other exceptions are bugs and propagate with
    their traceback. A training command passes its ``training`` options, whose checkpoint the interrupt
    messages name.
    """
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            yield
    except TrainingTerminated:
        typer.echo(f"augan: terminated (SIGTERM); {_checkpoint_note(training)}", err=True)
        raise typer.Exit(code=TERMINATED) from None
    except KeyboardInterrupt:
        typer.echo(f"augan: interrupted; {_checkpoint_note(training)}", err=True)
        raise typer.Exit(code=INTERRUPTED) from None
    except (ValueError, TypeError, OSError, TrainingDivergedError) as exc:
        fail(as_flags(str(exc)) or type(exc).__name__)


def _show_warning(message: Warning | str, *args: object, **kwargs: object) -> None:
    typer.echo(f"augan: warning: {as_flags(' '.join(str(message).split()))}", err=True)


def _checkpoint_note(training: Training | None) -> str:
    if training is None:  # a command that does not train
        return "nothing was written."
    checkpoint = training.checkpoint
    if training.earlier_checkpoint_kept:
        return f"this run saved no training state; the earlier run's checkpoint {checkpoint} is kept."
    if checkpoint is not None and checkpoint.exists():
        return f"training state saved in {checkpoint} (run again with --resume to continue)."
    return "nothing was written (pass --checkpoint-dir to keep the training state)."
    return "nothing was written (pass --checkpoint-dir to keep the training state)."


class OneLineErrors(TyperGroup):
    """The ``augan`` command group, whose own errors keep the one-line form: a usage error of Typer's
    (unknown option, bad value, missing argument) and a failed write to standard output (``/dev/full``) print
    ``augan: error: ...`` and exit with code 2 instead of a framed panel or a traceback."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _NO_ARGS_IS_HELP as exc:
            if exc.format_message():  # Typer's rich help is printed as the error is made; plain help is not
                typer.echo(exc.format_message())
            code = exc.exit_code
        except click_exceptions.UsageError as exc:
            _one_line(f"{exc.format_message()} (see {self._help_path(exc.ctx, args)} --help)", exc.exit_code)
        except click_exceptions.ClickException as exc:
            _one_line(exc.format_message(), exc.exit_code)
        except typer.Abort:
            _one_line("interrupted", INTERRUPTED, prefix="augan: ")
        except OSError as exc:  # inside reported_errors the commands report their own: this is stdout's
            _silence_stdout()
            _one_line(f"cannot write to standard output: {exc.strerror or exc}", USAGE_ERROR)
        sys.exit(code if isinstance(code, int) else 0)


    def _help_path(self, ctx: Any, args: Sequence[str] | None) -> str:
        """The command whose help answers a usage error: the failing context's, or the command named in ``args``
        when the error came before that command's context was made (an option given no value)."""
        path = self.name if ctx is None else ctx.command_path
        if ctx is None or ctx.command is self:
            named = next((a for a in (sys.argv[1:] if args is None else args) if a in self.commands), None)
            if named is not None:
                return f"{path} {named}"
        return path


def _one_line(message: str, code: int, prefix: str = "augan: error: ") -> NoReturn:
    typer.echo(prefix + " ".join(message.split()), err=True)
    sys.exit(code)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of what could not be written fails
    silently instead of printing a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
