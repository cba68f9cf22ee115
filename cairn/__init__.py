"""Cairn's bottom layer: the error root, settings resolution and the version.

Every other package imports from here and nothing here imports them.
"""

__version__ = "0.1.0"
