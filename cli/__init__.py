"""The ``augan`` command line, a thin Typer face over :mod:`augan` (installed as ``augan_cli``)."""

import os
import signal
import sys
import threading


def _interrupted_while_starting(signum: int, frame: object) -> None:
    os.write(2, b"augan: interrupted while starting; nothing was done.\n")
    os._exit(130)


def end_of_start_up() -> None:
    """Give Ctrl-C back its usual meaning (a KeyboardInterrupt the commands report) once the app is loaded."""
    if signal.getsignal(signal.SIGINT) is _interrupted_while_starting:
        signal.signal(signal.SIGINT, signal.default_int_handler)


# Started as a program (the console script, or python -m augan_cli), Ctrl-C during the seconds torch takes to
# import ends quietly instead of with a KeyboardInterrupt traceback. Imported as a library, nothing changes.
if threading.current_thread() is threading.main_thread() and os.path.basename(sys.argv[0]) in ("augan", "-m"):
    signal.signal(signal.SIGINT, _interrupted_while_starting)
