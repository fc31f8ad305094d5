"""The encrypted store and what guards it.

The SQLCipher file and its lock (``store``), the schema's migrations
(``schema``), the hash-chained audit log (``audit``), backups and
restores (``backups``), review and erasure (``retention``) and atomic,
owner-only files (``files``). This is the ground floor: it imports only
``matac_desk.domain`` and ``matac_desk.paths``, never Qt.
"""
