"""Records coming in.

The police extract importer (``importer``: mapping, checks, rejects,
all-or-nothing batches) and intelligence links, from a CSV or entered by
hand (``links``). Imports ``storage`` and ``domain`` only; never Qt, and
nothing from ``analysis`` (the two are siblings).
"""
