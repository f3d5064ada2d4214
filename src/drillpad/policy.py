"""The IT policy file: how IT configures DrillPad on locked-down, shared machines.

A policy is a TOML file. DrillPad uses the first one it finds, in this order:

1. the path given with ``--policy`` or in the ``DRILLPAD_POLICY`` environment variable;
2. ``policy.toml`` next to the executable (the install folder);
3. ``policy.toml`` in the system config dir (Linux ``/etc/xdg/DrillPad``,
   Windows ``C:\\ProgramData\\DrillPad``, macOS ``/Library/Application Support/DrillPad``).

A policy never stops DrillPad from starting: a key with a bad value falls back to its safe
default, and the problem is reported (``drillpad paths`` lists them, the app shows them).
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "DrillPad"
POLICY_FILENAME = "policy.toml"

# The policy is read before the first screen, so it is checked here with a few explicit rules
# rather than with pydantic: importing pydantic and building a first model took ~0.2 s of the
# 1 s start-up budget (see packaging/README.md, "Start-up"), for ten flat keys. Packs, model
# output and evidence keep pydantic; they load after the names screen is shown.
_SHA256 = re.compile(r"^sha256:[0-9a-f]{64}$")
_URL = re.compile(r"^https?://\S+$")


def _folder(value: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a folder path in quotes")
    return Path(value)


def _minutes(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number of minutes from {low} to {high}")
        return value

    return check


def _yes_no(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false (no quotes)")
    return value


def _digests(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and _SHA256.match(v) for v in value):
        raise ValueError('must be a list like ["sha256:<64 lowercase hex digits>", …]')
    return tuple(value)


def _url(value: Any) -> str:
    if not isinstance(value, str) or not _URL.match(value):
        raise ValueError("must be an http:// or https:// address")
    return value


def _authority(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError("must be a short text in quotes naming who holds the authority, e.g. \"IT service desk\"")
    return value.strip()


def _file(value: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a file path in quotes")
    return Path(value)


def _site_id(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^[A-Za-z0-9._-]{1,64}$", value):
        raise ValueError("must be a short id in quotes (letters, digits, . _ -), e.g. \"leeds-dc\"")
    return value


# What the manager's DrillPad may send to the organisation's LRS (see docs/lrs.md): each kind of fact, and two
# extras that are off unless IT lists them (the text of reflections; learners' and managers' names).
LRS_SEND_CHOICES = ("drill", "recall", "lesson", "reflection", "demonstration", "plan", "checkin", "signoff",
                    "reflection_text", "names")


def _lrs_send(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v in LRS_SEND_CHOICES for v in value):
        raise ValueError(f"must be a list of some of {', '.join(LRS_SEND_CHOICES)}")
    return tuple(value)


def _lrs_signature(value: Any) -> str:
    if value not in ("attachment", "extension"):
        raise ValueError('must be "attachment" (xAPI signed statements) or "extension" (an LRS without attachments)')
    return value


def _threads(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 64:
        raise ValueError("must be a whole number of threads from 1 to 64 (leave it out to let DrillPad measure)")
    return value


def _key(check: Callable[[Any], Any], default: Any = None):
    return field(default=default, metadata={"check": check})


@dataclass(frozen=True)
class Policy:
    """Every key IT may set, with its safe default (each key's rule is its ``check``)."""

    data_dir: Path | None = _key(_folder)
    """Where the database and learners' data live (local disk only). Default: the user data dir."""
    log_dir: Path | None = _key(_folder)
    """Where logs and crash reports go. Default: ``logs`` in the data dir when it is set, else the user log dir."""
    models_dir: Path | None = _key(_folder)
    """An extra folder searched for GGUF models and their manifests."""
    idle_lock_minutes: int = _key(_minutes(1, 120), 2)
    """Minutes without input before a profile locks and the screen returns to the name tiles."""
    allow_self_enrol: bool = _key(_yes_no, True)
    """Whether trainees may add themselves on the workstation ("add me")."""
    allowed_models: tuple[str, ...] = _key(_digests, ())
    """If not empty, only models with one of these sha256 digests are used."""
    team_file: Path | None = _key(_folder)
    """A manager's team file to pin on first start."""
    sync_folder: Path | None = _key(_folder)
    """Folder (USB stick or share) where evidence bundles are dropped."""
    sync_url: str | None = _key(_url)
    """A manager's inbox URL for evidence bundles."""
    sync_minutes: int = _key(_minutes(1, 240), 5)
    """Minutes between the workstation's own syncs while it is idle (it also syncs at start and after each lock;
    never while a learner is answering)."""
    daily_budget_minutes: int | None = _key(_minutes(1, 60))
    """Practice minutes per learner per day; overrides the packs' setting."""
    model_threads: int | None = _key(_threads)
    """Threads the local model uses. Unset (the default): measured on the machine (see llm/threads.py)."""
    cli_authority: str | None = _key(_authority)
    """Who (IT, a manager) may run the command-line verbs that read or write one learner's data without that
    learner's PIN. Unset (the default): those verbs ask for the PIN. Every use is logged with this name."""
    lrs_url: str | None = _key(_url)
    """The organisation's LRS (its xAPI endpoint, e.g. https://lrs.example.com/xAPI/). Unset: nothing is sent."""
    lrs_credentials_file: Path | None = _key(_file)
    """A TOML file (readable by the manager's account only) with username, password and pseudonym_secret."""
    lrs_org_iri: str | None = _key(_url)
    """The organisation's IRI: the homePage of learners' opaque accounts and the namespace of every id."""
    lrs_site_id: str | None = _key(_site_id)
    """This site's id, carried in every statement."""
    lrs_send: tuple[str, ...] | None = _key(_lrs_send)
    """What may be sent (default: every kind of fact, without reflection text or names)."""
    lrs_signing_key_file: Path | None = _key(_file)
    """The site's RSA private key (PEM) that signs sign-off statements."""
    lrs_certificate_file: Path | None = _key(_file)
    """The site's certificate (PEM, chain after it) sent in the signature's x5c."""
    lrs_signature: str | None = _key(_lrs_signature)
    """How sign-offs carry their signature: "attachment" (default, xAPI's multipart form) or "extension" (in a
    result extension, for an LRS that takes no attachments, such as Ralph 5.1.0)."""
    lrs_from_workstation: bool = _key(_yes_no, False)
    """Whether a learner's own workstation also sends its own evidence to the LRS (default false: only the
    manager's DrillPad sends, after the import checks). Needs the LRS keys and a credentials file this PC can read;
    the same facts come from the manager too, under the same statement ids."""


POLICY_KEYS: dict[str, Callable[[Any], Any]] = {f.name: f.metadata["check"] for f in fields(Policy)}


@dataclass(frozen=True)
class PolicyProblem:
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    source: Path | None = None
    problems: tuple[PolicyProblem, ...] = field(default=())


def executable_dir() -> Path:
    """The folder of the installed program (PyInstaller) or of the source checkout."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parents[2]


def policy_candidates(explicit: Path | None = None, env: dict[str, str] | None = None) -> list[Path]:
    env = os.environ if env is None else env
    candidates: list[Path] = []
    if explicit is not None:
        candidates.append(explicit)
    elif env.get("DRILLPAD_POLICY"):
        candidates.append(Path(env["DRILLPAD_POLICY"]))
    candidates.append(executable_dir() / POLICY_FILENAME)
    candidates.append(platformdirs.site_config_path(APP_NAME, appauthor=False) / POLICY_FILENAME)
    return candidates


def find_policy(explicit: Path | None = None, env: dict[str, str] | None = None) -> LoadedPolicy:
    candidates = policy_candidates(explicit, env)
    for i, path in enumerate(candidates):
        if path.is_file():
            return load_policy(path)
        if i == 0 and (explicit is not None or (env or os.environ).get("DRILLPAD_POLICY")):
            return LoadedPolicy(
                Policy(), path, (PolicyProblem("(file)", f"policy file {path} does not exist; using defaults"),)
            )
    return LoadedPolicy(Policy())


def load_policy(path: Path) -> LoadedPolicy:
    """Read a policy file. Keys with bad values fall back to defaults and are reported, one by one,
    so one typo does not discard the rest of the policy."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return LoadedPolicy(Policy(), path, (PolicyProblem("(file)", f"cannot read {path}: {exc}"),))
    except tomllib.TOMLDecodeError as exc:
        return LoadedPolicy(Policy(), path, (PolicyProblem("(file)", f"{path} is not valid TOML: {exc}"),))
    good: dict[str, Any] = {}
    problems: list[PolicyProblem] = []
    for key, value in raw.items():
        check = POLICY_KEYS.get(key)
        if check is None:
            problems.append(PolicyProblem(key, "unknown key (ignored; see packaging/README.md for the keys)"))
            continue
        try:
            good[key] = check(value)
        except ValueError as exc:
            problems.append(PolicyProblem(key, f"{exc} (got {value!r}); using the default"))
    return LoadedPolicy(Policy(**good), path, tuple(problems))
