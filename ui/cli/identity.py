"""Who a command acts for: the operator, or with ``--user`` a directory user and their rights."""

from __future__ import annotations

from assistant.answer import User
from pagewise.errors import PagewiseError
from pagewise.settings import Settings


def acting_user(settings: Settings, username: str | None, collections: tuple[str, ...]) -> User:
    """The operator (every collection, or those named) or, with --user, a directory user with
    exactly the collections their groups allow."""
    if not username:
        return User("cli", collections=collections or None)
    # The directory client is loaded only for --user: every other command starts without it.
    from pagewise.access import load_access
    from pagewise.auth import LdapAuthenticator

    identity = LdapAuthenticator.from_settings(settings).lookup(username)
    allowed = load_access(settings.policies_dir).collections_for(identity.groups, identity.is_admin)
    if allowed == ():
        raise PagewiseError(
            f"user {username} is in no group that has manuals (groups: "
            f"{', '.join(identity.groups) or 'none'}); see policies/access.toml"
        )
    if collections:
        # Naming collections can narrow what the user sees, never widen it.
        allowed = tuple(c for c in collections if allowed is None or c in allowed)
    return User(identity.username, identity.groups, allowed)
