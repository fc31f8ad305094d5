"""Where the program's own files are: ``resources/`` beside the package."""

from __future__ import annotations

from pathlib import Path

__all__ = ["RESOURCES", "resource"]

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    """A file under ``resources/``."""
    return RESOURCES.joinpath(*parts)
