"""The ``veil`` command line (click): one module per command, shared options and a batch runner."""

from veil.cli.main import main

__all__ = ["main"]
