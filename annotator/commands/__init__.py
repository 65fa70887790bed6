"""Headless subcommands of the ``annotator`` CLI, one module each (imported lazily by cli.py)."""
