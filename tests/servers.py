"""Helpers for tests that start a real server process on loopback, and the browser for it."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# No connection leaves the machine: Chromium's background services stay off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(
    url: str,
    process: subprocess.Popen[bytes],
    timeout: float,
    what: str,
    context: ssl.SSLContext | None = None,
) -> None:
    """Poll ``url`` until it answers; fail early if the process died. ``context``: the TLS
    client for an https:// URL."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2, context=context)
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.2)


@contextmanager
def portal_process(
    data: Path, settings: dict[str, str], tls: ssl.SSLContext | None = None
) -> Iterator[tuple[str, int]]:
    """`pagewise ui` as users run it, on a free loopback port, over ``data`` with these
    settings (PAGEWISE_ names without the prefix) and no others; its output goes to
    data/portal.log. Yields its URL and port; ``tls``: it serves HTTPS, checked with it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEWISE_")}
    env.update(
        PAGEWISE_DATA_DIR=str(data),
        # The audit key and checkpoint stay in the test's folder, never in the checkout.
        PAGEWISE_AUDIT_KEY_FILE=str(data.parent / "audit.key"),
        PAGEWISE_AUDIT_CHECKPOINT_FILE=str(data.parent / "audit-checkpoint.jsonl"),
        PYTHONPATH=str(REPO),  # this checkout's code, wherever the package is installed from
    )
    env.update({f"PAGEWISE_{name}": value for name, value in settings.items()})
    data.mkdir(parents=True, exist_ok=True)
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    with (data / "portal.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ui", "ui", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"{url}/_stcore/health", process, 60, "the portal (see portal.log)", tls)
            yield url, port
        finally:
            process.terminate()
            process.wait(timeout=20)
