"""Signed statements (xAPI 1.0.3, Data §2.6 / Communication §4.4): a JWS (RS256) whose payload is the
statement as it was before the signature was attached, with the site's certificate chain in ``x5c``; the
signature travels as a multipart/mixed attachment with usageType ``…/attachments/signature`` — or, for an LRS that
takes no attachments (``lrs_signature = "extension"``), in a result extension (``sign_embedded``)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillpad.lrs.statements import SIGNATURE_USAGE

SIGNATURE_CONTENT_TYPE = "application/octet-stream"


class SigningError(RuntimeError):
    pass


@dataclass(frozen=True)
class SiteSigner:
    """The site's RSA key and certificate (PEM files named by the IT policy)."""

    private_key: Any
    chain: tuple[str, ...]  # base64 DER, the site's certificate first

    @classmethod
    def from_files(cls, key_file: Path, certificate_file: Path) -> "SiteSigner":
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        try:
            key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
            certs = x509.load_pem_x509_certificates(certificate_file.read_bytes())
        except (OSError, ValueError, TypeError) as exc:
            raise SigningError(f"cannot read the site's signing key or certificate ({exc})") from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SigningError(f"{key_file} is not an RSA private key (RS256 needs one)")
        if certs[0].public_key().public_numbers() != key.public_key().public_numbers():
            raise SigningError(f"the certificate in {certificate_file} is not the one of the key in {key_file}")
        chain = tuple(base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certs)
        return cls(key, chain)


def canonical(statement: dict[str, Any]) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(statement: dict[str, Any], signer: SiteSigner) -> tuple[dict[str, Any], str]:
    """(the statement with its signature attachment described, the compact JWS)."""
    import jwt

    unsigned = {k: v for k, v in statement.items() if k != "attachments"}
    token = jwt.PyJWS().encode(canonical(unsigned), signer.private_key, algorithm="RS256",
                               headers={"x5c": list(signer.chain)})
    data = token.encode()
    attachment = {"usageType": SIGNATURE_USAGE, "display": {"en-US": "Signature"},
                  "contentType": SIGNATURE_CONTENT_TYPE, "length": len(data),
                  "sha2": hashlib.sha256(data).hexdigest()}
    return {**unsigned, "attachments": [attachment]}, token


def sign_embedded(statement: dict[str, Any], signer: SiteSigner, extension: str) -> dict[str, Any]:
    """For an LRS that takes no attachments (Ralph 5.1.0): the same JWS, over the statement without it, carried in
    the result extension *extension* instead of a multipart attachment. Not xAPI §4.4's form: a reader verifies
    it by removing that extension and comparing the JWS payload with the rest."""
    import jwt

    unsigned = {k: v for k, v in statement.items() if k != "attachments"}
    token = jwt.PyJWS().encode(canonical(unsigned), signer.private_key, algorithm="RS256",
                               headers={"x5c": list(signer.chain)})
    result = dict(unsigned.get("result") or {})
    result["extensions"] = {**(result.get("extensions") or {}), extension: token}
    return {**unsigned, "result": result}
