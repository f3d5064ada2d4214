"""The LRS settings: IT policy keys (``lrs_*``) plus a credentials file only the manager's account can read.

Policy keys: ``lrs_url`` (the xAPI endpoint, e.g. ``https://lrs.example.com/xAPI/``), ``lrs_credentials_file``,
``lrs_org_iri`` (the organisation's IRI: account homePage and the namespace of every id), ``lrs_site_id``,
``lrs_send`` (what may be sent; default every kind, no reflection text, no names), ``lrs_signing_key_file`` and
``lrs_certificate_file`` (the site's RSA key and certificate, PEM, for signed sign-offs), ``lrs_signature``
(``"attachment"``, the xAPI form, or ``"extension"`` for an LRS that takes no attachments, such as Ralph 5.1.0),
``lrs_from_workstation`` (a learner's workstation also sends its own facts; default false).

The credentials file (TOML)::

    username = "site-leeds"          # HTTP Basic, one credential per site
    password = "…"
    pseudonym_secret = "…"           # the organisation's HMAC secret for opaque learner ids (≥ 32 characters)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillpad.lrs.statements import DEFAULT_SEND, Sharing


class LrsConfigError(RuntimeError):
    """The LRS is configured only in part, or its files cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class LrsConfig:
    url: str
    username: str
    password: str
    sharing: Sharing
    signing_key_file: Path | None = None
    certificate_file: Path | None = None
    signature: str = "attachment"  # "attachment" (xAPI §4.4, multipart) or "extension" (LRSs without attachments)
    from_workstation: bool = False  # a learner's workstation also sends its own facts (policy lrs_from_workstation)
    batch_size: int = 50
    connect_timeout: float = 10.0
    read_timeout: float = 60.0

    @property
    def statements_url(self) -> str:
        return self.url.rstrip("/") + "/statements"

    @property
    def about_url(self) -> str:
        return self.url.rstrip("/") + "/about"

    def signer(self):
        """The site's signer, or None when no key and certificate are configured."""
        from drillpad.lrs.signing import SiteSigner

        if self.signing_key_file is None or self.certificate_file is None:
            return None
        return SiteSigner.from_files(self.signing_key_file, self.certificate_file)


def read_credentials(path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LrsConfigError(f"cannot read the LRS credentials file {path}: {exc}") from exc
    missing = [k for k in ("username", "password", "pseudonym_secret") if not isinstance(data.get(k), str)
               or not data[k]]
    if missing:
        raise LrsConfigError(f"the LRS credentials file {path} lacks {', '.join(missing)} (text in quotes)")
    if len(data["pseudonym_secret"]) < 32:
        raise LrsConfigError(f"pseudonym_secret in {path} is shorter than 32 characters: learners' opaque ids "
                             "would be guessable")
    return {k: data[k] for k in ("username", "password", "pseudonym_secret")}


def from_policy(policy: Any, relative_to: Path | None = None) -> LrsConfig | None:
    """The LRS settings from an IT ``Policy`` (relative file paths are relative to *relative_to*, the policy's
    folder); None when the policy names no LRS (``lrs_url`` unset)."""
    from drillpad.paths import _expand

    if getattr(policy, "lrs_url", None) is None:
        return None
    missing = [k for k in ("lrs_credentials_file", "lrs_org_iri", "lrs_site_id") if getattr(policy, k, None) is None]
    if missing:
        raise LrsConfigError(f"the IT policy names an LRS (lrs_url) but not {', '.join(missing)}; nothing is sent")
    def path(value: Path | None) -> Path | None:
        return None if value is None else _expand(value, relative_to)

    creds = read_credentials(path(policy.lrs_credentials_file))  # type: ignore[arg-type]
    send = frozenset(policy.lrs_send if policy.lrs_send is not None else DEFAULT_SEND)
    sharing = Sharing(org_iri=policy.lrs_org_iri, site_id=policy.lrs_site_id,
                      secret=creds["pseudonym_secret"].encode(), send=send, platform="DrillPad")
    return LrsConfig(url=policy.lrs_url, username=creds["username"], password=creds["password"], sharing=sharing,
                     signing_key_file=path(policy.lrs_signing_key_file),
                     certificate_file=path(policy.lrs_certificate_file),
                     signature=getattr(policy, "lrs_signature", None) or "attachment",
                     from_workstation=bool(getattr(policy, "lrs_from_workstation", False)))
