"""Who may say what: the authority rules for the events a bundle carries (docs/evidence.md).

A workstation's key vouches only for what a workstation makes. The rules, checked per event of a
bundle signed by a **device** key, before anything is applied (one broken rule refuses the bundle):

- **A1** the kind is one a workstation makes (``WORKSTATION_KINDS``);
- **A2** manager decisions (``MANAGER_KINDS``: sign-off, competency override, review decision,
  coaching plan, check-in, calibration rating) are valid only with the manager's signature: they
  reach a workstation in the manager's signed decisions file and are never accepted from one;
- **A3** the learner is one this workstation may hold: a learner on the team's roster (known here: enrolled
  by the manager, or introduced by an approved workstation's ``learner.added`` — roaming, one person on any
  team workstation) or introduced earlier in this bundle; a ``learner.added`` never takes over an id another
  device introduced. A learner not known *yet* (their own workstation's bundle has not been imported) is not a
  refusal: on the manager's PC the events about them are set aside (``parked_events``) and applied when that
  bundle arrives, the rest of the bundle is imported; a workstation taking a peer's bundle waits
  (``unknown-learner``) and tries it again;
- **A4** ``source`` is one it may claim: a demonstration is ``self`` or ``peer``, never ``manager``;
- **A5** a review request points at one of that learner's own attempts.

The device id, sequence and chain are checked from the signed header before this (bundle.py, sync.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from drillpad.evidence.bundle import BundleRefused

WORKSTATION_KINDS = frozenset({"learner.added", "lesson.read", "review", "demonstration", "reflection",
                               "review.requested", "pin.reset", "pin.set", "pin.failed", "llm.generation",
                               "drill.variant_rejected", "device.resumed", "device.enrolled"})
MANAGER_KINDS = frozenset({"signoff", "competency.override", "review.decision", "coaching.plan", "checkin",
                           "calibration.rating", "learner.merged", "learner.unmerged"})
DEVICE_SOURCES = ("self", "peer")


def _refuse(n: int, e: dict, rule: str, text: str) -> BundleRefused:
    return BundleRefused(f"event {n} ({e['kind']} {e['id']}): rule {rule}: {text}", "authority")


def _on_roster(db: Database, learner: str) -> bool:
    return db.execute("SELECT 1 FROM learners WHERE id = ?", [learner]).fetchone() is not None


def check_device_events(db: Database, device: str, events: Iterable[dict], *, from_roster: bool = False,
                        park: bool = False) -> frozenset[str]:
    """Refuse (``BundleRefused``, kind ``authority``) the first event a workstation may not send.
    *park*: a learner not known here yet is returned (every rule still checked on every event) instead of raising
    ``unknown-learner``, so that the events about them can wait while the rest of the bundle is imported.
    *from_roster* (a workstation checking a peer's bundle): a learner known here without a ``learner.added``
    came from the manager's signed roster, which lists a learner only after the manager checked who introduced
    them; their introducing device's ``learner.added`` is then accepted here (the manager still refuses a
    takeover, having every ``learner.added``)."""
    introduced: set[str] = set()
    attempts: dict[str, str] = {}
    names: set[str] = set()
    unknown: set[str] = set()
    for n, e in enumerate(events, 1):
        kind, learner, p = e["kind"], e["learner_id"], e["payload"]
        if kind in MANAGER_KINDS:
            raise _refuse(n, e, "A2", f"{kind} is a manager decision; it is valid only with the manager's "
                          "signature, never from a workstation")
        if kind not in WORKSTATION_KINDS:
            raise _refuse(n, e, "A1", f"{kind!r} is not an event a workstation makes")
        if kind == "learner.added":
            owner = db.execute("SELECT device_id FROM events WHERE kind = 'learner.added' AND learner_id = ? "
                               "ORDER BY rowid LIMIT 1", [learner]).fetchone()
            taken = db.execute("SELECT 1 FROM learners WHERE id = ?", [learner]).fetchone()
            if (owner is not None and owner[0] != device) or (owner is None and taken and not from_roster):
                raise _refuse(n, e, "A3", f"learner {learner} belongs to another device; this workstation "
                              "does not hold them")
            if p["name"].casefold() in names:
                raise _refuse(n, e, "A3", f"the learner name {p['name']!r} is introduced twice in one bundle; a "
                              "workstation holds one learner per name")
            names.add(p["name"].casefold())
            introduced.add(learner)
        elif learner is not None and learner not in introduced and (learner in unknown or not _on_roster(db, learner)):
            if not park:
                raise BundleRefused(f"event {n} ({kind} {e['id']}): rule A3: learner {learner} is not on the team's "
                                    "roster here yet (their own workstation's bundle may not have come through); the "
                                    "bundle waits and is tried again", "unknown-learner")
            unknown.add(learner)
        if kind == "demonstration" and p.get("source", "self") not in DEVICE_SOURCES:
            raise _refuse(n, e, "A4", f"source {p.get('source')!r} is not one a workstation may claim "
                          f"({' or '.join(DEVICE_SOURCES)}); the manager's own confirmations are the manager's")
        if kind == "review":
            attempts[e["id"]] = learner
        if kind == "review.requested":
            target = attempts.get(p["event"])
            if target is None:
                row = db.execute("SELECT learner_id FROM events WHERE id = ? AND kind = 'review'",
                                 [p["event"]]).fetchone()
                if row is None and park:  # an attempt set aside from an earlier bundle, waiting like this request
                    row = db.execute("SELECT learner_id FROM parked_events WHERE id = ? AND kind = 'review'",
                                     [p["event"]]).fetchone()
                target = row[0] if row else None
            if target != learner:
                raise _refuse(n, e, "A5", "a review request must point at one of the same learner's attempts")
    return frozenset(unknown)
