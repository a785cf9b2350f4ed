"""Login: who is this user and which groups are they in, checked against an LDAP directory.

:class:`LdapAuthenticator` works in two steps, on two connections:

1. Search: bound as the service account (``ldap_bind_dn``) or anonymously, find the one entry
   below ``ldap_base_dn`` that matches ``ldap_user_filter`` (default ``(uid={username})``).
2. Bind as that entry's DN with the password: the directory, not Pagewise, checks it.

The user name is then the entry's own ``ldap_username_attribute`` (``uid``), not what was
typed (see pagewise/names.py); a typed name is only ever logged masked.

Groups are then read on the search connection: entries below ``ldap_group_base_dn`` that match
``ldap_group_filter``; their ``ldap_group_attribute`` (``cn``) is the group name. The default
``(member={dn})`` fits groupOfNames (OpenLDAP, also Active Directory's ``group``); for
posixGroup use ``(memberUid={username})``. A member of ``admin_group`` is an admin.

The password is never stored, logged or put in an error message; the connections that saw it
are closed before :meth:`LdapAuthenticator.authenticate` returns. TLS (ldaps, StartTLS) always
checks the directory's certificate, and plaintext goes only to loopback unless
``ldap_allow_plaintext`` says otherwise: see :mod:`pagewise.directory_tls`.
"""

from __future__ import annotations

import contextlib
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from pydantic import SecretStr

from pagewise.directory_tls import directory_tls, tls_failure
from pagewise.errors import ConfigError, PagewiseError
from pagewise.names import entry_name, mask_name
from pagewise.settings import Settings

log = logging.getLogger(__name__)

GENERIC_LOGIN_FAILURE = "Wrong user name or password."
INVALID_CREDENTIALS = 49  # LDAP result code of a failed simple bind


@dataclass(frozen=True)
class Identity:
    """A logged-in user, as the directory describes them."""

    username: str
    display_name: str
    dn: str
    groups: tuple[str, ...]
    is_admin: bool


class Authenticator(Protocol):
    def authenticate(self, username: str, password: str) -> Identity:
        """The user's identity, or an :class:`AuthError` saying why not."""
        ...


class AuthError(PagewiseError):
    """Login failed. ``str(error)`` is for the log; show ``public_message`` to the user.

    ``username`` is the directory's name of the entry that was found (a wrong password), else
    None: the login throttle counts the failure against that person too.
    """

    public_message = "Login failed. Try again, or ask your administrator if it keeps failing."

    def __init__(self, message: str, username: str | None = None) -> None:
        super().__init__(message)
        self.username = username


class MissingCredentialsError(AuthError):
    """The user name or password was empty; nothing was sent to the directory."""

    public_message = "Enter your user name and password."


class WrongCredentialsError(AuthError):
    """The user exists but the directory refused the password."""

    # The same text as for an unknown user, so the login page does not reveal who exists.
    public_message = GENERIC_LOGIN_FAILURE


class UnknownUserError(AuthError):
    """No directory entry matches the user name."""

    public_message = GENERIC_LOGIN_FAILURE


class AmbiguousUserError(AuthError):
    """The user name matches several entries; logging in as either would be a guess."""

    public_message = GENERIC_LOGIN_FAILURE


class DirectoryUnreachableError(AuthError):
    """The directory did not answer in time, or the connection (or TLS) failed."""

    public_message = "The login service is unreachable. Try again in a minute."


class DirectoryTlsError(AuthError):
    """The directory's certificate is not trusted or not valid for its host, or TLS failed."""

    public_message = (
        "The connection to the login service could not be secured. Ask your administrator."
    )


@dataclass
class LdapAuthenticator:
    """Checks logins against an LDAP directory; see the module docstring for the steps."""

    url: str = "ldap://127.0.0.1:3389"
    base_dn: str = "dc=pagewise,dc=test"
    user_filter: str = "(uid={username})"
    group_base_dn: str | None = "ou=groups,dc=pagewise,dc=test"
    group_filter: str = "(member={dn})"
    group_attribute: str = "cn"
    username_attribute: str = "uid"
    bind_dn: str | None = None
    bind_password: SecretStr | None = None
    start_tls: bool = False
    ca_file: Path | None = None
    allow_plaintext: bool = False
    timeout: float = 5.0
    admin_group: str = "pagewise-admins"

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
            raise ConfigError(
                f"ldap_url {self.url!r} is not an LDAP URL. Use ldap://HOST:PORT or"
                " ldaps://HOST:PORT."
            )
        if "{username}" not in self.user_filter:
            raise ConfigError(
                f"ldap_user_filter {self.user_filter!r} lacks {{username}}, so it would match"
                " the same entries for every user. Write it like (uid={username})."
            )
        if "{dn}" not in self.group_filter and "{username}" not in self.group_filter:
            raise ConfigError(
                f"ldap_group_filter {self.group_filter!r} lacks {{dn}} and {{username}}, so"
                " every user would get the same groups. Write it like (member={dn})."
            )
        if (self.bind_dn is None) != (self.bind_password is None):
            raise ConfigError(
                "Set both ldap_bind_dn and ldap_bind_password for a service account, or"
                " neither for anonymous search."
            )
        tls = directory_tls(self.url, self.start_tls, self.ca_file, self.allow_plaintext)
        self._server = ldap3.Server(
            self.url, get_info=ldap3.NONE, connect_timeout=self.timeout, tls=tls
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> LdapAuthenticator:
        return cls(
            url=settings.ldap_url,
            base_dn=settings.ldap_base_dn,
            user_filter=settings.ldap_user_filter,
            group_base_dn=settings.ldap_group_base_dn,
            group_filter=settings.ldap_group_filter,
            group_attribute=settings.ldap_group_attribute,
            username_attribute=settings.ldap_username_attribute,
            bind_dn=settings.ldap_bind_dn,
            bind_password=settings.ldap_bind_password,
            start_tls=settings.ldap_start_tls,
            ca_file=settings.ldap_ca_file,
            allow_plaintext=settings.ldap_allow_plaintext,
            timeout=settings.ldap_timeout,
            admin_group=settings.admin_group,
        )

    def authenticate(self, username: str, password: str) -> Identity:
        username = username.strip()
        # An empty password would make the bind an "unauthenticated bind" (RFC 4513 5.1.2),
        # which many servers answer with success: it must never reach the directory.
        if not username or not password or not password.strip():
            raise MissingCredentialsError("Login refused: empty user name or password.")
        return self._identity(username, password)

    def lookup(self, username: str) -> Identity:
        """The directory entry and groups of ``username``, without a password.

        For operators on the server (``pagewise ask --user``), never for a login.
        """
        username = username.strip()
        if not username:
            raise MissingCredentialsError("Give a user name.")
        return self._identity(username, None)

    def _identity(self, username: str, password: str | None) -> Identity:
        try:
            search = self._search_connection()
            try:
                dn, display_name, name = self._find_user(search, username)
                if password is not None:
                    self._check_password(dn, name, password)
                groups = self._groups(search, name, dn)
            finally:
                search.unbind()
        except ldap_errors.LDAPExceptionError as exc:
            error = self._translate(exc)
            log.warning("login failed for %s: %s", mask_name(username), error)
            raise error from None
        except AuthError as exc:
            # The log keeps what the login page hides (unknown user vs. wrong password).
            log.warning("login failed for %s: %s", exc.username or mask_name(username), exc)
            raise
        is_admin = self.admin_group.casefold() in (g.casefold() for g in groups)
        if password is not None:
            log.info("login: %s (%s) in groups %s", name, dn, ", ".join(groups) or "none")
        return Identity(name, display_name, dn, groups, is_admin)

    def _connect(self, user: str | None, password: SecretStr | str | None) -> ldap3.Connection:
        """An open connection after a bind as ``user`` (anonymous when None); check its result."""
        secret = password.get_secret_value() if isinstance(password, SecretStr) else password
        conn = ldap3.Connection(
            self._server,
            user=user,
            password=secret,
            authentication=ldap3.SIMPLE if user else ldap3.ANONYMOUS,
            # ldap3 packs this into SO_RCVTIMEO as an integer: whole seconds only.
            receive_timeout=math.ceil(self.timeout),
            read_only=True,
            raise_exceptions=False,
        )
        # ldap3 keeps the password on the connection object; drop it as soon as it is sent.
        try:
            conn.open()
            # ldap3 answers some refusals with False instead of an error: never bind on those.
            if self.start_tls and not conn.start_tls():
                raise ldap_errors.LDAPStartTLSError("startTLS failed - connection not encrypted")
            conn.bind()
        except ldap_errors.LDAPExceptionError:
            with contextlib.suppress(ldap_errors.LDAPExceptionError):
                conn.unbind()
            raise
        finally:
            conn.password = None
        return conn

    def _search_connection(self) -> ldap3.Connection:
        conn = self._connect(self.bind_dn, self.bind_password)
        if conn.result["result"] != 0:
            description = conn.result["description"]
            conn.unbind()
            if self.bind_dn:
                raise AuthError(
                    f"The directory refused the service account {self.bind_dn} ({description})."
                    " Check ldap_bind_dn and ldap_bind_password."
                )
            raise AuthError(
                f"The directory refused an anonymous bind ({description}). Set ldap_bind_dn"
                " and ldap_bind_password to search with a service account."
            )
        return conn

    def _check_password(self, dn: str, name: str, password: str) -> None:
        conn = self._connect(dn, password)
        code, description = conn.result["result"], conn.result["description"]
        conn.unbind()
        if code == INVALID_CREDENTIALS:
            raise WrongCredentialsError(f"Wrong password for {dn}.", username=name)
        if code != 0:
            raise AuthError(f"The directory refused the login of {dn} ({description}).", name)

    def _find_user(self, conn: ldap3.Connection, username: str) -> tuple[str, str, str]:
        """The DN, display name and directory user name of the one entry matching the name."""
        # Escaping turns *, (, ), \ and NUL into \2a-style escapes: no filter injection.
        query = self.user_filter.replace("{username}", escape_filter_chars(username))
        conn.search(
            self.base_dn,
            query,
            search_scope=ldap3.SUBTREE,
            attributes=["displayName", "cn", self.username_attribute],
            size_limit=2,
        )
        entries = [r for r in conn.response or [] if r.get("type") == "searchResEntry"]
        if not entries:
            if conn.result["result"] != 0:
                raise AuthError(
                    f"Searching for user {mask_name(username)} below {self.base_dn} failed"
                    f" ({conn.result['description']}). Check ldap_base_dn and ldap_user_filter."
                )
            raise UnknownUserError(f"No directory entry matches user {mask_name(username)}.")
        if len(entries) > 1:
            raise AmbiguousUserError(
                f"User name {mask_name(username)} matches several directory entries"
                f" ({entries[0]['dn']}, {entries[1]['dn']}, ...); login refused. Make the"
                " user name unique in the directory or narrow ldap_user_filter."
            )
        entry = entries[0]
        attributes = entry.get("attributes", {})
        display = _first(attributes.get("displayName")) or _first(attributes.get("cn"))
        dn = str(entry["dn"])
        name = entry_name(dn, self.username_attribute, attributes.get(self.username_attribute))
        return dn, display or name, name

    def _groups(self, conn: ldap3.Connection, username: str, dn: str) -> tuple[str, ...]:
        query = self.group_filter.replace("{dn}", escape_filter_chars(dn)).replace(
            "{username}", escape_filter_chars(username)
        )
        conn.search(
            self.group_base_dn or self.base_dn,
            query,
            search_scope=ldap3.SUBTREE,
            attributes=[self.group_attribute],
        )
        names: set[str] = set()
        for entry in conn.response or []:
            if entry.get("type") == "searchResEntry":
                name = _first(entry.get("attributes", {}).get(self.group_attribute))
                if name:
                    names.add(name)
        return tuple(sorted(names))

    def _translate(self, exc: ldap_errors.LDAPExceptionError) -> AuthError:
        tls_problem = tls_failure(exc, self.url, self.ca_file)
        if tls_problem is not None:
            return DirectoryTlsError(tls_problem)
        unreachable = (
            ldap_errors.LDAPCommunicationError,
            ldap_errors.LDAPResponseTimeoutError,
            ldap_errors.LDAPStartTLSError,
        )
        if isinstance(exc, unreachable):
            return DirectoryUnreachableError(
                f"The directory at {self.url} is unreachable ({type(exc).__name__}: {exc})."
                f" Check that it runs and that ldap_url is right; gave up after {self.timeout}"
                " s."
            )
        return AuthError(f"The directory at {self.url} failed: {type(exc).__name__}: {exc}.")


def _first(value: object) -> str:
    """The first value of an attribute that ldap3 returns as a list or a single value."""
    if isinstance(value, list | tuple):
        return str(value[0]) if value else ""
    return str(value) if value else ""
