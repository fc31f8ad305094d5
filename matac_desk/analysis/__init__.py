"""What the records mean.

RFGV scoring and its configuration (``scoring``), nominations
(``nominations``), the relationship graph: new partners, shared victims,
networks (``graph``), probable duplicate persons and merges
(``duplicates``) and the relationship picture (``picture``). Imports
``storage`` and ``domain`` only; never Qt, and nothing from ``intake``.
"""
