"""Keys: a device key per workstation, and the manager's keys, in standard formats.

- Signing is Ed25519 in minisign format (py-minisign), so anyone can check a bundle with the
  standard tool: ``minisign -Vm FILE -P KEY``.
- A workstation's device key is made at first use in ``<data>/keys/`` with owner-only
  permissions; it never leaves the device (only its public half does).
- The manager's signing key is encrypted with the manager's passphrase (minisign's scrypt
  format), and their age identity (for decrypting bundles) with the same passphrase (age's
  scrypt passphrase mode). Neither secret ever leaves the manager's machine.
"""

from __future__ import annotations

import hashlib
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
    atomic_write,
)


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


def unlock_manager_keys(data_dir: Path, passphrase: str) -> ManagerKeys:
    """Decrypt the manager's keys with their passphrase (manager mode)."""
    folder = data_dir / KEYS_DIR
    public_b64, recipient = manager_public(data_dir)
    try:
        secret = minisign.SecretKey.from_file(folder / MANAGER_KEY)
        secret.decrypt(passphrase)
        identity = pyrage.x25519.Identity.from_str(
            pyrage.passphrase.decrypt((folder / MANAGER_AGE).read_bytes(), passphrase).decode())
    except pyrage.DecryptError as exc:
        if BUSY_MARK in str(exc):
            raise _busy(str(exc)) from exc
        raise KeyError_("wrong passphrase for the manager key") from exc
    except minisign.Error as exc:
        raise KeyError_("wrong passphrase for the manager key") from exc
    except OSError as exc:
        raise KeyError_(f"the manager keys in {folder} cannot be read: {exc}") from exc
    return ManagerKeys(secret, identity, public_b64, recipient)


def unlock_manager_keys_in_child(data_dir: Path, passphrase: str, timeout: float = 300.0) -> ManagerKeys:
    """:func:`unlock_manager_keys` for a window: age's scrypt (pyrage) holds the interpreter lock for seconds,
    which froze the whole window, so it runs in a child process (the passphrase on its stdin, never in argv);
    minisign's scrypt (cryptography) releases the lock and runs here. A frozen app, which cannot start
    ``python -m``, decrypts here."""
    import subprocess
    import sys

    if getattr(sys, "frozen", False):
        return unlock_manager_keys(data_dir, passphrase)
    folder = data_dir / KEYS_DIR
    public_b64, recipient = manager_public(data_dir)
    try:
        secret = minisign.SecretKey.from_file(folder / MANAGER_KEY)
        secret.decrypt(passphrase)
    except minisign.Error as exc:
        raise KeyError_("wrong passphrase for the manager key") from exc
    except OSError as exc:
        raise KeyError_(f"the manager keys in {folder} cannot be read: {exc}") from exc
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
