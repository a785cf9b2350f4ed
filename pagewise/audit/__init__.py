"""The audit log: a hash chain of JSON lines under ``DATA_DIR/audit``, tamper-evident.

Events: logins (success and failure), questions with their answers and citations, feedback,
uploads and deletions.

Every record carries ``seq`` (1, 2, …), ``prev`` (the ``hash`` of the record before it, 64 zeros
for the first), ``alg`` and ``kid`` (the key's id) and ``hash``: HMAC-SHA256, under the key in
``audit_key_file`` (:mod:`pagewise.audit.key`), of the record's canonical JSON without ``hash``.
Editing, deleting, reordering or cutting a line breaks the chain, and :func:`verify` names
where; without the key nobody can re-sign the records after an edit. Records from before signing
(no ``alg``: plain SHA-256) still verify, but none may follow a signed one. Removing whole records
from the *end* leaves a whole chain: the writer copies the head to checkpoints outside the
folder (:mod:`pagewise.audit.checkpoint`), verify checks them, and the writer refuses to
continue a chain that went backwards.

Files: ``audit-YYYYMMDD-NNN.jsonl`` (local date of the first record, NNN from 001). A new file
starts when the day changes or the current one would pass ``max_bytes``; the chain runs on
across files. An ``audit.jsonl`` from before the chain is still read by :meth:`AuditLog.recent`
and :func:`export` (as the oldest records), but has no hashes, so :func:`verify` only counts it.

Several portal processes and threads append safely: each append holds an exclusive ``flock`` on
``audit.lock`` while it reads the chain's tail and writes one whole line with ``O_APPEND``.
"""
