"""The audit key: a secret file outside the data dir, made (mode 0600) on first use.

Whoever can write the audit folder but cannot read this file cannot forge a record that
verifies: every record's ``hash`` is an HMAC under this key.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from pagewise.errors import ConfigError

log = logging.getLogger(__name__)

KEY_BYTES = 32


def load_key(path: Path, create: bool = True, data_dir: Path | None = None) -> bytes:
    """The key in ``path`` (64 hex digits); made there when absent and ``create``."""
    if data_dir is not None and _inside(path, data_dir):
        log.warning(
            "audit_key_file %s is inside the data dir %s: anyone who can rewrite the audit log"
            " can also read its key; keep it elsewhere",
            path,
            data_dir,
        )
    if not path.exists():
        if not create:
            raise ConfigError(
                f"the audit key file {path} does not exist; set audit_key_file to the key that"
                " signed this audit log"
            )
        try:
            _create(path)
        except OSError as exc:
            raise ConfigError(
                f"cannot make the audit key file {path}: {exc.strerror}; create its folder"
                " writable for Pagewise's user, or set audit_key_file elsewhere"
            ) from None
    try:
        text = path.read_text(encoding="ascii").strip()
    except PermissionError:
        raise ConfigError(
            f"cannot read the audit key file {path} (permission denied): run Pagewise as the"
            " user that owns it, or give that user read access (keep it mode 0600)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the audit key file {path}: {exc}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigError(
            f"the audit key file {path} does not hold a key ({KEY_BYTES * 2} hex digits);"
            " restore it from your backup (a new key cannot verify the records already written)"
        )
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning(
            "the audit key file %s can be read by others (mode %o): chmod 600 it", path, mode
        )
    return key


def _create(path: Path) -> None:
    """Write a new key atomically: another process starting at the same time keeps the same."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (secrets.token_hex(KEY_BYTES) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(partial, path)  # fails if another process made the key first: keep theirs
        log.info(
            "made a new audit key in %s; back it up: the audit log verifies only with it", path
        )
    except FileExistsError:
        pass
    finally:
        partial.unlink()


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())
