"""The audit log and its checkpoints as the settings configure them: one place for every
entry point (the composition root, `pagewise logins`, `pagewise audit verify`), so none of them
has to load the rest of the product to write or check a record."""

from __future__ import annotations

from pagewise.audit.checkpoint import Checkpoints
from pagewise.audit.key import load_key
from pagewise.audit.log import AuditLog
from pagewise.audit.masking import load_audit_policy
from pagewise.settings import Settings


def audit_checkpoints(settings: Settings) -> Checkpoints:
    """Where the audit chain's head is kept outside the data dir."""
    return Checkpoints(settings.audit_checkpoint_file, settings.audit_syslog)


def open_audit_log(settings: Settings) -> AuditLog:
    """The audit log of ``settings``, signed with its key and anchored by its checkpoints."""
    return AuditLog(
        settings.data_dir / "audit",
        load_audit_policy(settings.policies_dir).masks,
        key=load_key(settings.audit_key_file, data_dir=settings.data_dir),
        checkpoints=audit_checkpoints(settings),
        checkpoint_records=settings.audit_checkpoint_records,
        checkpoint_seconds=settings.audit_checkpoint_seconds,
    )
