"""``python -m augan_cli``: the same as the ``augan`` command."""

from .main import app

app(prog_name="augan")
