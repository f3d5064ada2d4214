"""Keys: a device key per workstation, and the manager's keys, in standard formats.

- Signing is Ed25519 in minisign format (py-minisign), so anyone can check a bundle with the
  standard tool: ``minisign -Vm FILE -P KEY``.
- A workstation's device key is made at first use in ``<data>/keys/`` with owner-only
  permissions; it never leaves the device (only its public half does).
- The manager's signing key is encrypted with the manager's passphrase (minisign's scrypt
  format), and their age identity (for decrypting bundles) with the same passphrase (age's
  scrypt passphrase mode). Neither secret ever leaves the manager's machine.
- age refuses to decrypt when its quick benchmark says the scrypt would take more than 16 times
  longer than on the PC that made the file — a busy shared PC — and pyrage offers no way to raise
  that limit. So the age identity is kept a second time, wrapped with the same passphrase by
  cryptography's scrypt and ChaCha20-Poly1305 (``manager.identity``), which on a busy PC only takes
  longer. DrillPad reads the wrap first; age's file stays the standard copy, and decides whenever the
  wrap is missing (keys made before it: written at the next unlock) or damaged (written again).
  cryptography's scrypt releases the interpreter lock, so a window's worker thread can run it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import minisign
import pyrage

from drillpad.evidence import (
    DEVICE_AGE,
    DEVICE_KEY,
    DEVICE_PUB,
    KEYS_DIR,
    MANAGER_AGE,
    MANAGER_KEY,
    MANAGER_PUB,
    MANAGER_RECIPIENT,
    MANAGER_WRAP,
    atomic_write,
)

log = logging.getLogger(__name__)


class KeyError_(RuntimeError):
    """A key is missing, unreadable or the passphrase is wrong; the message says which."""


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(path, data, mode=0o600)


def _write_public(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(path, data)


def public_key_text(pk: minisign.PublicKey) -> str:
    """The one-line base64 form (what ``minisign -P`` takes)."""
    return pk.to_base64().decode()


def fingerprint(public_key_b64: str) -> str:
    """A short, readable fingerprint to compare on two screens: 4 groups of 4 hex digits."""
    digest = hashlib.sha256(public_key_b64.encode()).hexdigest()[:16].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))


def load_public_key(text: str) -> minisign.PublicKey:
    try:
        return minisign.PublicKey.from_base64(text.strip())
    except (minisign.Error, ValueError) as exc:
        raise KeyError_(f"not a minisign public key: {exc}") from exc


@dataclass
class DeviceKey:
    secret: minisign.SecretKey
    public_b64: str
    identity: pyrage.x25519.Identity | None = None
    """The device's age identity: the manager's decisions are encrypted to it."""

    @property
    def recipient(self) -> str:
        return str(self.identity.to_public()) if self.identity is not None else ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_b64)


def device_key(data_dir: Path) -> DeviceKey:
    """This workstation's signing key and age identity, created (owner-only, atomically) on first use."""
    folder = data_dir / KEYS_DIR
    key_path, pub_path, age_path = folder / DEVICE_KEY, folder / DEVICE_PUB, folder / DEVICE_AGE
    if not key_path.exists():
        pair = minisign.KeyPair.generate()
        _write_private(key_path, bytes(pair.secret_key))
        _write_public(pub_path, bytes(pair.public_key))
    if not age_path.exists():
        _write_private(age_path, str(pyrage.x25519.Identity.generate()).encode())
    try:
        secret = minisign.SecretKey.from_file(key_path)
        identity = pyrage.x25519.Identity.from_str(age_path.read_text().strip())
    except (OSError, ValueError, minisign.Error, pyrage.IdentityError) as exc:
        raise KeyError_(f"the device key in {folder} cannot be read: {exc}") from exc
    return DeviceKey(secret, public_key_text(secret.get_public_key()), identity)


@dataclass
class ManagerKeys:
    signing: minisign.SecretKey
    identity: pyrage.x25519.Identity
    public_b64: str
    recipient: str


def create_manager_keys(data_dir: Path, passphrase: str) -> tuple[str, str]:
    """Make the manager's keys (refusing to overwrite); returns (public key, age recipient)."""
    if len(passphrase) < 10:
        raise KeyError_("choose a passphrase of at least 10 characters")
    folder = data_dir / KEYS_DIR
    if (folder / MANAGER_KEY).exists():
        raise KeyError_(f"manager keys already exist in {folder}; they are never overwritten")
    pair = minisign.KeyPair.generate()
    public_b64 = public_key_text(pair.public_key)
    pair.secret_key.encrypt(passphrase)
    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    _write_private(folder / MANAGER_AGE, pyrage.passphrase.encrypt(str(identity).encode(), passphrase))
    _write_private(folder / MANAGER_WRAP, _wrap_identity(str(identity), passphrase))
    _write_private(folder / MANAGER_KEY, bytes(pair.secret_key))
    _write_public(folder / MANAGER_PUB, bytes(pair.public_key))
    _write_public(folder / MANAGER_RECIPIENT, recipient.encode())
    return public_b64, recipient


def manager_public(data_dir: Path) -> tuple[str, str]:
    folder = data_dir / KEYS_DIR
    try:
        pk = minisign.PublicKey.from_file(folder / MANAGER_PUB)
        return public_key_text(pk), (folder / MANAGER_RECIPIENT).read_text().strip()
    except (OSError, minisign.Error) as exc:
        raise KeyError_(f"no manager keys in {folder} (create them with `drillpad evidence manager-init`)") from exc


BUSY_MARK = "Excessive work parameter"  # age's refusal when its benchmark says the scrypt would take too long


def _busy(detail: str) -> KeyError_:
    """age refused because this computer is slow just now (its quick benchmark against the key's work factor), not
    because the passphrase is wrong (minisign's key already opened with it)."""
    took = next((line.strip() for line in detail.splitlines() if "would take" in line), "")
    return KeyError_("this computer is too busy to unlock the manager key just now"
                     + (f" (age: “{took}”)" if took else "") + "; wait until it is less busy, then try again")


WRAP_FORMAT = "drillpad-identity-wrap v1"
WRAP_SCRYPT = {"n": 2 ** 18, "r": 8, "p": 1}
"""0.7 s and 256 MiB on an idle test PC: stronger than the minisign key beside it (libsodium's interactive
limits, 0.08 s), lighter than age's own (2^19 there, 1.6 s)."""


def _wrap_key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _associated(header: dict) -> bytes:
    """The wrap's header as the AEAD's associated data: its parameters and salt cannot be changed unnoticed."""
    return json.dumps(header, sort_keys=True).encode()


def _wrap_identity(identity: str, passphrase: str) -> bytes:
    """The age identity sealed with the passphrase: scrypt (its parameters and salt in the clear, bound as
    associated data) and ChaCha20-Poly1305, as one JSON document."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    salt, nonce = os.urandom(16), os.urandom(12)
    header = {"format": WRAP_FORMAT, "kdf": "scrypt", **WRAP_SCRYPT, "salt": base64.b64encode(salt).decode()}
    sealed = ChaCha20Poly1305(_wrap_key(passphrase, salt, **WRAP_SCRYPT)).encrypt(nonce, identity.encode(),
                                                                                 _associated(header))
    return json.dumps({**header, "nonce": base64.b64encode(nonce).decode(),
                       "sealed": base64.b64encode(sealed).decode()}, indent=1).encode() + b"\n"


def _unwrap_identity(data: bytes, passphrase: str) -> pyrage.x25519.Identity | None:
    """The identity in a wrap, or None when the wrap is not one (damaged, cut short, another format) or does
    not open with this passphrase."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    try:
        doc = json.loads(data)
        header = {k: doc[k] for k in ("format", "kdf", "n", "r", "p", "salt")}
        if header["format"] != WRAP_FORMAT or header["kdf"] != "scrypt":
            return None
        n, r, p = (int(header[k]) for k in ("n", "r", "p"))
        if not (2 ** 14 <= n <= 2 ** 19 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 4):
            return None  # not parameters DrillPad writes: never let a file make the PC work for minutes
        salt = base64.b64decode(header["salt"], validate=True)
        key = _wrap_key(passphrase, salt, n, r, p)
        plain = ChaCha20Poly1305(key).decrypt(base64.b64decode(doc["nonce"], validate=True),
                                              base64.b64decode(doc["sealed"], validate=True),
                                              _associated(header))
        return pyrage.x25519.Identity.from_str(plain.decode().strip())
    except (ValueError, TypeError, KeyError, InvalidTag, UnicodeDecodeError, pyrage.IdentityError):
        return None


def _wrapped(folder: Path, passphrase: str, recipient: str) -> pyrage.x25519.Identity | None:
    """The identity from the wrap, if there is a sound one for this manager (its public half is the
    manager's recipient: a wrap of another identity is not taken for theirs)."""
    try:
        data = (folder / MANAGER_WRAP).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("the wrapped manager identity cannot be read (%s); age's file decides", exc)
        return None
    identity = _unwrap_identity(data, passphrase)
    if identity is None or str(identity.to_public()) != recipient:
        log.warning("the wrapped manager identity in %s is damaged; age's file decides and it is written again",
                    folder)
        return None
    return identity


def _keep_wrap(folder: Path, identity: pyrage.x25519.Identity, passphrase: str) -> None:
    """Write (or mend) the wrap after age decrypted the identity. A failure to write is only logged: the
    unlock itself worked, and the next one tries again."""
    try:
        _write_private(folder / MANAGER_WRAP, _wrap_identity(str(identity), passphrase))
    except OSError as exc:
        log.warning("could not write the wrapped manager identity to %s: %s", folder, exc)


def _open_signing_key(folder: Path, passphrase: str) -> minisign.SecretKey:
    try:
        secret = minisign.SecretKey.from_file(folder / MANAGER_KEY)
        secret.decrypt(passphrase)
    except minisign.Error as exc:
        raise KeyError_("wrong passphrase for the manager key") from exc
    except OSError as exc:
        raise KeyError_(f"the manager keys in {folder} cannot be read: {exc}") from exc
    return secret


def unlock_manager_keys(data_dir: Path, passphrase: str) -> ManagerKeys:
    """Decrypt the manager's keys with their passphrase (manager mode): the signing key, then the age
    identity from its wrap, or from age's file when the wrap is missing or damaged (and the wrap is then
    written)."""
    folder = data_dir / KEYS_DIR
    public_b64, recipient = manager_public(data_dir)
    secret = _open_signing_key(folder, passphrase)
    identity = _wrapped(folder, passphrase, recipient)
    if identity is not None:
        return ManagerKeys(secret, identity, public_b64, recipient)
    try:
        identity = pyrage.x25519.Identity.from_str(
            pyrage.passphrase.decrypt((folder / MANAGER_AGE).read_bytes(), passphrase).decode())
    except pyrage.DecryptError as exc:
        if BUSY_MARK in str(exc):
            raise _busy(str(exc)) from exc
        raise KeyError_("wrong passphrase for the manager key") from exc
    except OSError as exc:
        raise KeyError_(f"the manager keys in {folder} cannot be read: {exc}") from exc
    _keep_wrap(folder, identity, passphrase)
    return ManagerKeys(secret, identity, public_b64, recipient)


def unlock_manager_keys_in_child(data_dir: Path, passphrase: str, timeout: float = 300.0) -> ManagerKeys:
    """:func:`unlock_manager_keys` for a window's worker thread. Both scrypts that normally run (minisign's
    and the wrap's, in cryptography) release the interpreter lock and run here. age's scrypt (pyrage), needed
    only when the wrap is missing or damaged, holds the lock for seconds, which froze the whole window, so it
    runs in a child process (the passphrase on its stdin, never in argv). A frozen app, which cannot start
    ``python -m``, decrypts here."""
    import subprocess
    import sys

    if getattr(sys, "frozen", False):
        return unlock_manager_keys(data_dir, passphrase)
    folder = data_dir / KEYS_DIR
    public_b64, recipient = manager_public(data_dir)
    secret = _open_signing_key(folder, passphrase)
    identity = _wrapped(folder, passphrase, recipient)
    if identity is not None:
        return ManagerKeys(secret, identity, public_b64, recipient)
    try:
        proc = subprocess.run([sys.executable, "-m", "drillpad.evidence.keys", str(folder / MANAGER_AGE)],
                              input=passphrase, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise KeyError_(f"unlocking the manager key took more than {timeout:.0f} s") from None
    if proc.returncode == 2:
        raise KeyError_("wrong passphrase for the manager key")
    if proc.returncode == 3:
        raise _busy(proc.stderr)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise KeyError_(f"the manager key could not be unlocked: {last}")
    try:
        identity = pyrage.x25519.Identity.from_str(proc.stdout.strip())
    except pyrage.IdentityError as exc:
        raise KeyError_(f"the manager key could not be unlocked: the helper process gave no key ({exc})") from exc
    _keep_wrap(folder, identity, passphrase)
    return ManagerKeys(secret, identity, public_b64, recipient)


def _age_child(path: str) -> int:
    """``python -m drillpad.evidence.keys FILE``: decrypt the manager's age identity with the passphrase read
    from stdin and print it (exit 2: wrong passphrase; exit 3: age refused because this computer is busy, its
    words on stderr)."""
    import sys

    try:
        print(pyrage.passphrase.decrypt(Path(path).read_bytes(), sys.stdin.read()).decode().strip())
    except pyrage.DecryptError as exc:
        if BUSY_MARK in str(exc):
            print(str(exc), file=sys.stderr)
            return 3
        return 2
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_age_child(sys.argv[1]))
