"""Records coming in.

The police extract importer (``importer``: mapping, checks, rejects,
all-or-nothing batches), intelligence links, from a CSV or entered by
hand (``links``), and undoing an import (``undo``: what an import keeps
to be undone, the checks, the undo). Imports ``storage`` and ``domain``
only; never Qt, and nothing from ``analysis`` (the two are siblings).
"""
