"""What the portal needs, built once per server process from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from assistant.answer import Assistant, User
from pagewise.access import AccessPolicy, load_access
from pagewise.audit.log import AuditLog
from pagewise.auth import Authenticator, LdapAuthenticator
from pagewise.logins import LoginGuard, load_login_policy
from pagewise.sensitive import SensitiveWords, load_sensitive_words
from pagewise.settings import Settings
from ui.components import Components, build, lora_adapter


@dataclass
class Services:
    settings: Settings
    components: Components
    authenticator: Authenticator
    access: AccessPolicy
    audit: AuditLog
    logins: LoginGuard
    _department_assistants: dict[str, Assistant] = field(default_factory=dict)

    @cached_property
    def assistant(self) -> Assistant:
        # Loading the LLM takes seconds: only when the first question comes. The assistant
        # audits each question itself, into the same log as the portal's logins.
        return self.components.assistant(audited=True)

    @cached_property
    def sensitive(self) -> SensitiveWords:
        """The sensitive words, redacted in everything shown from a document or the model."""
        return load_sensitive_words(self.settings.policies_dir)

    def assistant_for(self, user: User) -> Assistant:
        """The assistant answering through the user's department LoRA adapter, if one is
        served for any of their groups; else the shared one."""
        adapter = lora_adapter(self.settings, user.groups)
        if adapter is None:
            return self.assistant
        if adapter not in self._department_assistants:
            assistant = self.components.assistant(audited=True, groups=[adapter])
            self._department_assistants[adapter] = assistant
        return self._department_assistants[adapter]


def make_services(settings: Settings) -> Services:
    # First, before the index opens: login settings that would send passwords in clear text
    # (or a missing CA file) stop the portal at once.
    authenticator = LdapAuthenticator.from_settings(settings)
    components = build(settings)
    authenticator = LdapAuthenticator.from_settings(settings)
    return Services(
        settings=settings,
        components=components,
        authenticator=authenticator,
        access=load_access(settings.policies_dir),
        # Logins, logouts, feedback and admin actions: the portal records those itself.
        audit=components.audit_log,
        # Every login goes through the throttle, which audits logins, failures and refusals.
        logins=LoginGuard(
            authenticator,
            settings.data_dir,
            load_login_policy(settings.policies_dir),
            audit=components.audit_log,
        ),
    )
