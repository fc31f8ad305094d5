"""The four-weekly MATAC process.

Meetings and their snapshots (``meetings``), the agenda (``agenda``),
the cohort: decisions, tactics, orders, exits (``cohort``), partnership
actions (``actions``), offender-manager workload (``workload``),
outcomes (``outcomes``), the other forums a subject is known to
(``forums``) and the force's own settings (``force``). Imports
``analysis``, ``intake``, ``storage`` and ``domain``; never Qt.
"""
