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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

APP_NAME = "DrillPad"
POLICY_FILENAME = "policy.toml"

Sha256 = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]


class Policy(BaseModel):
    """Every key IT may set, with its safe default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path | None = None
    """Where the database and learners' data live (local disk only). Default: the user data dir."""
    log_dir: Path | None = None
    """Where logs and crash reports go. Default: ``logs`` in the data dir when it is set, else the user log dir."""
    models_dir: Path | None = None
    """An extra folder searched for GGUF models and their manifests."""
    idle_lock_minutes: Annotated[int, Field(ge=1, le=120)] = 2
    """Minutes without input before a profile locks and the screen returns to the name tiles."""
    allow_self_enrol: bool = True
    """Whether trainees may add themselves on the workstation ("add me")."""
    allowed_models: list[Sha256] = []
    """If not empty, only models with one of these sha256 digests are used."""
    team_file: Path | None = None
    """A manager's team file to pin on first start."""
    sync_folder: Path | None = None
    """Folder (USB stick or share) where evidence bundles are dropped."""
    sync_url: Annotated[str, Field(pattern=r"^https?://")] | None = None
    """A manager's inbox URL for evidence bundles."""
    daily_budget_minutes: Annotated[int, Field(ge=1, le=60)] | None = None
    """Practice minutes per learner per day; overrides the packs' setting."""


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


_TOML_LINE = re.compile(r"at line (\d+)")


def load_policy(path: Path) -> LoadedPolicy:
    """Read a policy file. Keys with bad values fall back to defaults and are reported."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return LoadedPolicy(Policy(), path, (PolicyProblem("(file)", f"cannot read {path}: {exc}"),))
    except tomllib.TOMLDecodeError as exc:
        return LoadedPolicy(Policy(), path, (PolicyProblem("(file)", f"{path} is not valid TOML: {exc}"),))
    problems: list[PolicyProblem] = []
    good = dict(raw)
    # Drop each bad key and try again, so one typo does not discard the rest of the policy.
    for _ in range(len(raw) + 1):
        try:
            policy = Policy.model_validate(good)
            break
        except ValidationError as exc:
            bad_keys = set()
            for err in exc.errors():
                key = str(err["loc"][0]) if err["loc"] else "(file)"
                bad_keys.add(key)
                if err["type"] == "extra_forbidden":
                    message = "unknown key (ignored; see packaging/README.md for the keys)"
                else:
                    message = f"{err['msg']} (got {good.get(key)!r}); using the default"
                problems.append(PolicyProblem(key, message))
            for key in bad_keys:
                good.pop(key, None)
    else:  # pragma: no cover - each round removes at least one key
        policy = Policy()
    return LoadedPolicy(policy, path, tuple(problems))
