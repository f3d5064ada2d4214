"""The cache of gated scenario variants, keyed by (drill, model sha256, template version).

Only variants that passed the quality gate are kept here; each carries its provenance (the
generation that wrote it, the sources it was grounded in, every gate check). A learner is
given a variant they have not seen; once all are seen, the written scenario is used.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database


@dataclass(frozen=True)
class Variant:
    id: str
    pack_id: str
    drill_id: str
    model_sha256: str
    template: str
    situation: str
    question: str
    slots: dict[str, str]
    provenance: dict[str, Any]
    created_at: str


def _variant(row: tuple) -> Variant:
    return Variant(*row[:7], json.loads(row[7]), json.loads(row[8]), row[9])


_COLUMNS = "id, pack_id, drill_id, model_sha256, template, situation, question, slots, provenance, created_at"


def add(db: Database, *, pack_id: str, drill_id: str, model_sha256: str, template: str, situation: str,
        question: str, slots: dict[str, str], provenance: dict[str, Any], now: str) -> Variant:
    variant = Variant(str(uuid.uuid4()), pack_id, drill_id, model_sha256, template, situation, question, slots,
                      provenance, now)
    with db.atomic():
        db.execute(f"INSERT INTO variants ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [variant.id, pack_id, drill_id, model_sha256, template, situation, question,
                    json.dumps(slots, sort_keys=True), json.dumps(provenance, sort_keys=True), now])
    return variant


def get(db: Database, variant_id: str) -> Variant | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM variants WHERE id = ?", [variant_id]).fetchone()
    return _variant(row) if row else None


def recent(db: Database, pack_id: str, drill_id: str, model_sha256: str, template: str, limit: int = 20) -> list[str]:
    """The situations of the newest cached variants (for the near-duplicate check)."""
    rows = db.execute("SELECT situation FROM variants WHERE pack_id = ? AND drill_id = ? AND model_sha256 = ? "
                      "AND template = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
                      [pack_id, drill_id, model_sha256, template, limit]).fetchall()
    return [r[0] for r in rows]


def unseen(db: Database, pack_id: str, drill_id: str, model_sha256: str, template: str, learner_id: str) -> list[Variant]:
    """Cached variants this learner has not been given yet, oldest first."""
    rows = db.execute(
        f"SELECT {', '.join('v.' + c.strip() for c in _COLUMNS.split(','))} FROM variants v "
        "WHERE v.pack_id = ? AND v.drill_id = ? AND v.model_sha256 = ? AND v.template = ? AND NOT EXISTS "
        "(SELECT 1 FROM variant_uses u WHERE u.variant_id = v.id AND u.learner_id = ?) "
        "ORDER BY v.created_at, v.rowid", [pack_id, drill_id, model_sha256, template, learner_id]).fetchall()
    return [_variant(r) for r in rows]


def mark_used(db: Database, variant_id: str, learner_id: str, now: str) -> None:
    with db.atomic():
        db.execute("INSERT OR IGNORE INTO variant_uses (variant_id, learner_id, used_at) VALUES (?, ?, ?)",
                   [variant_id, learner_id, now])


def counts(db: Database) -> dict[tuple[str, str], int]:
    """Cached variants per (pack, drill), any model."""
    rows = db.execute("SELECT pack_id, drill_id, count(*) FROM variants GROUP BY pack_id, drill_id").fetchall()
    return {(p, d): n for p, d, n in rows}
