"""A throwaway OpenLDAP server (slapd) on the loopback interface, for development and tests.

    .venv/bin/python scripts/slapd.py --ldif policies/dev-directory.ldif --port 3389 --dir data/ldap

runs in the foreground until Ctrl-C. From Python: ``start_slapd(workdir, ldif, port)`` returns a
:class:`SlapdProcess` (``.url``, ``.stop()``). Each start rebuilds the database from the LDIF
files, so the LDIF is the whole truth and nothing from an earlier run survives.

With a certificate and its key (``--tls-cert``/``--tls-key``, or ``tls=(cert, key)``) slapd
also offers StartTLS on the ``ldap://`` port and listens for ``ldaps://`` on a second port
(``.ldaps_url``).

Needs the Debian packages slapd and ldap-utils (``scripts/install-system-packages.sh``).
Anonymous clients may read everything below the suffix except ``userPassword``, which is only
used to check a bind; the root DN may do anything.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")

SUFFIX = "dc=pagewise,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
# The throwaway server listens on loopback only; the root password is not a secret.
ROOT_PASSWORD = "admin-demo"

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class SlapdError(RuntimeError):
    """slapd is missing, the configuration or LDIF is wrong, or the server did not start."""


@dataclass
class SlapdProcess:
    """A running slapd; stop it with :meth:`stop` (or use it as a context manager)."""

    process: subprocess.Popen[bytes]
    port: int
    workdir: Path
    root_dn: str = ROOT_DN
    root_password: str = ROOT_PASSWORD
    suffix: str = SUFFIX
    host: str = field(default="127.0.0.1")
    tls_port: int | None = None

    @property
    def url(self) -> str:
        return f"ldap://{self.host}:{self.port}"

    @property
    def ldaps_url(self) -> str:
        if self.tls_port is None:
            raise SlapdError("This slapd was started without a certificate: no ldaps:// port.")
        return f"ldaps://{self.host}:{self.tls_port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "slapd.log"

    def stop(self) -> None:
        """SIGTERM for a clean database shutdown; SIGKILL if it does not exit in time."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> SlapdProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def free_port() -> int:
    """A TCP port nobody listens on right now (another process could still take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(
    workdir: Path, root_password: str = ROOT_PASSWORD, tls: tuple[Path, Path] | None = None
) -> Path:
    """slapd.conf for one mdb database holding ``SUFFIX``; returns its path.

    ``tls`` is a server certificate and its key (PEM): slapd then offers StartTLS and ldaps.
    """
    db_dir = workdir / "db"
    includes = "\n".join(f"include {SCHEMA_DIR / name}.schema" for name in SCHEMAS)
    certificate = ""
    if tls is not None:
        cert, key = (path.resolve() for path in tls)
        certificate = f"TLSCertificateFile {cert}\nTLSCertificateKeyFile {key}\n"
    config = f"""\
{includes}
{certificate}
pidfile {workdir / "slapd.pid"}
argsfile {workdir / "slapd.args"}
modulepath {MODULE_DIR}
moduleload back_mdb

database mdb
maxsize 67108864
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {root_password}
directory {db_dir}
index objectClass eq
index uid,cn eq
index member,memberUid eq

# Passwords are only compared during a bind, never read. Everything else is readable by
# anyone, which lets the login search anonymously.
access to attrs=userPassword
    by anonymous auth
    by * none
access to dn.subtree="{SUFFIX}"
    by * read
"""
    path = workdir / "slapd.conf"
    path.write_text(config, encoding="utf-8")
    return path


def _require_binaries() -> None:
    for binary in (SLAPD, SLAPADD):
        if not binary.is_file():
            raise SlapdError(
                f"{binary} is missing. Install OpenLDAP with scripts/install-system-packages.sh."
            )


def _load(config: Path, ldifs: Sequence[Path]) -> None:
    for ldif in ldifs:
        if not ldif.is_file():
            raise SlapdError(f"LDIF file {ldif} does not exist.")
        result = subprocess.run(
            [str(SLAPADD), "-q", "-f", str(config), "-l", str(ldif)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SlapdError(
                f"slapadd could not load {ldif}: {result.stderr.strip() or result.stdout.strip()}"
            )


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_slapd(
    workdir: Path,
    ldif: Path | Sequence[Path],
    port: int | None = None,
    root_password: str = ROOT_PASSWORD,
    tls: tuple[Path, Path] | None = None,
    tls_port: int | None = None,
) -> SlapdProcess:
    """Start slapd on 127.0.0.1:PORT (a free one if None) serving ``SUFFIX`` from the LDIF(s).

    ``workdir`` holds the configuration, database and log; its database is rebuilt. With
    ``tls`` (certificate, key) it also offers StartTLS, and ldaps on ``tls_port`` (or a free one).
    """
    _require_binaries()
    ldifs = [ldif] if isinstance(ldif, Path) else list(ldif)
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    db_dir = workdir / "db"
    shutil.rmtree(db_dir, ignore_errors=True)
    db_dir.mkdir()
    config = write_config(workdir, root_password, tls)
    _load(config, ldifs)

    port = port if port is not None else free_port()
    if tls is None:
        tls_port = None
    elif tls_port is None:
        tls_port = free_port()
    ports = [port] if tls_port is None else [port, tls_port]
    busy = [str(p) for p in ports if _answers(p)]
    if busy:
        raise SlapdError(f"Port {busy[0]} on 127.0.0.1 is already in use. Choose another port.")
    listen = " ".join(
        f"{scheme}://127.0.0.1:{p}/" for scheme, p in zip(("ldap", "ldaps"), ports, strict=False)
    )
    log_path = workdir / "slapd.log"
    with log_path.open("wb") as log:
        # -d 0 keeps slapd in the foreground (a child we can stop) without debug output.
        process = subprocess.Popen(
            [str(SLAPD), "-h", listen, "-f", str(config), "-d", "0"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = SlapdProcess(process, port, workdir, root_password=root_password, tls_port=tls_port)
    deadline = time.monotonic() + START_TIMEOUT
    while not all(map(_answers, ports)):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            log_text = log_path.read_text(encoding="utf-8", errors="replace").strip()
            raise SlapdError(f"slapd did not start on port {port}. Its log says: {log_text}")
        time.sleep(0.05)
    return server


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ldif", type=Path, action="append", required=True, help="repeatable")
    parser.add_argument("--port", type=int, default=3389)
    parser.add_argument("--dir", type=Path, default=Path("data/ldap"), help="work directory")
    parser.add_argument("--tls-cert", type=Path, help="server certificate (PEM): StartTLS, ldaps")
    parser.add_argument("--tls-key", type=Path, help="its private key (PEM)")
    parser.add_argument("--tls-port", type=int, default=3636, help="ldaps:// port")
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("give both --tls-cert and --tls-key, or neither")
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    try:
        server = start_slapd(args.dir, args.ldif, args.port, tls=tls, tls_port=args.tls_port)
    except SlapdError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    encrypted = f" and {server.ldaps_url} (also StartTLS)" if server.tls_port else ""
    print(
        f"slapd listening on {server.url}{encrypted} (base {server.suffix}, root {server.root_dn} /"
        f" {server.root_password}); log in {server.log_path}. Ctrl-C stops it.",
        flush=True,
    )
    try:
        return server.process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
