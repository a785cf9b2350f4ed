"""What the portal needs, built once per server process from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from assistant.answer import Assistant
from pagewise.access import AccessPolicy, load_access
from pagewise.audit import AuditLog, load_audit_policy
from pagewise.auth import Authenticator, LdapAuthenticator
from pagewise.components import Components, build
from pagewise.settings import Settings


@dataclass
class Services:
    settings: Settings
    components: Components
    authenticator: Authenticator
    access: AccessPolicy
    audit: AuditLog

    @cached_property
    def assistant(self) -> Assistant:
        # Loading the LLM takes seconds: only when the first question comes.
        return self.components.assistant()


def make_services(settings: Settings) -> Services:
    return Services(
        settings=settings,
        components=build(settings),
        authenticator=LdapAuthenticator.from_settings(settings),
        access=load_access(settings.policies_dir),
        audit=AuditLog(settings.data_dir / "audit", load_audit_policy(settings.policies_dir).masks),
    )
