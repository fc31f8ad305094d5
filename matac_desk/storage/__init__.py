"""The encrypted store and what guards it.

The SQLCipher file and its lock (``store``), the schema's migrations
(``schema``), the hash-chained audit log (``audit``) and its anchors kept
outside the store (``anchors``), backups and restores (``backups``),
review and erasure (``retention``), atomic, owner-only files (``files``)
and the process's hardening at start-up (``hardening``). This is the ground floor: it imports only
``matac_desk.domain`` and ``matac_desk.paths``, never Qt.
"""
