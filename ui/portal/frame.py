"""The portal's frame: settings and services once per process, login, session, navigation."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import streamlit as st

from assistant.answer import User
from pagewise.auth import AuthError, Identity
from pagewise.errors import PagewiseError
from pagewise.settings import load_settings
from ui.components import configure_logging
from ui.portal.admin import show_admin
from ui.portal.chat import show_chat
from ui.portal.display import as_text
from ui.portal.services import Services, make_services

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner="Starting Pagewise…")
def services() -> Services:
    settings = load_settings()
    configure_logging(settings)
    return make_services(settings)


def main() -> None:
    st.set_page_config(page_title="Pagewise", page_icon="📘", layout="wide")
    try:
        app = services()
    except PagewiseError as exc:
        st.error(as_text(f"Pagewise cannot start: {exc}"))
        return
    identity = _current_identity(app)
    client = client_address(
        getattr(st.context, "ip_address", None),
        st.context.headers.get_all("X-Forwarded-For"),
        app.settings.ui_trusted_proxies,
    )
    if identity is None:
        _login(app, client)
        return
    # identity.username is the directory's own name, however the user typed it.
    user = User(
        identity.username,
        identity.groups,
        app.access.collections_for(identity.groups, identity.is_admin),
        client=client,
    )
    page = _sidebar(app, identity, user)
    if page == "Admin" and identity.is_admin:
        show_admin(app, identity.username)
    elif user.collections == ():
        st.warning("Your account is in no group that has manuals. Ask an administrator for access.")
    else:
        st.title("Ask the manuals")
        show_chat(app, user)


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


def _current_identity(app: Services) -> Identity | None:
    identity: Identity | None = st.session_state.get("identity")
    if identity is None:
        return None
    idle = time.time() - st.session_state.get("last_seen", 0.0)
    if idle > app.settings.session_timeout_minutes * 60:
        _logout(app, "timeout")
        st.info("Your session expired. Please log in again.")
        return None
    st.session_state["last_seen"] = time.time()
    return identity


def _login(app: Services, client: str | None) -> None:
    st.title("Pagewise")
    st.caption("Answers from our manuals, with the page they came from.")
    # clear_on_submit: the password widget's value is not kept in the session after the bind.
    with st.form("login", clear_on_submit=True):
        username = st.text_input("User name")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Log in")
    if not submitted:
        return
    try:
        # Throttled per user name and address; logins, failures and refusals are audited
        # there, with the typed name masked.
        identity = app.logins.login(username, password, client)
    except AuthError as exc:
        log.warning("login refused: %s", exc)
        st.error(exc.public_message)
        return
    except PagewiseError:
        log.exception("login failed")  # the throttle's database or the audit log
        st.error("Login is unavailable right now. Try again in a minute.")
        return
    st.session_state["identity"] = identity
    st.session_state["last_seen"] = time.time()
    st.rerun()


def _sidebar(app: Services, identity: Identity, user: User) -> str:
    with st.sidebar:
        # The directory's attributes and the policy's names are shown as text, like documents.
        st.markdown(f"**{as_text(identity.display_name or identity.username)}**")
        if user.collections is None:
            st.caption("Administrator: all collections")
        else:
            st.caption(as_text("Collections: " + (", ".join(user.collections) or "none")))
        page = st.radio("Page", ["Ask", "Admin"] if identity.is_admin else ["Ask"])
        if st.button("Log out"):
            _logout(app, "logout")
            st.rerun()
    return str(page)


def _logout(app: Services, reason: str) -> None:
    identity = st.session_state.get("identity")
    if identity is not None:
        app.audit.record("logout", identity.username, reason=reason)
    st.session_state.clear()
