"""``python -m cairn``: the same command as ``cairn``."""

from cairn.cli.main import main

main()
