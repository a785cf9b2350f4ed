"""LDAP over TLS against a real slapd with throwaway certificates (tests/pki.py): ldaps:// and
StartTLS work with the right CA and host name and are refused, with a message that says what
to fix, for any other; plaintext leaves the machine only when a setting says so."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from pki import Pki
from streamlit.testing.v1 import AppTest
from test_portal import plain

from pagewise.auth import DirectoryTlsError, DirectoryUnreachableError, LdapAuthenticator
from pagewise.directory_tls import VerifiedTls, is_loopback
from pagewise.errors import ConfigError
from pagewise.settings import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import slapd  # noqa: E402  (scripts/ is not a package)

DEV_DIRECTORY = REPO / "policies" / "dev-directory.ldif"
APP = str(REPO / "ui" / "portal" / "app.py")


@pytest.fixture(scope="module")
def wrong_host_directory(
    tmp_path_factory: pytest.TempPathFactory, pki: Pki
) -> Iterator[slapd.SlapdProcess]:
    """slapd with a certificate from the trusted CA, but issued for wrong-host.invalid."""
    server = slapd.start_slapd(
        tmp_path_factory.mktemp("wrong-host"),
        [DEV_DIRECTORY],
        tls=(pki.wrong_host.cert, pki.wrong_host.key),
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def plain_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[slapd.SlapdProcess]:
    """slapd without any certificate: no StartTLS, no ldaps."""
    server = slapd.start_slapd(tmp_path_factory.mktemp("plain"), [DEV_DIRECTORY])
    yield server
    server.stop()


def _tls_urls(server: Any, host: str = "127.0.0.1") -> list[tuple[str, bool]]:
    """The server's ldaps:// URL and its ldap:// URL with StartTLS, on ``host``."""
    return [
        (server.ldaps_url.replace("127.0.0.1", host), False),
        (server.url.replace("127.0.0.1", host), True),
    ]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_right_ca_and_host_log_in_over_ldaps_and_start_tls(
    dev_directory: Any, pki: Pki, host: str
) -> None:
    for url, start_tls in _tls_urls(dev_directory, host):
        auth = LdapAuthenticator(url=url, start_tls=start_tls, ca_file=pki.ca_file)
        carol = auth.authenticate("carol", "carol-demo")
        assert (carol.groups, carol.is_admin) == (("engineering", "pagewise-admins"), True), url


def test_settings_configure_ldaps(dev_directory: Any, pki: Pki) -> None:
    settings = Settings(ldap_url=dev_directory.ldaps_url, ldap_ca_file=pki.ca_file)
    assert LdapAuthenticator.from_settings(settings).authenticate("bob", "bob-demo").groups == (
        "finance",
    )


@pytest.mark.parametrize("ca", ["other CA", "system CAs"])
def test_a_certificate_from_an_untrusted_ca_is_refused(
    dev_directory: Any, pki: Pki, ca: str
) -> None:
    ca_file = pki.other_ca_file if ca == "other CA" else None
    for url, start_tls in _tls_urls(dev_directory):
        auth = LdapAuthenticator(url=url, start_tls=start_tls, ca_file=ca_file, timeout=2.0)
        with pytest.raises(DirectoryTlsError) as caught:
            auth.authenticate("alice", "alice-demo")
        message = str(caught.value)
        assert f"The certificate of the directory at {url} is not trusted" in message
        assert "unable to get local issuer certificate" in message
        assert "Set ldap_ca_file" in message
        assert "alice-demo" not in message
        assert caught.value.public_message == DirectoryTlsError.public_message


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_certificate_for_another_host_is_refused(
    wrong_host_directory: slapd.SlapdProcess, pki: Pki, host: str
) -> None:
    # Signed by the trusted CA: only the name is wrong, and that alone must be enough.
    for url, start_tls in _tls_urls(wrong_host_directory, host):
        auth = LdapAuthenticator(url=url, start_tls=start_tls, ca_file=pki.ca_file, timeout=2.0)
        with pytest.raises(DirectoryTlsError, match=f"not valid for the host {host}"):
            auth.lookup("alice")


def test_start_tls_to_a_directory_without_a_certificate_is_refused(
    plain_directory: slapd.SlapdProcess, pki: Pki
) -> None:
    auth = LdapAuthenticator(url=plain_directory.url, start_tls=True, ca_file=pki.ca_file)
    with pytest.raises(DirectoryTlsError, match="refused StartTLS"):
        auth.authenticate("alice", "alice-demo")


def test_ldaps_to_a_plain_port_says_the_handshake_failed(dev_directory: Any, pki: Pki) -> None:
    url = dev_directory.url.replace("ldap://", "ldaps://")
    auth = LdapAuthenticator(url=url, ca_file=pki.ca_file, timeout=2.0)
    with pytest.raises(DirectoryTlsError, match=r"TLS handshake .* failed .*speaks TLS"):
        auth.authenticate("alice", "alice-demo")


def test_a_directory_that_is_down_is_still_reported_as_unreachable(pki: Pki) -> None:
    auth = LdapAuthenticator(url=f"ldaps://127.0.0.1:{slapd.free_port()}", ca_file=pki.ca_file)
    with pytest.raises(DirectoryUnreachableError):
        auth.authenticate("alice", "alice-demo")


def test_certificate_checks_cannot_be_switched_off(pki: Pki) -> None:
    # No setting or argument skips verification: a name for one is refused as unknown.
    skipping = [f for f in Settings.model_fields if re.search("verify|insecure|skip|reqcert", f)]
    assert skipping == []
    with pytest.raises(ConfigError, match="ldap_tls_verify"):
        load_settings(ldap_tls_verify=False)
    auth = LdapAuthenticator(url="ldaps://127.0.0.1:636", ca_file=pki.ca_file)
    tls = auth._server.tls
    assert isinstance(tls, VerifiedTls) and tls.host == "127.0.0.1"


@pytest.mark.parametrize("host", ["192.0.2.10", "ldap.example.com", "[2001:db8::1]"])
def test_plaintext_to_another_host_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="clear text") as caught:
        LdapAuthenticator(url=f"ldap://{host}:389")
    assert "ldap_allow_plaintext" in str(caught.value) and "ldaps://" in str(caught.value)


def test_plaintext_to_another_host_when_allowed_logs_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(ldap_url="ldap://192.0.2.10:389", ldap_allow_plaintext=True)
    with caplog.at_level(logging.WARNING):
        LdapAuthenticator.from_settings(settings)
    assert any(
        r.levelno == logging.WARNING and "unencrypted" in r.getMessage() for r in caplog.records
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "[::1]"])
def test_plaintext_on_loopback_needs_no_setting(
    host: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert is_loopback(host.strip("[]"))
    with caplog.at_level(logging.WARNING):
        LdapAuthenticator(url=f"ldap://{host}:3389")
    assert not caplog.records


def test_start_tls_or_ldaps_to_another_host_needs_no_setting(pki: Pki) -> None:
    LdapAuthenticator(url="ldap://ldap.example.com:389", start_tls=True, ca_file=pki.ca_file)
    LdapAuthenticator(url="ldaps://ldap.example.com:636")


def test_a_missing_or_unreadable_ca_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        LdapAuthenticator(url="ldaps://127.0.0.1:636", ca_file=tmp_path / "absent.pem")
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate", encoding="utf-8")
    with pytest.raises(ConfigError, match="no usable CA certificate"):
        LdapAuthenticator(url="ldaps://127.0.0.1:636", ca_file=not_pem)


def _pagewise(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEWISE_")}
    # This checkout's code, also where the installed package points at another one.
    full_env.update(env, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "ui", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_names_an_untrusted_directory_certificate(
    dev_directory: Any, pki: Pki, tmp_path: Path
) -> None:
    env = {
        "PAGEWISE_DATA_DIR": str(tmp_path / "data"),
        "PAGEWISE_LDAP_URL": dev_directory.ldaps_url,
        "PAGEWISE_LDAP_CA_FILE": str(pki.other_ca_file),
    }
    result = _pagewise("search", "--user", "alice", "password", env=env, cwd=tmp_path)
    assert result.returncode == 3
    assert "Error: The certificate of the directory at ldaps://" in result.stderr
    assert "Traceback" not in result.stderr


def test_pagewise_ui_refuses_to_start_with_plaintext_to_another_host(tmp_path: Path) -> None:
    env = {"PAGEWISE_DATA_DIR": str(tmp_path / "data"), "PAGEWISE_LDAP_URL": "ldap://192.0.2.10"}
    result = _pagewise("ui", env=env, cwd=tmp_path)
    assert result.returncode == 3
    assert "clear text" in result.stderr and "ldap_allow_plaintext" in result.stderr
    assert "Pagewise portal on" not in result.stdout
    assert "Traceback" not in result.stderr


@pytest.fixture
def portal_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("PAGEWISE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PAGEWISE_POLICIES_DIR", str(REPO / "policies"))
    st.cache_resource.clear()  # services are built once per process: rebuild for this test
    yield
    st.cache_resource.clear()


def test_the_portal_refuses_to_start_with_plaintext_to_another_host(
    portal_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGEWISE_LDAP_URL", "ldap://192.0.2.10:389")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    [error] = at.error
    # The message is escaped for Markdown (it quotes a setting): compared as shown.
    assert plain(error.value).startswith("Pagewise cannot start: ldap_url ldap://192.0.2.10:389")
    assert not at.text_input, "no login form"


def test_the_portal_shows_an_untrusted_directory_as_a_message(
    portal_env: None, monkeypatch: pytest.MonkeyPatch, dev_directory: Any, pki: Pki
) -> None:
    monkeypatch.setenv("PAGEWISE_LDAP_URL", dev_directory.ldaps_url)
    monkeypatch.setenv("PAGEWISE_LDAP_CA_FILE", str(pki.other_ca_file))
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input("alice")
    at.text_input[1].input("alice-demo")
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [DirectoryTlsError.public_message]
    assert "identity" not in at.session_state
