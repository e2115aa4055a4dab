"""The ``augan`` command line, a thin Typer face over :mod:`augan` (installed as ``augan_cli``)."""
