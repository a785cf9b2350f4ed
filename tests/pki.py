"""Throwaway certificates for the TLS tests, made with the ``openssl`` command.

Two unrelated certificate authorities: the test CA signs the server certificate (valid for
localhost and 127.0.0.1) and one for another host name; the other CA signs nothing a test
server uses, so a client that trusts only it must refuse the servers. EC P-256 keys: each
certificate takes milliseconds, not the seconds of an RSA key.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
DAYS = "2"
KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc"]

CA_EXTENSIONS = """\
[req]
distinguished_name = dn
x509_extensions = ca
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""

SERVER_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = {names}
"""


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    ca_file: Path  # the CA a client must trust
    server: Certificate  # localhost and 127.0.0.1, signed by ca_file
    wrong_host: Certificate  # only wrong-host.invalid, signed by ca_file
    other_ca_file: Path  # an unrelated CA that signed nothing in use here


def _openssl(*args: str | Path) -> None:
    result = subprocess.run([OPENSSL, *map(str, args)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.strip()}")


def _authority(folder: Path, name: str) -> Certificate:
    config = folder / f"{name}.cnf"
    config.write_text(CA_EXTENSIONS, encoding="utf-8")
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    _openssl(
        "req", "-x509", *KEY, "-config", config, "-keyout", key, "-out", cert,
        "-days", DAYS, "-subj", f"/CN=Pagewise test {name}",
    )  # fmt: skip
    return Certificate(cert, key)


def _leaf(folder: Path, name: str, ca: Certificate, names: str) -> Certificate:
    cert, key, request = (folder / f"{name}{suffix}" for suffix in (".pem", ".key", ".csr"))
    extensions = folder / f"{name}.ext"
    extensions.write_text(SERVER_EXTENSIONS.format(names=names), encoding="utf-8")
    _openssl("req", *KEY, "-keyout", key, "-out", request, "-subj", f"/CN={name}")
    _openssl(
        "x509", "-req", "-in", request, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
        "-out", cert, "-days", DAYS, "-extfile", extensions,
    )  # fmt: skip
    return Certificate(cert, key)


def make_pki(folder: Path) -> Pki:
    """The two CAs and two server certificates, written into ``folder``."""
    if not Path(OPENSSL).is_file():
        raise RuntimeError("openssl is missing: run scripts/install-system-packages.sh")
    folder.mkdir(parents=True, exist_ok=True)
    ca = _authority(folder, "ca")
    other = _authority(folder, "other-ca")
    server = _leaf(folder, "localhost", ca, "DNS:localhost, IP:127.0.0.1")
    wrong = _leaf(folder, "wrong-host", ca, "DNS:wrong-host.invalid")
    return Pki(ca.cert, server, wrong, other.cert)
