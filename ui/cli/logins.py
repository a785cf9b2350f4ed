"""``pagewise logins``: see and clear the failed-login counts that throttle the login page."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

import click

from pagewise.settings import Settings
from ui.cli.errors import friendly_errors
from ui.cli.output import print_json

if TYPE_CHECKING:
    from pagewise.logins import LoginGuard


def _guard(settings: Settings) -> LoginGuard:
    # The directory client is loaded only here: listing and clearing never contact it.
    from pagewise.audit.configured import open_audit_log
    from pagewise.auth import LdapAuthenticator
    from pagewise.logins import LoginGuard, load_login_policy

    audit = open_audit_log(settings)
    return LoginGuard(
        LdapAuthenticator.from_settings(settings),
        settings.data_dir,
        load_login_policy(settings.policies_dir),
        audit=audit,
    )


@click.group()
def logins() -> None:
    """Failed logins per user name and client address, and the waits they cause."""


@logins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable.")
@click.pass_obj
@friendly_errors
def logins_list(settings: Settings, as_json: bool) -> None:
    """User names (the directory's name, or the typed name masked) and addresses with failed
    logins in the window; LOCKED ones must wait before the next attempt."""
    locks = _guard(settings).locks()
    if as_json:
        print_json(
            [
                {
                    "name": lock.label,
                    "failures": lock.failures,
                    "last_failure": lock.last_failure,
                    "retry_after": round(lock.retry_after, 1),
                }
                for lock in locks
            ]
        )
        return
    if not locks:
        click.echo("No failed logins in the window.")
    for lock in locks:
        last = dt.datetime.fromtimestamp(lock.last_failure).strftime("%Y-%m-%d %H:%M:%S")
        state = f"LOCKED {math.ceil(lock.retry_after)} s" if lock.retry_after > 0 else "open"
        click.echo(f"{lock.label:<30} {lock.failures:>4} failures, last {last}  {state}")


@logins.command("clear")
@click.argument("name")
@click.pass_obj
@friendly_errors
def logins_clear(settings: Settings, name: str) -> None:
    """Forget the failed logins of NAME: a user name (any spelling), or client:ADDRESS."""
    cleared = _guard(settings).clear(name, admin="cli")
    click.echo(f"{cleared} failed login(s) of {name} forgotten.")
