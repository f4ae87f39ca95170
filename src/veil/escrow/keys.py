"""Escrow keys: age X25519 key pairs, written and read in the files the `age` tool uses.

``escrow.key`` is an age identity file (``AGE-SECRET-KEY-1...``), or the same
file encrypted with a passphrase (age's scrypt recipient), which ``age -d -i``
also reads. ``escrow.pub`` holds the public key (``age1...``), the only thing
the people who run veil need.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from pathlib import Path

import pyrage

from veil.errors import VeilError
from veil.files import discard, temporary_beside

KEY_NAME = "escrow.key"
PUBLIC_NAME = "escrow.pub"
PASSPHRASE_ENV = "VEIL_ESCROW_PASSPHRASE"
"""Where `veil keygen` and `veil reveal` read a passphrase from when no one is there to type it."""
_AGE_HEADER = b"age-encryption.org/v1"


class EscrowError(VeilError):
    """A key, a sidecar or an output that escrow cannot use; nothing was written."""


def write_keys(folder: Path, passphrase: str | None = None, force: bool = False) -> tuple[Path, Path]:
    """A new key pair in ``folder``: ``escrow.key`` (mode 0600, passphrase-protected when one is
    given) and ``escrow.pub``. Existing keys are never overwritten unless ``force``: the
    sidecars sealed to them would be lost."""
    key_path, public_path = folder / KEY_NAME, folder / PUBLIC_NAME
    for path in (key_path, public_path):
        if path.exists() and not force:
            raise EscrowError(path, "already exists (its sidecars need it; --force replaces it)")
    folder.mkdir(parents=True, exist_ok=True)
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    created = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    secret = f"# created: {created}\n# public key: {public}\n{identity}\n".encode()
    if passphrase:
        secret = pyrage.passphrase.encrypt(secret, passphrase)
    _write_private(key_path, secret)
    _write_private(public_path, f"# created: {created}\n{public}\n".encode(), mode=0o644)
    return key_path, public_path


def _write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Written atomically; the temporary file is 0600 from its creation, so the key is never
    readable by others, even briefly (`commit` would give it the umask's permissions)."""
    temp = temporary_beside(path)
    try:
        with open(temp, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        discard(temp)
        raise EscrowError(path, f"cannot write ({exc.strerror or exc})") from None


def load_recipients(values: Sequence[str]) -> list[pyrage.x25519.Recipient]:
    """Public keys from ``.pub`` files (one ``age1...`` per line; ``#`` comments) or given as is."""
    recipients = []
    for value in values:
        lines = [value] if value.startswith("age1") else _read_lines(Path(value))
        keys = [line for line in lines if line and not line.startswith("#")]
        if not keys:
            raise EscrowError(value, "holds no public key (expected a line starting with age1)")
        for key in keys:
            try:
                recipients.append(pyrage.x25519.Recipient.from_str(key))
            except pyrage.RecipientError:
                raise EscrowError(value, f"not an age public key: {key[:20]}...") from None
    return recipients


def is_passphrase_protected(path: Path) -> bool:
    with contextlib.suppress(OSError), open(path, "rb") as stream:
        return stream.read(len(_AGE_HEADER)) == _AGE_HEADER
    return False


def load_identities(path: Path, passphrase: str | None = None) -> list[pyrage.x25519.Identity]:
    """The private keys in an identity file (unlocked with ``passphrase`` when it is protected)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EscrowError(path, f"cannot read the key ({exc.strerror or exc})") from None
    if data.startswith(_AGE_HEADER):
        if not passphrase:
            raise EscrowError(path, f"the key is passphrase-protected: type it, or set {PASSPHRASE_ENV}")
        try:
            data = pyrage.passphrase.decrypt(data, passphrase)
        except pyrage.DecryptError:
            raise EscrowError(path, "wrong passphrase for this key") from None
    identities = []
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip().startswith("AGE-SECRET-KEY-"):
            try:
                identities.append(pyrage.x25519.Identity.from_str(line.strip()))
            except pyrage.IdentityError:
                raise EscrowError(path, "holds a damaged private key") from None
    if not identities:
        raise EscrowError(path, "holds no private key (expected a line starting with AGE-SECRET-KEY-)")
    return identities


def _read_lines(path: Path) -> list[str]:
    try:
        return [line.strip() for line in path.read_text().splitlines()]
    except (OSError, UnicodeDecodeError) as exc:
        raise EscrowError(
            path, f"cannot read the public key ({getattr(exc, 'strerror', None) or exc})"
        ) from None
