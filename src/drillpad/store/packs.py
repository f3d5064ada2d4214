"""Reading pack folders and storing packs: one transaction per import, idempotent."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from drillpad.core.pack import (
    MAX_FILE_BYTES,
    MAX_FILES,
    PACK_FOLDERS,
    Pack,
    PackInvalid,
    Problem,
    is_pack_file,
    load_pack,
    size_text,
)


class PackImportError(RuntimeError):
    pass


def read_pack_folder(folder: Path, problems: list[Problem] | None = None) -> dict[str, bytes]:
    """The pack's files as {posix path relative to the folder: bytes}; hidden files skipped. What cannot be part
    of a pack is added to *problems*: a symbolic link (a pack is self-contained: a link could point anywhere, and
    is named with where it points) and a pack file too large to read (with its real size)."""
    if not folder.is_dir():
        raise PackInvalid([Problem(str(folder), None, "", "not a folder (a pack is a folder with pack.toml)")],
                          str(folder))
    found = problems if problems is not None else []
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        key = rel.as_posix()
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_symlink():
            if is_pack_file(key) or (len(rel.parts) == 1 and key in PACK_FOLDERS):
                what = "folder" if path.is_dir() else "file"
                found.append(Problem(key, 1 if what == "file" else None, "",
                                     f"is a symbolic link (to {os.readlink(path)}), not a {what} in the pack: a pack "
                                     f"is self-contained; copy the {what} into the pack instead of linking it"))
            continue
        if not path.is_file():
            continue
        if len(files) >= MAX_FILES:
            break
        # Oversized non-pack files are skipped unread; oversized pack files get a clear error with their size.
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            if is_pack_file(key):
                found.append(Problem(key, None, "", f"file is {size_text(size)}; the limit is "
                                                    f"{size_text(MAX_FILE_BYTES)}"))
            continue
        files[key] = path.read_bytes()[: MAX_FILE_BYTES + 1]
    return files


def load_pack_folder(folder: Path) -> Pack:
    problems: list[Problem] = []
    files = read_pack_folder(folder, problems)
    return load_pack(files, source=str(folder), problems=problems)


@dataclass(frozen=True)
class ImportResult:
    pack_id: str
    version: str
    action: str  # "installed" | "upgraded" | "unchanged"
    previous_version: str | None = None


def import_pack(db: Database, pack: Pack, *, source_path: str, now: str) -> ImportResult:
    """Install or upgrade *pack*. All rows change in one transaction, or none do."""
    m = pack.manifest
    existing = db.execute("SELECT version, content_hash FROM packs WHERE id = ?", [m.id]).fetchone()
    if existing:
        old_version, old_hash = existing
        if old_hash == pack.content_hash:
            return ImportResult(m.id, m.version, "unchanged", old_version)
        old = tuple(int(x) for x in old_version.split("."))
        if m.version_tuple == old:
            raise PackImportError(
                f"pack {m.id} {m.version} is already installed with different content. "
                "Approved content changes need a new version: raise `version` in pack.toml."
            )
        if m.version_tuple < old:
            raise PackImportError(f"pack {m.id} {m.version} is older than the installed {old_version}; not imported")
    new_roles = {r.id for r in pack.roles}
    with db.atomic():
        if existing:
            orphaned = db.execute(
                "SELECT role_id, count(*) FROM learners WHERE pack_id = ? GROUP BY role_id", [m.id]
            ).fetchall()
            for role_id, n in orphaned:
                if role_id not in new_roles:
                    raise PackImportError(
                        f"pack {m.id} {m.version} removes role {role_id!r}, which {n} learner(s) have; "
                        "move them to another role first"
                    )
            for table in ("examples", "drills", "prompts", "lessons", "behaviours", "tasks", "rubric_levels"):
                db.execute(f"DELETE FROM {table} WHERE pack_id = ?", [m.id])
            db.execute(
                f"DELETE FROM roles WHERE pack_id = ? AND id NOT IN ({','.join('?' * len(new_roles))})",
                [m.id, *new_roles],
            )
        db["packs"].upsert({
            "id": m.id,
            "version": m.version,
            "title": m.title,
            "description": m.description,
            "language": m.language,
            "content_hash": pack.content_hash,
            "approved_by": m.approval.approved_by,
            "approved_on": m.approval.approved_on.isoformat(),
            "source_document": m.approval.source_document,
            "source_revision": m.approval.source_revision,
            "settings": m.settings.model_dump_json(),
            "context": m.context.model_dump_json(),
            "synonyms": json.dumps([g.terms for g in m.synonyms]),
            "source_path": source_path,
            "imported_at": now,
        }, pk="id")
        db["pack_imports"].insert({
            "pack_id": m.id, "version": m.version, "content_hash": pack.content_hash,
            "previous_version": existing[0] if existing else None, "imported_at": now,
        })
        db["rubric_levels"].insert_all(
            {"pack_id": m.id, **lv.model_dump()} for lv in pack.rubric.level
        )
        for pos, role in enumerate(pack.roles):
            db["roles"].upsert(
                {"pack_id": m.id, "id": role.id, "title": role.title, "summary": role.summary, "position": pos},
                pk=("pack_id", "id"),
            )
            db["tasks"].insert_all(
                {"pack_id": m.id, "id": t.id, "role_id": role.id, "title": t.title,
                 "what_good_looks_like": t.what_good_looks_like, "failure_points": json.dumps(t.failure_points),
                 "position": i}
                for i, t in enumerate(role.task)
            )
            db["behaviours"].insert_all(
                {"pack_id": m.id, "id": b.id, "role_id": role.id, "title": b.title, "description": b.description,
                 "evidence": b.evidence, "tasks": json.dumps(b.tasks), "demonstrations": b.demonstrations,
                 "position": i}
                for i, b in enumerate(role.behaviour)
            )
        db["lessons"].insert_all(
            {"pack_id": m.id, "id": lz.id, "task_id": lz.task, "title": lz.title, "source": lz.source,
             "body": lz.body, "tree": lz.tree.model_dump_json() if lz.tree else None,
             "reading_minutes": lz.reading_minutes}
            for lz in pack.lessons
        )
        db["prompts"].insert_all(
            {"pack_id": m.id, "id": p.id, "task_id": p.task, "question": p.question, "answer": p.answer,
             "source": p.source, "points": json.dumps([pt.model_dump() for pt in p.point])}
            for p in pack.prompts
        )
        db["drills"].insert_all(
            {"pack_id": m.id, "id": d.id, "task_id": d.task, "title": d.title, "minutes": d.minutes,
             "body": d.model_dump_json()}
            for d in pack.drills
        )
        db["examples"].insert_all(
            {"pack_id": m.id, "id": e.id, "drill_id": e.drill, "kind": e.kind, "split": e.split,
             "answer": e.answer, "met": json.dumps(e.met), "violations": json.dumps(e.violations)}
            for e in pack.examples if e.drill  # answers to recall prompts stay in the pack folder (`eval grading`)
        )
    action = "upgraded" if existing else "installed"
    return ImportResult(m.id, m.version, action, existing[0] if existing else None)


def list_packs(db: Database) -> list[dict]:
    return list(db.query(
        "SELECT id, version, title, content_hash, approved_by, approved_on, source_document, source_revision, "
        "imported_at, (SELECT count(*) FROM roles r WHERE r.pack_id = p.id) AS roles, "
        "(SELECT count(*) FROM tasks t WHERE t.pack_id = p.id) AS tasks, "
        "(SELECT count(*) FROM drills d WHERE d.pack_id = p.id) AS drills FROM packs p ORDER BY title"
    ))
