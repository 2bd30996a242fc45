"""The audit log: an append-only, hash-chained JSON Lines record of every wizard decision.

Modules, lowest first:

* ``kinds``   - the fixed vocabulary of record kinds, so a typo can never enter the log;
* ``record``  - one record, its canonical form and its SHA-256 chain hash;
* ``guard``   - refuses data that looks like a secret (defence in depth);
* ``log``     - ``AuditLog``, the only writer;
* ``verify``  - ``verify_log``, which names the first record that breaks the chain;
* ``export``  - copies verified records out as JSONL, JSON or Markdown for a reviewer;
* ``command`` - the ``aks-wizard audit verify|export`` entry points.

Nothing here imports Textual: the log must be writable and checkable without a terminal UI.
"""
