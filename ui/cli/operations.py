"""Commands that run or check the service: ``ui``, ``audit`` and ``serve-llm``."""

from __future__ import annotations

import math
import os
import shlex
import ssl
import sys
from pathlib import Path

import click

from pagewise.audit.checkpoint import parse_head
from pagewise.audit.configured import audit_checkpoints
from pagewise.audit.export import day_range, export, write_export
from pagewise.audit.key import load_key
from pagewise.audit.verify import verify
from pagewise.errors import ConfigError
from pagewise.settings import Settings
from ui.cli.errors import friendly_errors

PORTAL_APP = Path(__file__).resolve().parent.parent / "portal" / "app.py"


@click.command()
@click.option("--host", help="Address to listen on (default: ui_host, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: ui_port, 8501).")
@click.pass_obj
@friendly_errors
def ui(settings: Settings, host: str | None, port: int | None) -> None:
    """Start the web portal (Streamlit)."""
    # The directory client is loaded only here, to refuse a login setup that would send
    # passwords in clear text before the portal starts, not at the first login.
    from pagewise.auth import LdapAuthenticator

    LdapAuthenticator.from_settings(settings)
    host, port = host or settings.ui_host, port or settings.ui_port
    tls = portal_tls(settings)
    command = portal_command(host, port, tls, settings.upload_max_mb)
    click.echo(f"Pagewise portal on {'https' if tls else 'http'}://{host}:{port}")
    if (note := plain_http_note(host, tls)) is not None:
        click.echo(note, err=True)
    os.execv(sys.executable, command)


def portal_tls(settings: Settings) -> tuple[Path, Path] | None:
    """The portal's certificate and key, checked to load as a pair; None for plain HTTP."""
    cert, key = settings.ui_tls_cert, settings.ui_tls_key
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ConfigError(
            "Set both ui_tls_cert and ui_tls_key (the certificate and its private key, PEM)"
            " for HTTPS, or neither for plain HTTP."
        )
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except OSError as exc:  # ssl.SSLError is an OSError too
        detail = getattr(exc, "reason", None) or exc.strerror or exc
        raise ConfigError(
            f"ui_tls_cert {cert} and ui_tls_key {key} are not a readable PEM certificate and"
            f" its matching, unencrypted private key ({detail})."
        ) from None
    return cert.resolve(), key.resolve()


def plain_http_note(host: str, tls: tuple[Path, Path] | None) -> str | None:
    """A reminder when the login form would cross the network unencrypted."""
    from pagewise.directory_tls import is_loopback

    if tls is not None or is_loopback(host):
        return None
    return (
        f"Note: plain HTTP on {host}: passwords cross the network unencrypted unless a TLS"
        " proxy is in front. Set ui_tls_cert and ui_tls_key, or see the README (HTTPS)."
    )


def portal_command(
    host: str, port: int, tls: tuple[Path, Path] | None, upload_max_mb: float = 50
) -> list[str]:
    """The `streamlit run` command line of the portal; HTTPS when ``tls`` is (cert, key)."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PORTAL_APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # Named here so that a .streamlit/config.toml in the working directory cannot turn
        # off the XSRF token (and the same-origin check it relies on).
        "--server.enableXsrfProtection",
        "true",
        "--server.enableCORS",
        "true",
        # The browser refuses larger files before sending them; the portal checks again.
        "--server.maxUploadSize",
        str(max(1, math.ceil(upload_max_mb))),
    ]
    if tls is not None:
        # Streamlit then also marks its XSRF and session cookies Secure.
        command += ["--server.sslCertFile", str(tls[0]), "--server.sslKeyFile", str(tls[1])]
    return command


@click.group()
def audit() -> None:
    """Check the audit log's hash chain and export its records."""


@audit.command("verify")
@click.option(
    "--head",
    "given",
    metavar="SEQ:HASH",
    multiple=True,
    help="A seq and hash printed by an earlier verify (kept elsewhere): the log must still hold"
    " that record. The checkpoint file (audit_checkpoint_file) is checked too.",
)
@click.pass_obj
@friendly_errors
def audit_verify(settings: Settings, given: tuple[str, ...]) -> None:
    """Check every record of the audit log; exit 1 and name the first break if one is found."""
    folder = settings.data_dir / "audit"
    heads = [parse_head(text) for text in given]
    heads += audit_checkpoints(settings).heads(folder)
    key_file = settings.audit_key_file
    # No key yet and no log yet: nothing to check, and verify must not make a key.
    key = load_key(key_file, create=False) if key_file.exists() else None
    try:
        report = verify(folder, key, heads)
    except ConfigError as exc:
        raise ConfigError(f"{exc}; there is none at {key_file.resolve()}") from None
    if not report.ok:
        click.echo(report.message, err=True)
        sys.exit(1)
    click.echo(report.message)


@audit.command("export")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (local time).")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day, included.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV for spreadsheets instead of JSON lines.")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="File to write (default:"
    " standard output). A CSV file starts with a BOM so Excel reads Chinese.",
)
@click.pass_obj
@friendly_errors
def audit_export(
    settings: Settings, start: str | None, end: str | None, as_csv: bool, output: Path | None
) -> None:
    """Export audit records, oldest first, as JSON lines or CSV."""
    records = export(settings.data_dir / "audit", *day_range(start, end))
    if output is None:
        write_export(records, sys.stdout, as_csv)
        return
    # Write beside the target and rename: a failed export never leaves half a file behind.
    partial = output.with_name(output.name + ".partial")
    with partial.open("w", encoding="utf-8-sig" if as_csv else "utf-8", newline="") as out:
        count = write_export(records, out, as_csv)
    partial.replace(output)
    click.echo(f"{count} records written to {output}", err=True)


@click.command(name="serve-llm")
@click.option("--host", help="Address vLLM listens on (default: vllm_host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: vllm_port, 8000).")
@click.option("--print-command", is_flag=True, help="Show the vllm command line; start nothing.")
@click.pass_obj
@friendly_errors
def serve_llm(settings: Settings, host: str | None, port: int | None, print_command: bool) -> None:
    """Run the local vLLM server that the assistant answers through (llm_backend = "vllm").

    Loopback only unless configured, an API key, prefix caching of the shared system prompt;
    waits for /health and a warm-up answer before it says ready; Ctrl-C stops vLLM.
    """
    # The launcher (and httpx) is loaded only by this command.
    from ui.serving import DEFAULT_SERVED_MODEL, serve, vllm_command, vllm_executable

    overrides = {"vllm_host": host, "vllm_port": port}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    if print_command:
        # The packaged model is converted into this folder on the first start.
        packaged = settings.data_dir / "models" / f"{DEFAULT_SERVED_MODEL}-hf"
        model = settings.vllm_model or str(packaged)
        executable = vllm_executable(settings, strict=False)
        click.echo(shlex.join(vllm_command(settings, model, executable)))
        return
    serve(settings, echo=click.echo)
