"""LDAP login against a real OpenLDAP server (slapd) started from policies/dev-directory.ldif."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import ldap3
import pytest
from pydantic import SecretStr

from pagewise.auth import (
    GENERIC_LOGIN_FAILURE,
    AmbiguousUserError,
    AuthError,
    DirectoryUnreachableError,
    Identity,
    LdapAuthenticator,
    MissingCredentialsError,
    UnknownUserError,
    WrongCredentialsError,
)
from pagewise.errors import ConfigError
from pagewise.settings import Settings

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import slapd  # noqa: E402  (scripts/ is not a package)

DEV_DIRECTORY = REPO / "policies" / "dev-directory.ldif"

# Two entries with uid=dave, in different branches: a login as "dave" cannot be resolved. And
# a user whose name holds filter syntax, in a group: escaping must still find both exactly.
DUPLICATE_USER_LDIF = """\
dn: ou=contractors,dc=pagewise,dc=test
objectClass: organizationalUnit
ou: contractors

dn: uid=dave,ou=people,dc=pagewise,dc=test
objectClass: inetOrgPerson
uid: dave
cn: Dave Staff
sn: Staff
userPassword: dave-demo

dn: uid=dave,ou=contractors,dc=pagewise,dc=test
objectClass: inetOrgPerson
uid: dave
cn: Dave Contractor
sn: Contractor
userPassword: dave-demo

dn: uid=o(neil)*,ou=people,dc=pagewise,dc=test
objectClass: inetOrgPerson
uid: o(neil)*
cn: Pat O(Neil)
sn: O(Neil)
userPassword: neil-demo

dn: cn=odd names,ou=groups,dc=pagewise,dc=test
objectClass: groupOfNames
cn: odd names
member: uid=o(neil)*,ou=people,dc=pagewise,dc=test
"""

INJECTIONS = ["*)(uid=*", "admin)(|(uid=*", "*", "alice)(uid=*", "ali*", "\\2a"]


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[slapd.SlapdProcess]:
    if not slapd.SLAPD.is_file():
        pytest.fail("slapd is missing: run scripts/install-system-packages.sh")
    workdir = tmp_path_factory.mktemp("slapd")
    extra = workdir / "duplicate-user.ldif"
    extra.write_text(DUPLICATE_USER_LDIF, encoding="utf-8")
    server = slapd.start_slapd(workdir, [DEV_DIRECTORY, extra])
    yield server
    server.stop()


@pytest.fixture
def auth(directory: slapd.SlapdProcess) -> LdapAuthenticator:
    """Anonymous search, the default."""
    return LdapAuthenticator(url=directory.url)


def _dead_port() -> int:
    return slapd.free_port()


def test_good_login_returns_groups_and_admin_flag(auth: LdapAuthenticator) -> None:
    carol = auth.authenticate("carol", "carol-demo")
    assert carol == Identity(
        username="carol",
        display_name="Carol Admin",
        dn="uid=carol,ou=people,dc=pagewise,dc=test",
        groups=("engineering", "pagewise-admins"),
        is_admin=True,
    )
    alice = auth.authenticate("alice", "alice-demo")
    assert (alice.groups, alice.is_admin) == (("engineering",), False)
    bob = auth.authenticate(" bob ", "bob-demo")  # stray spaces from a login form
    assert (bob.username, bob.groups, bob.is_admin) == ("bob", ("finance",), False)


def test_settings_configure_the_authenticator(directory: slapd.SlapdProcess) -> None:
    settings = Settings(ldap_url=directory.url, admin_group="finance")
    bob = LdapAuthenticator.from_settings(settings).authenticate("bob", "bob-demo")
    assert bob.is_admin


def test_wrong_password(auth: LdapAuthenticator) -> None:
    with pytest.raises(WrongCredentialsError) as caught:
        auth.authenticate("alice", "bob-demo")
    assert caught.value.public_message == GENERIC_LOGIN_FAILURE
    assert "Wrong password for uid=alice" in str(caught.value)
    assert "bob-demo" not in str(caught.value)


@pytest.mark.parametrize("password", ["", " ", "\t\n"])
def test_empty_password_is_refused_before_any_bind(password: str) -> None:
    # The URL points nowhere: had a connection been tried, the error would be "unreachable".
    nowhere = LdapAuthenticator(url=f"ldap://127.0.0.1:{_dead_port()}")
    with pytest.raises(MissingCredentialsError, match="empty user name or password"):
        nowhere.authenticate("alice", password)


def test_empty_password_never_logs_in_even_on_a_live_directory(auth: LdapAuthenticator) -> None:
    # Some servers (Active Directory among them) answer a bind with a DN and no password as a
    # successful anonymous bind; the check must not depend on the server refusing it.
    for password in ("", "   "):
        with pytest.raises(MissingCredentialsError):
            auth.authenticate("carol", password)
    with pytest.raises(MissingCredentialsError):
        auth.authenticate("  ", "carol-demo")


def test_unknown_user_looks_like_wrong_password(auth: LdapAuthenticator) -> None:
    with pytest.raises(UnknownUserError) as caught:
        auth.authenticate("mallory", "whatever")
    assert caught.value.public_message == WrongCredentialsError.public_message
    # The log says which attempt it was without keeping what was typed (often a password).
    assert "m…(7)" in str(caught.value) and "mallory" not in str(caught.value)
    assert caught.value.username is None


@pytest.mark.parametrize("typed", ["ALICE", "Alice", "ａｌｉｃｅ", "𝐚𝐥𝐢𝐜𝐞", " alice "])
def test_every_spelling_the_directory_matches_is_the_directorys_own_name(
    auth: LdapAuthenticator, typed: str
) -> None:
    # slapd matches uid ignoring case and width: all of these log in as alice, and the
    # identity must say "alice", or each spelling would be a new person to the portal.
    alice = auth.authenticate(typed, "alice-demo")
    assert (alice.username, alice.dn) == ("alice", "uid=alice,ou=people,dc=pagewise,dc=test")
    assert alice.groups == ("engineering",)


def test_a_wrong_password_names_the_directory_user_not_the_typed_spelling(
    auth: LdapAuthenticator, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(WrongCredentialsError) as caught:
        auth.authenticate("ＣＡＲＯＬ", "guess")
    assert caught.value.username == "carol"
    assert "ＣＡＲＯＬ" not in caplog.text


def test_a_name_typed_by_mistake_is_never_logged_as_typed(
    auth: LdapAuthenticator, caplog: pytest.LogCaptureFixture
) -> None:
    # A password typed into the name field: the log shows its first character and length.
    with pytest.raises(UnknownUserError):
        auth.authenticate("S3cret-Passw0rd!", "alice-demo")
    assert "S3cret" not in caplog.text and "S…(16)" in caplog.text


def test_the_user_name_attribute_is_a_setting(directory: slapd.SlapdProcess) -> None:
    # cn is also unique in the demo directory: logging in by cn gives the cn as the name.
    auth = LdapAuthenticator(
        url=directory.url, user_filter="(cn={username})", username_attribute="cn"
    )
    carol = auth.authenticate("carol admin", "carol-demo")
    assert carol.username == "Carol Admin" and carol.is_admin


@pytest.mark.parametrize("username", INJECTIONS)
@pytest.mark.parametrize("password", ["anything", "alice-demo", "carol-demo"])
def test_filter_injection_never_authenticates(
    auth: LdapAuthenticator, username: str, password: str
) -> None:
    # Unescaped, "*" would match every user (ambiguous) and "*)(uid=*" a broken or wider
    # filter; escaped, they are literal user names that nobody has.
    with pytest.raises(UnknownUserError):
        auth.authenticate(username, password)


def test_user_name_with_filter_syntax_logs_in(auth: LdapAuthenticator) -> None:
    neil = auth.authenticate("o(neil)*", "neil-demo")
    assert (neil.dn, neil.groups) == ("uid=o(neil)*,ou=people,dc=pagewise,dc=test", ("odd names",))


def test_user_name_matching_two_entries_is_refused(auth: LdapAuthenticator) -> None:
    with pytest.raises(AmbiguousUserError, match="several directory entries") as caught:
        auth.authenticate("dave", "dave-demo")
    assert caught.value.public_message == GENERIC_LOGIN_FAILURE


def test_directory_down_is_reported_quickly() -> None:
    nowhere = LdapAuthenticator(url=f"ldap://127.0.0.1:{_dead_port()}", timeout=2.0)
    started = time.monotonic()
    with pytest.raises(DirectoryUnreachableError, match="unreachable") as caught:
        nowhere.authenticate("alice", "alice-demo")
    assert time.monotonic() - started < 2.0
    assert "alice-demo" not in str(caught.value)
    assert "unreachable" in caught.value.public_message


def test_directory_that_never_answers_times_out() -> None:
    # A listening socket nobody accepts from: the TCP handshake succeeds, no reply comes.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        mute = LdapAuthenticator(url=f"ldap://127.0.0.1:{port}", timeout=1.0)
        started = time.monotonic()
        with pytest.raises(DirectoryUnreachableError):
            mute.authenticate("alice", "alice-demo")
        assert time.monotonic() - started < 4.0


def test_service_account_search(directory: slapd.SlapdProcess) -> None:
    service = LdapAuthenticator(
        url=directory.url,
        bind_dn=directory.root_dn,
        bind_password=SecretStr(directory.root_password),
    )
    assert service.authenticate("carol", "carol-demo").is_admin
    with pytest.raises(WrongCredentialsError):
        service.authenticate("carol", "alice-demo")
    with pytest.raises(UnknownUserError):
        service.authenticate("*", "carol-demo")


def test_wrong_service_account_password_says_what_to_fix(directory: slapd.SlapdProcess) -> None:
    service = LdapAuthenticator(
        url=directory.url, bind_dn=directory.root_dn, bind_password=SecretStr("not-it")
    )
    with pytest.raises(AuthError, match="ldap_bind_password") as caught:
        service.authenticate("carol", "carol-demo")
    assert not isinstance(caught.value, WrongCredentialsError)
    assert "not-it" not in str(caught.value)


def test_anonymous_clients_cannot_read_passwords(directory: slapd.SlapdProcess) -> None:
    conn = ldap3.Connection(directory.url, auto_bind=True)
    conn.search(directory.suffix, "(uid=carol)", attributes=["userPassword", "cn"])
    [entry] = conn.response
    assert entry["raw_attributes"]["cn"] == [b"Carol Admin"]
    assert not entry["raw_attributes"]["userPassword"]
    conn.unbind()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "http://127.0.0.1:389"}, "not an LDAP URL"),
        ({"url": "ldaps://127.0.0.1:636", "start_tls": True}, "already encrypted"),
        ({"user_filter": "(uid=alice)"}, "lacks {username}"),
        ({"group_filter": "(objectClass=groupOfNames)"}, "same groups"),
        ({"bind_dn": "cn=admin,dc=pagewise,dc=test"}, "ldap_bind_password"),
    ],
)
def test_bad_configuration_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        LdapAuthenticator(**changes)  # type: ignore[arg-type]
