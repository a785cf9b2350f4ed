"""Exit codes, and errors as messages: a user sees what to do, the log keeps the traceback."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from pagewise.errors import PagewiseError

log = logging.getLogger("pagewise.cli")

EXIT_SOME_FILES_FAILED = 1
EXIT_ERROR = 3
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Show a user the message of a PagewiseError; keep tracebacks in the log."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PagewiseError as exc:
            log.exception("command failed")
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            log.warning("interrupted by the user")
            click.echo(
                "\nInterrupted. The index is consistent; run the same command again to finish.",
                err=True,
            )
            sys.exit(EXIT_INTERRUPTED)
        except click.exceptions.Exit:
            raise
        except BrokenPipeError:
            # The reader went away (`pagewise search ... | head`): stop quietly, as Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:
            log.exception("unexpected error")
            click.echo(
                f"Unexpected error: {exc}. Details are in the log under the data dir "
                "(logs/pagewise.log).",
                err=True,
            )
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]
