"""MATAC Desk: a desktop tool for police MATAC coordinators."""

__all__ = ["__version__"]

__version__ = "0.1.0"
