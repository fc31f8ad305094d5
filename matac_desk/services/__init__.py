"""The use cases the screens and the CLI share.

Each module answers what one screen or command asks (``people``,
``casefile``, ``dashboard``, ``attention``, ``selection``, ``imports``,
``thresholds``, ``relations``), records undoable edits (``edits``), and
makes the fictitious demo data (``demo``) and the embedded demo store
(``demo_store``). Imports everything below it (``meeting``,
``analysis``, ``intake``, ``storage``, ``domain``); never Qt, never
``pack``, ``ui`` or ``cli``.
"""
