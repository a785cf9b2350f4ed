"""The portal over HTTPS, as `pagewise ui` serves it with ui_tls_cert/ui_tls_key, in a real
headless Chromium; the login behind it goes to the real slapd over ldaps://.

Fast: nothing is ingested and no question is asked (the answering path is the same over HTTP
and HTTPS, tests/test_portal_browser.py covers it).
"""

from __future__ import annotations

import http.client
import ssl
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pki import Pki
from playwright.sync_api import Browser
from servers import portal_process

from pagewise.errors import ConfigError
from pagewise.settings import Settings
from ui.cli.operations import plain_http_note, portal_command, portal_tls

REPO = Path(__file__).resolve().parent.parent


def _https_context(pki: Pki) -> ssl.SSLContext:
    """A client that trusts only the test CA, host names checked."""
    return ssl.create_default_context(cafile=str(pki.ca_file))


@pytest.fixture(scope="module")
def https_portal(
    tmp_path_factory: pytest.TempPathFactory, dev_directory: Any, pki: Pki
) -> Iterator[tuple[str, int]]:
    settings = {
        "LDAP_URL": dev_directory.ldaps_url,
        "LDAP_CA_FILE": str(pki.ca_file),
        "POLICIES_DIR": str(REPO / "policies"),
        "UI_TLS_CERT": str(pki.server.cert),
        "UI_TLS_KEY": str(pki.server.key),
    }
    data = tmp_path_factory.mktemp("https-portal") / "data"
    with portal_process(data, settings, tls=_https_context(pki)) as served:
        yield served


def test_the_portal_serves_https_with_the_configured_certificate(
    https_portal: tuple[str, int], pki: Pki
) -> None:
    url, port = https_portal
    # Verified against the test CA with the host name checked: the certificate is ours.
    with urllib.request.urlopen(f"{url}/_stcore/health", context=_https_context(pki)) as reply:
        assert reply.status == 200
    served = ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate(("127.0.0.1", port)))
    assert served == ssl.PEM_cert_to_DER_cert(pki.server.cert.read_text())
    # The same port does not answer plain HTTP: no login form ever travels unencrypted.
    plain = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    with pytest.raises((http.client.HTTPException, OSError)):
        plain.request("GET", "/_stcore/health")
        plain.getresponse()
    plain.close()


def test_log_in_over_https_with_secure_cookies_and_xsrf_on(
    chromium: Browser, https_portal: tuple[str, int]
) -> None:
    url, _ = https_portal
    # Chromium does not know the throwaway CA; the test above checks the certificate.
    context = chromium.new_context(ignore_https_errors=True, locale="en-US")
    page = context.new_page()
    page.goto(url)
    page.get_by_label("User name").fill("alice")
    page.get_by_role("textbox", name="Password").fill("alice-demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Ask the manuals").wait_for(timeout=60_000)
    assert page.evaluate("location.protocol") == "https:"

    cookies = context.cookies()
    assert "_streamlit_xsrf" in {c["name"] for c in cookies}, "XSRF protection is on"
    assert [c["name"] for c in cookies if not c["secure"]] == []

    # A write without the XSRF token is refused before anything else is looked at; with
    # the token from the cookie, the same request gets as far as the (unknown) session.
    xsrf = next(c["value"] for c in cookies if c["name"] == "_streamlit_xsrf")
    target = f"{url}/_stcore/upload_file/no-session/no-file"
    assert context.request.put(target, data=b"x").status == 403
    with_token = context.request.put(target, data=b"x", headers={"X-Xsrftoken": xsrf})
    assert with_token.status == 400
    context.close()


def test_the_launcher_passes_the_certificate_to_streamlit(pki: Pki) -> None:
    settings = Settings(ui_tls_cert=pki.server.cert, ui_tls_key=pki.server.key)
    tls = portal_tls(settings)
    command = portal_command("0.0.0.0", 8443, tls)
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options["--server.sslCertFile"] == str(pki.server.cert.resolve())
    assert options["--server.sslKeyFile"] == str(pki.server.key.resolve())
    assert options["--server.enableXsrfProtection"] == "true"
    assert "--server.sslCertFile" not in portal_command("127.0.0.1", 8501, None)


@pytest.mark.parametrize(
    ("cert", "key", "message"),
    [
        ("server", None, "Set both ui_tls_cert and ui_tls_key"),
        (None, "server", "Set both ui_tls_cert and ui_tls_key"),
        ("server", "wrong_host", "not a readable PEM certificate and its matching"),
        ("absent", "server", "not a readable PEM certificate"),
    ],
)
def test_a_wrong_certificate_setting_stops_the_launcher(
    pki: Pki, tmp_path: Path, cert: str | None, key: str | None, message: str
) -> None:
    pairs = {"server": pki.server, "wrong_host": pki.wrong_host}
    absent = tmp_path / "absent.pem"
    settings = Settings(
        ui_tls_cert=(pairs[cert].cert if cert in pairs else absent) if cert else None,
        ui_tls_key=(pairs[key].key if key in pairs else absent) if key else None,
    )
    with pytest.raises(ConfigError, match=message):
        portal_tls(settings)


def test_plain_http_beyond_loopback_gets_a_reminder(pki: Pki) -> None:
    tls = (pki.server.cert, pki.server.key)
    assert "passwords cross the network unencrypted" in (plain_http_note("0.0.0.0", None) or "")
    assert plain_http_note("0.0.0.0", tls) is None
    assert plain_http_note("127.0.0.1", None) is None
