"""Model discovery: which GGUF files DrillPad may use, what they are, and whether they are intact.

DrillPad looks for models in three folders, in this order:

1. ``models/`` of the installation (the embedded default ships there);
2. the user models dir (``models`` in the data dir);
3. the IT policy's ``models_dir``.

Each GGUF is described by a manifest next to it, ``<file stem>.manifest.json`` (name, file,
size, sha256, license, intended use, context length, chat template). A GGUF without a
manifest is listed as "unverified, no manifest" and never used, so a stronger model that IT
drops in with a manifest is picked up without code changes, and a stray file is not.

Cheap checks run on every listing (manifest valid, file present, size as stated, GGUF magic,
template supported, allowed by the policy's ``allowed_models``). The sha256 check reads the
whole file, so its result is cached in the cache dir keyed by (path, size, mtime): start-up
does not re-hash 100 MB, and a changed file is hashed again. ``drillpad model use NAME``
stores the choice in a small JSON file in the data dir, written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drillpad.llm.template import TEMPLATES
from drillpad.paths import Paths, resources_dir
from drillpad.policy import LoadedPolicy, Policy

MANIFEST_SUFFIX = ".manifest.json"
GGUF_MAGIC = b"GGUF"
DEFAULT_MODEL = "smollm2-135m-instruct-q4_1"
HASH_CACHE_FILE = "model-hashes.json"
CHOICE_FILE = "model-choice.json"
_CHUNK = 1 << 20

HashProgress = Callable[[int, int], object]
"""Called with (bytes hashed, total bytes) while a file is hashed."""


class ModelError(RuntimeError):
    """A model command cannot be done; the message says why and what to do."""


class Manifest(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,79}$")]
    file: Annotated[str, Field(pattern=r"^[^/\\]+\.gguf$")]
    size: Annotated[int, Field(gt=0)]
    sha256: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
    license: Annotated[str, Field(min_length=1)]
    source_package: str | None = None
    intended_use: Annotated[list[Literal["generator", "judge"]], Field(min_length=1)]
    context_length: Annotated[int, Field(ge=256)]
    chat_template: str
    description: str = ""


class ModelStatus(StrEnum):
    VERIFIED = "verified"
    PENDING = "not verified yet"
    NO_MANIFEST = "unverified, no manifest"
    BAD_MANIFEST = "invalid manifest"
    MISSING = "missing file"
    WRONG_SIZE = "wrong size"
    NOT_GGUF = "not a GGUF file"
    TEMPLATE = "unsupported chat template"
    NOT_ALLOWED = "not allowed by policy"
    MISMATCH = "hash mismatch"
    DUPLICATE = "duplicate name"


USABLE = {ModelStatus.VERIFIED, ModelStatus.PENDING}


@dataclass(frozen=True)
class ModelEntry:
    name: str
    path: Path
    """The GGUF file (for a bad manifest: the manifest)."""
    source: str
    """``install``, ``user`` or ``policy``: which folder it was found in."""
    status: ModelStatus
    manifest: Manifest | None = None
    problem: str | None = None
    """Why it cannot be used, in one sentence (None when usable)."""
    actual_sha256: str | None = None
    """The file's sha256 when known (hashed now or cached for this size and mtime)."""
    manifest_path: Path | None = None

    @property
    def usable(self) -> bool:
        """Usable once verified; a PENDING entry is verified before it is loaded."""
        return self.status in USABLE

    @property
    def sha256(self) -> str | None:
        return self.manifest.sha256 if self.manifest else self.actual_sha256


def file_sha256(path: Path, progress: HashProgress | None = None) -> str:
    total = path.stat().st_size
    h = hashlib.sha256()
    done = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return "sha256:" + h.hexdigest()


def write_json_atomic(path: Path, data: object) -> None:
    """Write JSON so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


class HashCache:
    """sha256 digests of model files, keyed by (path, size, mtime), kept as JSON in the cache dir.

    A damaged or missing cache only means hashing again.
    """

    def __init__(self, path: Path):
        self.path = path

    @staticmethod
    def _key(path: Path) -> tuple[str, int, int]:
        st = path.stat()
        return str(path.absolute()), st.st_size, st.st_mtime_ns

    def get(self, path: Path) -> str | None:
        try:
            key, size, mtime = self._key(path)
        except OSError:
            return None
        entry = _read_json(self.path).get(key)
        if isinstance(entry, dict) and entry.get("size") == size and entry.get("mtime_ns") == mtime:
            digest = entry.get("sha256")
            return digest if isinstance(digest, str) and digest.startswith("sha256:") else None
        return None

    def digest(self, path: Path, progress: HashProgress | None = None, *, fresh: bool = False) -> tuple[str, bool]:
        """The file's sha256 and whether it came from the cache (*fresh*: always hash; the cache is updated)."""
        if not fresh and (cached := self.get(path)) is not None:
            return cached, True
        key, size, mtime = self._key(path)
        digest = file_sha256(path, progress)
        data = _read_json(self.path)
        data[key] = {"size": size, "mtime_ns": mtime, "sha256": digest}
        try:
            write_json_atomic(self.path, data)
        except OSError:
            pass  # a read-only cache dir costs time, not correctness
        return digest, False


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _check(entry: ModelEntry, allowed: Sequence[str], cache: HashCache) -> ModelEntry:
    """The cheap checks, in the order a user would fix them, plus a cached hash verdict."""
    m = entry.manifest
    assert m is not None
    path = entry.path
    if not path.is_file():
        return replace(entry, status=ModelStatus.MISSING,
                       problem=f"{path.name} is missing (its manifest is in {path.parent})")
    size = path.stat().st_size
    if size != m.size:
        return replace(entry, status=ModelStatus.WRONG_SIZE,
                       problem=f"{path.name} is {size:,} bytes but its manifest says {m.size:,} "
                               "(truncated or a different file); copy it again")
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as exc:
        return replace(entry, status=ModelStatus.MISSING, problem=f"cannot read {path}: {exc}")
    if magic != GGUF_MAGIC:
        return replace(entry, status=ModelStatus.NOT_GGUF,
                       problem=f"{path.name} is not a GGUF file (it does not start with 'GGUF'); it is corrupt")
    if m.chat_template not in TEMPLATES:
        return replace(entry, status=ModelStatus.TEMPLATE,
                       problem=f"chat template {m.chat_template!r} is not supported "
                               f"(supported: {', '.join(sorted(TEMPLATES))})")
    if allowed and m.sha256 not in allowed:
        return replace(entry, status=ModelStatus.NOT_ALLOWED,
                       problem=f"{m.sha256[:19]}… is not in the IT policy's allowed_models")
    cached = cache.get(path)
    if cached is None:
        return replace(entry, status=ModelStatus.PENDING, problem=None)
    return _verdict(entry, cached)


def _verdict(entry: ModelEntry, digest: str) -> ModelEntry:
    assert entry.manifest is not None
    if digest == entry.manifest.sha256:
        return replace(entry, status=ModelStatus.VERIFIED, problem=None, actual_sha256=digest)
    return replace(entry, status=ModelStatus.MISMATCH, actual_sha256=digest,
                   problem=f"{entry.path.name} hashes to {digest[:19]}… but its manifest says "
                           f"{entry.manifest.sha256[:19]}… (damaged or replaced); copy it again")


def verify_entry(entry: ModelEntry, cache: HashCache | None, progress: HashProgress | None = None, *,
                 fresh: bool = False) -> ModelEntry:
    """Hash a usable entry (or, unless *fresh*, take the cached digest) and compare it with its manifest.

    The cache trusts size and mtime, which a changed file can keep (``touch -r``, a restore tool): a fast start may
    use it, but ``drillpad model verify`` and the check before the first generation hash the bytes."""
    if not entry.usable:
        return entry
    try:
        digest = (cache.digest(entry.path, progress, fresh=fresh)[0] if cache
                  else file_sha256(entry.path, progress))
    except OSError as exc:
        return replace(entry, status=ModelStatus.MISSING, problem=f"cannot read {entry.path}: {exc}")
    return _verdict(entry, digest)


def discover(dirs: Sequence[tuple[str, Path]]) -> list[ModelEntry]:
    """Every GGUF and manifest in *dirs*, unchecked (manifest entries get status PENDING)."""
    found: list[ModelEntry] = []
    names: set[str] = set()
    for source, folder in dirs:
        if not folder.is_dir():
            continue
        claimed: set[str] = set()
        for mpath in sorted(folder.glob("*" + MANIFEST_SUFFIX)):
            try:
                manifest = Manifest.model_validate_json(mpath.read_bytes())
            except (OSError, ValidationError, ValueError) as exc:
                found.append(ModelEntry(mpath.name.removesuffix(MANIFEST_SUFFIX), mpath, source,
                                        ModelStatus.BAD_MANIFEST, problem=f"{mpath} is not a valid manifest: "
                                        f"{_first_error(exc)}"))
                claimed.add(mpath.name.removesuffix(MANIFEST_SUFFIX) + ".gguf")
                continue
            claimed.add(manifest.file)
            entry = ModelEntry(manifest.name, folder / manifest.file, source, ModelStatus.PENDING, manifest,
                               manifest_path=mpath)
            if manifest.name in names:
                entry = replace(entry, status=ModelStatus.DUPLICATE,
                                problem=f"another model is already named {manifest.name!r}; this one is ignored")
            names.add(manifest.name)
            found.append(entry)
        for gguf in sorted(folder.glob("*.gguf")):
            if gguf.name not in claimed:
                found.append(ModelEntry(gguf.name, gguf, source, ModelStatus.NO_MANIFEST,
                                        problem=f"{gguf.name} has no manifest ({gguf.stem}{MANIFEST_SUFFIX}), "
                                                "so DrillPad cannot tell what it is and does not use it"))
    return found


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(file)"
        return f"{where}: {err['msg']}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@dataclass(frozen=True)
class Selection:
    """The model DrillPad will use, or the one reason there is none."""

    entry: ModelEntry | None
    reason: str | None
    chosen: bool
    """True when it was picked with ``drillpad model use``."""


class ModelCatalog:
    def __init__(self, dirs: Sequence[tuple[str, Path]], *, cache_file: Path, choice_file: Path,
                 allowed_models: Sequence[str] = ()):
        self.dirs = list(dirs)
        self.hash_cache = HashCache(cache_file)
        self.choice_file = choice_file
        self.allowed_models = tuple(allowed_models)

    @classmethod
    def for_paths(cls, paths: Paths, policy: LoadedPolicy | Policy | None = None) -> "ModelCatalog":
        loaded = policy if isinstance(policy, LoadedPolicy) else LoadedPolicy(policy or Policy())
        dirs: list[tuple[str, Path]] = [("install", resources_dir() / "models"), ("user", paths.user_models_dir)]
        if (extra := loaded.policy.models_dir) is not None:
            extra = Path(os.path.expandvars(os.path.expanduser(str(extra))))
            if not extra.is_absolute() and loaded.source is not None:
                extra = loaded.source.parent / extra
            dirs.append(("policy", extra.absolute()))
        return cls(dirs, cache_file=paths.cache_dir / HASH_CACHE_FILE, choice_file=paths.data_dir / CHOICE_FILE,
                   allowed_models=loaded.policy.allowed_models)

    def entries(self) -> list[ModelEntry]:
        """Every model found, with the cheap checks done and cached hash verdicts applied."""
        return [_check(e, self.allowed_models, self.hash_cache) if e.status is ModelStatus.PENDING else e
                for e in discover(self.dirs)]

    def find(self, name: str) -> ModelEntry:
        entries = self.entries()
        for entry in entries:
            if entry.name == name and entry.status is not ModelStatus.DUPLICATE:
                return entry
        known = ", ".join(e.name for e in entries) or "none"
        raise ModelError(f"no model named {name!r}; found: {known} (see `drillpad model list`)")

    def verify(self, name: str | None = None, progress: HashProgress | None = None) -> list[ModelEntry]:
        """Hash-check one model or all of them: the bytes are read every time (the cache is only updated)."""
        targets = [self.find(name)] if name is not None else self.entries()
        return [verify_entry(replace(e, status=ModelStatus.PENDING) if e.status in (
            ModelStatus.VERIFIED, ModelStatus.MISMATCH) else e, self.hash_cache, progress, fresh=True)
            for e in targets]

    def chosen(self) -> str | None:
        name = _read_json(self.choice_file).get("model")
        return name if isinstance(name, str) and name else None

    def use(self, name: str) -> ModelEntry:
        """Verify *name* and make it the model DrillPad uses from now on."""
        entry = self.verify(name)[0]
        if not entry.usable:
            raise ModelError(f"cannot use {name}: {entry.problem}")
        write_json_atomic(self.choice_file, {**_read_json(self.choice_file), "model": entry.name})
        return entry

    def select(self) -> Selection:
        """The chosen model, else the embedded default, else the first usable generator."""
        entries = [e for e in self.entries() if e.status is not ModelStatus.DUPLICATE]
        if (name := self.chosen()) is not None:
            entry = next((e for e in entries if e.name == name), None)
            if entry is None:
                return Selection(None, f"the model chosen with `drillpad model use` ({name}) is no longer "
                                       "installed; choose another (drillpad model list)", True)
            return Selection(entry, None if entry.usable else f"{name}: {entry.problem}", True)
        usable = [e for e in entries if e.usable and e.manifest and "generator" in e.manifest.intended_use]
        default = next((e for e in usable if e.name == DEFAULT_MODEL), None) or (usable[0] if usable else None)
        if default is not None:
            return Selection(default, None, False)
        problems = "; ".join(f"{e.name}: {e.problem}" for e in entries if e.problem)
        where = ", ".join(str(d) for _, d in self.dirs)
        return Selection(None, f"no usable model found in {where}" + (f" ({problems})" if problems else ""), False)
