"""Where DrillPad reads and writes.

Data dir, in order: ``--data-dir``; ``DRILLPAD_DATA_DIR``; the IT policy's ``data_dir``;
the platform's user data dir (platformdirs). Logs: the policy's ``log_dir``; ``logs`` inside
an overridden data dir; the platform's user log dir. DrillPad writes only there (and in the
cache dir), never inside the folder it is installed in.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from drillpad.policy import APP_NAME, LoadedPolicy, Policy, executable_dir

DB_FILENAME = "drillpad.db"


def resources_dir() -> Path:
    """Read-only files shipped with DrillPad: assets/ (demo packs) and models/."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", executable_dir()))
    return executable_dir()


def _expand(path: Path, relative_to: Path | None) -> Path:
    path = Path(os.path.expandvars(os.path.expanduser(str(path))))
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    return path.absolute()


class InstallDirWriteError(RuntimeError):
    pass


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    log_dir: Path
    cache_dir: Path
    data_dir_source: str

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def user_models_dir(self) -> Path:
        return self.data_dir / "models"

    @classmethod
    def resolve(
        cls,
        data_dir: Path | None = None,
        policy: LoadedPolicy | None = None,
        env: dict[str, str] | None = None,
    ) -> "Paths":
        env = os.environ if env is None else env
        policy = policy or LoadedPolicy(Policy())
        pol = policy.policy
        policy_home = policy.source.parent if policy.source else None
        if data_dir is not None:
            resolved, source = _expand(data_dir, Path.cwd()), "--data-dir"
        elif env.get("DRILLPAD_DATA_DIR"):
            resolved, source = _expand(Path(env["DRILLPAD_DATA_DIR"]), Path.cwd()), "DRILLPAD_DATA_DIR"
        elif pol.data_dir is not None:
            resolved, source = _expand(pol.data_dir, policy_home), f"policy {policy.source}"
        else:
            resolved, source = platformdirs.user_data_path(APP_NAME, appauthor=False), "default"
        if pol.log_dir is not None:
            log_dir = _expand(pol.log_dir, policy_home)
        elif source != "default":
            log_dir = resolved / "logs"
        else:
            log_dir = platformdirs.user_log_path(APP_NAME, appauthor=False)
        cache_dir = platformdirs.user_cache_path(APP_NAME, appauthor=False)
        return cls(resolved, log_dir, cache_dir, source)

    def ensure(self) -> None:
        """Create the writable dirs, refusing any inside the installed program's folder."""
        if getattr(sys, "frozen", False):
            install = executable_dir()
            for d in (self.data_dir, self.log_dir, self.cache_dir):
                if d.resolve().is_relative_to(install):
                    raise InstallDirWriteError(
                        f"{d} is inside the install folder {install}; DrillPad never writes there. "
                        "Set data_dir / log_dir in the policy file to a folder on local disk."
                    )
        for d in (self.data_dir, self.log_dir):
            d.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            _make_private(d)


PRIVATE_DIR = 0o700
"""The data and log dirs: only their owner may list or read them (answers, names, keys, logs)."""


def _make_private(folder: Path) -> None:
    """chmod 0700 a folder this account owns; a folder IT shares or owns is left as it is."""
    try:
        st = folder.stat()
        if st.st_mode & 0o077 and (not hasattr(os, "getuid") or st.st_uid == os.getuid()):
            folder.chmod(PRIVATE_DIR)
    except OSError:
        pass
