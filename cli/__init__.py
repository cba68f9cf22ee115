"""The `cairn` command: thin Typer front end over the workflows in ``lineage``."""
