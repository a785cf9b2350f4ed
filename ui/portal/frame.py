"""The portal's frame: settings and services once per process, login, session, navigation."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence

import streamlit as st

from assistant.answer import User
from pagewise.auth import (
    AmbiguousUserError,
    AuthError,
    DirectoryTlsError,
    DirectoryUnreachableError,
    Identity,
    MissingCredentialsError,
    UnknownUserError,
    WrongCredentialsError,
)
from pagewise.errors import PagewiseError
from pagewise.logins import LoginThrottledError
from pagewise.settings import Settings, load_settings
from ui.components import configure_logging
from ui.portal.admin import show_admin
from ui.portal.chat import show_chat
from ui.portal.display import as_text
from ui.portal.i18n import LANGUAGE_NAMES, LANGUAGES, Messages, pick_language
from ui.portal.services import Services, make_services

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """Loaded on its own, so a portal that cannot start says so in the configured language."""
    return load_settings()


@st.cache_resource(show_spinner=False)
def services(_settings: Settings) -> Services:
    configure_logging(_settings)
    return make_services(_settings)


def main() -> None:
    st.set_page_config(page_title="Pagewise", page_icon="📘", layout="wide")
    try:
        configured = settings()
    except PagewiseError as exc:
        msg = _messages("auto")
        st.error(as_text(msg("app.cannot_start", error=exc)))
        _language_switch(msg)
        return
    msg = _messages(configured.ui_language)
    try:
        with st.spinner(msg("app.starting")):
            app = services(configured)
    except PagewiseError as exc:
        st.error(as_text(msg("app.cannot_start", error=exc)))
        _language_switch(msg)
        return
    identity = _current_identity(app, msg)
    client = client_address(
        getattr(st.context, "ip_address", None),
        st.context.headers.get_all("X-Forwarded-For"),
        app.settings.ui_trusted_proxies,
    )
    if identity is None:
        _login(app, client, msg)
        _language_switch(msg)
        return
    # identity.username is the directory's own name, however the user typed it.
    user = User(
        identity.username,
        identity.groups,
        app.access.collections_for(identity.groups, identity.is_admin),
        client=client,
    )
    page = _sidebar(app, identity, user, msg)
    if page == "admin" and identity.is_admin:
        show_admin(app, identity.username, msg)
    elif user.collections == ():
        st.warning(msg("session.no_access"))
    else:
        st.title(msg("chat.title"))
        show_chat(app, user, msg)


def _messages(setting: str) -> Messages:
    """The session's texts: its choice in the sidebar, else the setting, else the browser's."""
    locale = st.context.locale
    chosen = st.session_state.get("language")
    return Messages(pick_language(chosen, setting, locale if isinstance(locale, str) else None))


def _language_switch(msg: Messages) -> None:
    """The sidebar's language choice, on every page; the session keeps it, logins included."""
    # Shows the session's language even before the first choice (the browser's may arrive
    # late); set before the widget is drawn, so the widget takes it without a default.
    st.session_state["language_switch"] = msg.language
    st.sidebar.radio(
        msg("app.language"),
        LANGUAGES,
        format_func=LANGUAGE_NAMES.__getitem__,
        key="language_switch",
        horizontal=True,
        on_change=_remember_language,
    )


def _remember_language() -> None:
    st.session_state["language"] = st.session_state["language_switch"]


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted_proxies: Sequence[str]
) -> str | None:
    """The browser's address, for the per-client rate limit and the audit log.

    Behind a reverse proxy every browser arrives from the proxy's address; a proxy listed in
    ``ui_trusted_proxies`` names the browser in X-Forwarded-For. Each proxy appends the address
    it saw, so the last hop that is not a trusted proxy is the browser: anything before it was
    written by the browser itself and may be forged. The header of any other peer is ignored.
    """
    if not isinstance(peer, str):
        peer = None  # a session without a network connection (AppTest) has no address
    hop = peer or "127.0.0.1"  # Streamlit reports no address for loopback connections
    if hop not in trusted_proxies:
        return peer
    hops = [h.strip() for value in forwarded_for for h in value.split(",") if h.strip()]
    for address in reversed(hops):
        if address not in trusted_proxies:
            return address
    return peer


def _current_identity(app: Services, msg: Messages) -> Identity | None:
    identity: Identity | None = st.session_state.get("identity")
    if identity is None:
        return None
    idle = time.time() - st.session_state.get("last_seen", 0.0)
    if idle > app.settings.session_timeout_minutes * 60:
        _logout(app, "timeout")
        st.info(msg("session.expired"))
        return None
    st.session_state["last_seen"] = time.time()
    return identity


def _login(app: Services, client: str | None, msg: Messages) -> None:
    st.title("Pagewise")
    st.caption(msg("login.tagline"))
    # clear_on_submit: the password widget's value is not kept in the session after the bind.
    with st.form("login", clear_on_submit=True):
        username = st.text_input(msg("login.username"))
        password = st.text_input(msg("login.password"), type="password")
        submitted = st.form_submit_button(msg("login.submit"))
    if not submitted:
        return
    try:
        # Throttled per user name and address; logins, failures and refusals are audited
        # there, with the typed name masked.
        identity = app.logins.login(username, password, client)
    except AuthError as exc:
        log.warning("login refused: %s", exc)
        st.error(login_refusal(exc, msg))
        return
    except PagewiseError:
        log.exception("login failed")  # the throttle's database or the audit log
        st.error(msg("login.unavailable"))
        return
    st.session_state["identity"] = identity
    st.session_state["last_seen"] = time.time()
    st.rerun()


# What the login page says for each refusal (the closest class in the error's ancestry):
# pagewise/auth.py's public_message, in the session's language.
_REFUSALS: Mapping[type[AuthError], str] = {
    AuthError: "login.failed",
    MissingCredentialsError: "login.missing",
    WrongCredentialsError: "login.wrong",
    UnknownUserError: "login.wrong",
    AmbiguousUserError: "login.wrong",
    DirectoryUnreachableError: "login.unreachable",
    DirectoryTlsError: "login.insecure",
}


def login_refusal(error: AuthError, msg: Messages) -> str:
    """The login page's text for ``error``: the same for an unknown name as a wrong password."""
    if isinstance(error, LoginThrottledError):
        return msg("login.throttled", seconds=max(1, math.ceil(error.retry_after)))
    key = next(_REFUSALS[c] for c in type(error).__mro__ if c in _REFUSALS)
    return msg(key)


def _sidebar(app: Services, identity: Identity, user: User, msg: Messages) -> str:
    with st.sidebar:
        # The directory's attributes and the policy's names are shown as text, like documents.
        st.markdown(f"**{as_text(identity.display_name or identity.username)}**")
        if user.collections is None:
            st.caption(msg("sidebar.administrator"))
        else:
            names = ", ".join(user.collections) or msg("sidebar.no_collections")
            st.caption(as_text(msg("sidebar.collections", names=names)))
        pages = {"ask": msg("sidebar.ask"), "admin": msg("sidebar.admin")}
        page = st.radio(
            msg("sidebar.page"),
            ["ask", "admin"] if identity.is_admin else ["ask"],
            format_func=pages.__getitem__,
            key="page",  # the page stays when the language changes
        )
        if st.button(msg("sidebar.logout")):
            _logout(app, "logout")
            st.rerun()
    _language_switch(msg)
    return str(page)


def _logout(app: Services, reason: str) -> None:
    identity = st.session_state.get("identity")
    if identity is not None:
        app.audit.record("logout", identity.username, reason=reason)
    language = st.session_state.get("language")
    st.session_state.clear()
    if language is not None:  # a language is the person's at this browser, not the login's
        st.session_state["language"] = language
