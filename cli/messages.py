"""The library's log messages (e.g. how long training will take) as ``augan: ...`` lines on stderr."""

from __future__ import annotations

import logging
import sys

from tqdm.auto import tqdm

from .errors import FLAGS


class _EchoHandler(logging.Handler):
    """Echo each record as one line above the progress bar, with CLI flags in place of parameter names."""

    def emit(self, record: logging.LogRecord) -> None:
        parameters = getattr(record, "parameters", ())
        args = tuple(FLAGS.get(a, "--" + a.replace("_", "-")) if a in parameters else a for a in record.args or ())
        message = record.msg % args if args else str(record.msg)
        prefix = "augan: warning: " if record.levelno >= logging.WARNING else "augan: "
        tqdm.write(prefix + message, file=sys.stderr)


_HANDLER = _EchoHandler()


def show_library_messages(quiet: bool) -> None:
    """Show the ``augan`` logger's messages on stderr: all of them, or only warnings when ``quiet``."""
    logger = logging.getLogger("augan")
    if _HANDLER not in logger.handlers:
        logger.addHandler(_HANDLER)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
