"""How the login reaches the directory: TLS that always checks the certificate, or plaintext only
where nobody else can listen.

- ``ldaps://`` and ``ldap://`` with StartTLS check the directory's certificate against
  ``ldap_ca_file`` (or the system's CAs) and its host name against the host of ``ldap_url``.
  There is deliberately no setting that turns either check off: a login that trusts any
  certificate hands every password to whoever can redirect the connection.
- Plain ``ldap://`` without StartTLS sends passwords in clear text. It is accepted on loopback
  (the demo directory, a directory on the same host); for any other host only with
  ``ldap_allow_plaintext``, and then every start logs a warning.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ldap3
from ldap3.core import exceptions as ldap_errors

from pagewise.errors import ConfigError

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """True for names and addresses that never leave this machine."""
    name = host.strip("[]").rstrip(".").casefold()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def directory_tls(
    url: str, start_tls: bool, ca_file: Path | None, allow_plaintext: bool
) -> ldap3.Tls | None:
    """The ldap3 TLS settings for ``url``, or None for a plaintext connection that is allowed.

    Raises :class:`ConfigError` for a plaintext connection to another host that is not
    explicitly allowed, and for a CA file that is missing or holds no certificate.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "ldaps" and start_tls:
        raise ConfigError(
            "ldap_start_tls is for ldap:// URLs; an ldaps:// connection is already"
            " encrypted. Turn one of them off."
        )
    if parts.scheme == "ldap" and not start_tls:
        if is_loopback(host):
            return None
        if not allow_plaintext:
            raise ConfigError(
                f"ldap_url {url} would send every password in clear text to {host}. Use"
                f" ldaps://{host}:636, or set ldap_start_tls = true (with ldap_ca_file naming"
                " the CA of the directory's certificate if the system does not trust it). On a"
                " network where that is acceptable, set ldap_allow_plaintext = true."
            )
        log.warning(
            "ldap_allow_plaintext is set: passwords go to %s unencrypted; anyone on the"
            " network path can read them. Use ldaps:// or ldap_start_tls.",
            url,
        )
        return None
    if ca_file is not None:
        _check_ca_file(ca_file)
    return VerifiedTls(host, ca_file)


class VerifiedTls(ldap3.Tls):  # type: ignore[misc]
    """ldap3's TLS settings, with the certificate and its host name checked by OpenSSL during
    the handshake, as Python's own clients do.

    ldap3 turns the context's host-name check off and compares names after the handshake with
    ``ssl.match_hostname``, which Python 3.12 removed (ldap3's fallback does not match IP
    addresses). Here the standard context checks both, before a byte of the bind is sent.
    """

    def __init__(self, host: str, ca_file: Path | None) -> None:
        super().__init__(
            validate=ssl.CERT_REQUIRED, ca_certs_file=str(ca_file) if ca_file else None
        )
        self.host = host

    def wrap_socket(self, connection: Any, do_handshake: bool = False) -> None:
        # The default context: CERT_REQUIRED, check_hostname, TLS 1.2 or later; the system's
        # CAs when no file is given. server_hostname is also sent as SNI (not for an address).
        context = ssl.create_default_context(cafile=self.ca_certs_file)
        try:
            connection.socket = context.wrap_socket(
                connection.socket, server_hostname=self.host, do_handshake_on_connect=do_handshake
            )
        except ssl.SSLCertVerificationError as exc:
            wrong_host = exc.verify_code in HOST_MISMATCH
            kind = WrongHostCertificate if wrong_host else UntrustedCertificate
            raise kind(exc.verify_message or str(exc)) from exc


# OpenSSL's verify codes for a certificate that is valid, but for other names.
HOST_MISMATCH = (62, 64)  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH


class UntrustedCertificate(Exception):
    """The certificate is not signed by a trusted CA, expired or otherwise invalid.

    ldap3 rebuilds an exception from its type and message and drops its cause, so the kind of
    failure travels as the type and OpenSSL's reason as the message."""


class WrongHostCertificate(Exception):
    """The certificate is valid but issued for other host names or addresses."""


def _check_ca_file(ca_file: Path) -> None:
    if not ca_file.is_file():
        raise ConfigError(
            f"ldap_ca_file {ca_file} does not exist. Give the PEM file of the CA that signed"
            " the directory's certificate, or unset it to use the system's CAs."
        )
    try:
        ssl.create_default_context(cafile=str(ca_file))
    except (ssl.SSLError, ValueError) as exc:
        raise ConfigError(
            f"ldap_ca_file {ca_file} holds no usable CA certificate ({exc}). Give a PEM file"
            " (-----BEGIN CERTIFICATE-----)."
        ) from None


def tls_failure(exc: BaseException, url: str, ca_file: Path | None) -> str | None:
    """What went wrong securing the connection, in words an administrator can act on; None
    when ``exc`` has nothing to do with TLS (the directory is down, it timed out)."""
    related = _related(exc)
    host = urlsplit(url).hostname
    if any(isinstance(e, WrongHostCertificate) for e in related):
        return (
            f"The certificate of the directory at {url} is not valid for the host {host}: it"
            " was issued for other names. Put a name the certificate carries into ldap_url,"
            " or have the certificate reissued for this one."
        )
    untrusted = [e for e in related if isinstance(e, UntrustedCertificate)]
    if untrusted or any(isinstance(e, ssl.SSLCertVerificationError) for e in related):
        reason = _reason(untrusted[0]) if untrusted else "certificate verify failed"
        trusted = f"the CA in ldap_ca_file {ca_file}" if ca_file else "the system's CAs"
        return (
            f"The certificate of the directory at {url} is not trusted ({reason}): it is not"
            f" signed by {trusted}. Set ldap_ca_file to the PEM file of the CA that signed it."
        )
    if isinstance(exc, ldap_errors.LDAPStartTLSError) and "startTLS failed" in str(exc):
        return (
            f"The directory at {url} refused StartTLS ({exc}): it has no certificate"
            " configured. Configure TLS on the directory, or use its ldaps:// address."
        )
    ssl_error = next((e for e in related if isinstance(e, ssl.SSLError)), None)
    if ssl_error is not None:
        return (
            f"The TLS handshake with the directory at {url} failed ({_reason(ssl_error)})."
            " Check that the port speaks TLS (ldaps:// usually 636) and that ldap_url is right."
        )
    return None


_OPENSSL_REASON = re.compile(r"\[SSL: \w+\][^'\"()]*")


def _reason(exc: BaseException) -> str:
    """OpenSSL's words from an error message that ldap3 may have prefixed and nested."""
    text = str(exc)
    found = _OPENSSL_REASON.search(text)
    if found:
        return found.group(0).strip()
    return text.rsplit(": ", 1)[-1].strip(" ()'\",")


def _related(exc: BaseException) -> list[BaseException]:
    """``exc``, what it was raised from or while handling, and the exceptions in its arguments
    (ldap3 lists one per address it tried when all of them failed)."""
    found: list[BaseException] = []
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if isinstance(item, BaseException) and item not in found:
            found.append(item)
            pending.extend([item.__cause__, item.__context__, *item.args])
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return found
