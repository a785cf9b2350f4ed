"""The ``pagewise`` command: settings are loaded once here and passed to every command."""

from __future__ import annotations

import logging

import click

from pagewise.settings import Settings, load_settings
from ui.cli.answering import ask, evaluate
from ui.cli.errors import friendly_errors
from ui.cli.library import documents, ingest, search
from ui.cli.logins import logins
from ui.cli.operations import audit, serve_llm, ui
from ui.components import configure_logging


@click.group()
@click.version_option(package_name="pagewise")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Pagewise: answers from your own manuals, with the page they came from."""
    ctx.obj = _settings()


@friendly_errors
def _settings() -> Settings:
    # Until the log file is known, errors must not reach the terminal as tracebacks.
    logging.getLogger().addHandler(logging.NullHandler())
    settings = load_settings()
    configure_logging(settings)
    return settings


for command in (ingest, search, documents, ask, evaluate, ui, audit, logins, serve_llm):
    main.add_command(command)
