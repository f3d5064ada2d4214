"""Events → xAPI 1.0.3 statements (pure: no SQLite, no I/O; the facts about packs come from a catalog).

One statement per fact. Its id is a UUIDv5 of the event id in the organisation's namespace, so queueing or
sending it again is harmless, and a different statement under the same id shows as a conflict at the LRS.
The actor is never a name: ``account{homePage: org IRI, name: HMAC-SHA256(org secret, learner id)}``.
What a statement may carry is decided by ``Sharing`` (the IT policy's ``lrs_send``).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

XAPI_VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi/verbs/"
ACTIVITY_TYPES = {
    "simulation": "http://adlnet.gov/expapi/activities/simulation",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "question": "http://adlnet.gov/expapi/activities/question",
    "objective": "http://adlnet.gov/expapi/activities/objective",
    "meeting": "http://adlnet.gov/expapi/activities/meeting",
    "task": "http://adlnet.gov/expapi/activities/objective",
    "role": "http://adlnet.gov/expapi/activities/profile",
    "behaviour": "http://adlnet.gov/expapi/activities/objective",
    "reflection": "http://adlnet.gov/expapi/activities/assessment",
    "plan": "http://adlnet.gov/expapi/activities/objective",
}
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"

# Every kind of fact a manager's DrillPad may send, and the optional extras IT may allow (``lrs_send``).
KINDS = ("drill", "recall", "lesson", "reflection", "demonstration", "plan", "checkin", "signoff")
EXTRAS = ("reflection_text", "names")
DEFAULT_SEND = KINDS

# Event kind → statement kind (``review`` splits by item kind).
EVENT_KINDS = {"lesson.read": "lesson", "reflection": "reflection", "demonstration": "demonstration",
               "coaching.plan": "plan", "checkin": "checkin", "signoff": "signoff", "review.decision": "drill"}


class StatementError(ValueError):
    """A statement could not be made from an event (missing facts); it is a bug or damaged data, never sent."""


@dataclass(frozen=True)
class Sharing:
    """Who the statements are about and what they may carry (from the IT policy)."""

    org_iri: str
    site_id: str
    secret: bytes
    send: frozenset[str] = frozenset(DEFAULT_SEND)
    platform: str = "DrillPad"

    @property
    def base(self) -> str:
        return self.org_iri.rstrip("/")

    @property
    def namespace(self) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, self.base)

    def ext(self, name: str) -> str:
        """A DrillPad extension IRI in the organisation's namespace."""
        return f"{self.base}/drillpad/xapi/extensions/{name}"

    def verb_iri(self, name: str) -> str:
        return f"{self.base}/drillpad/xapi/verbs/{name}"

    def activity(self, *parts: str) -> str:
        return f"{self.base}/drillpad/" + "/".join(uuid_safe(p) for p in parts)

    def pseudonym(self, who: str) -> str:
        return hmac.new(self.secret, who.encode(), hashlib.sha256).hexdigest()[:40]


def uuid_safe(part: str) -> str:
    """An IRI path segment (pack, task and drill ids are already [A-Za-z0-9._-]; anything else is escaped)."""
    from urllib.parse import quote

    return quote(part, safe="._-")


def statement_id(sharing: Sharing, event_id: str) -> str:
    """The statement's id: stable for an event, in the organisation's namespace."""
    return str(uuid.uuid5(sharing.namespace, f"drillpad-event:{event_id}"))


class Catalog(Protocol):
    """The pack facts statements name (``catalog.SqliteCatalog`` reads them from the store)."""

    def pack(self, pack_id: str) -> dict[str, Any]: ...  # {version, language, title}
    def task(self, pack_id: str, task_id: str) -> dict[str, Any]: ...  # {title, role}
    def behaviours(self, pack_id: str, task_id: str) -> list[dict[str, Any]]: ...  # [{id, title}]
    def behaviour(self, pack_id: str, behaviour_id: str) -> dict[str, Any]: ...  # {title, role}
    def item(self, pack_id: str, kind: str, item_id: str) -> dict[str, Any]: ...  # {title, source}
    def learner(self, learner_id: str) -> dict[str, Any]: ...  # {pack, role, name}
    def event(self, event_id: str) -> dict[str, Any] | None: ...  # {id, kind, learner_id, payload, created_at}


def statement_kind(event: dict[str, Any]) -> str | None:
    """The kind of statement an event makes, or None for events that are not sent (PINs, variants, …)."""
    if event["kind"] == "review":
        return "drill" if event["payload"].get("item_kind") == "drill" else "recall"
    return EVENT_KINDS.get(event["kind"])


def _lang(language: str) -> str:
    return language if language and len(language) <= 35 else "en"


def _duration(seconds: Any) -> str | None:
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
        return None
    return f"PT{round(float(seconds), 2):g}S"


def _agent(sharing: Sharing, who: str, name: str | None) -> dict[str, Any]:
    agent: dict[str, Any] = {"objectType": "Agent", "account": {"homePage": sharing.base,
                                                                "name": sharing.pseudonym(who)}}
    if name and "names" in sharing.send:
        agent["name"] = name
    return agent


def _activity(iri: str, type_: str, name: str | None, lang: str) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": ACTIVITY_TYPES[type_]}
    if name:
        definition["name"] = {lang: name[:200]}
    return {"objectType": "Activity", "id": iri, "definition": definition}


def _verb(iri: str, display: str) -> dict[str, Any]:
    return {"id": iri, "display": {"en-US": display}}


def _clean(value: Any) -> Any:
    """Drop empty values outside extensions (xAPI forbids them, and Ralph's strict model refuses them)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = v if k == "extensions" else _clean(v)
            if v in (None, "", {}, []):
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


@dataclass
class Built:
    """One statement made from one event; ``sign`` says whether it must carry a JWS signature."""

    id: str
    event_id: str
    kind: str
    statement: dict[str, Any]
    sign: bool = False
    notes: list[str] = field(default_factory=list)


def build(event: dict[str, Any], catalog: Catalog, sharing: Sharing, version: str) -> Built | None:
    """The statement for *event*, or None when the event is not sent (its kind, or the policy's ``lrs_send``)."""
    kind = statement_kind(event)
    if kind is None or kind not in sharing.send or not event.get("learner_id"):
        return None
    learner = catalog.learner(event["learner_id"])
    p = event["payload"]
    pack_id = p.get("pack") or learner["pack"]
    pack = catalog.pack(pack_id)
    lang = _lang(pack.get("language", "en"))
    sid = statement_id(sharing, event["id"])
    extensions: dict[str, Any] = {
        sharing.ext("pack"): {"id": pack_id, "version": pack["version"]},
        sharing.ext("site"): sharing.site_id,
        sharing.ext("event"): event["id"],
    }
    context: dict[str, Any] = {"platform": f"{sharing.platform} {version}", "language": lang,
                               "extensions": extensions, "contextActivities": {}}
    role_iri = sharing.activity("packs", pack_id, "roles", learner["role"])
    grouping = [_activity(role_iri, "role", None, lang)]
    statement: dict[str, Any] = {
        "id": sid, "version": XAPI_VERSION, "timestamp": event["created_at"],
        "actor": _agent(sharing, event["learner_id"], learner.get("name")),
        "context": context,
    }
    result: dict[str, Any] = {}
    task_id = p.get("task")
    if task_id:
        task = catalog.task(pack_id, task_id)
        context["contextActivities"]["parent"] = [_activity(sharing.activity("packs", pack_id, "tasks", task_id),
                                                            "task", task["title"], lang)]
        grouping += [_activity(sharing.activity("packs", pack_id, "behaviours", b["id"]), "behaviour", b["title"], lang)
                     for b in catalog.behaviours(pack_id, task_id)]
    context["contextActivities"]["grouping"] = grouping
    manager = p.get("by")
    if manager and event["kind"] in ("coaching.plan", "checkin", "signoff", "review.decision") or \
            (event["kind"] == "demonstration" and p.get("source") == "manager"):
        context["instructor"] = _agent(sharing, f"manager:{manager or 'manager'}", manager)
    sign = False

    if kind == "drill" and event["kind"] == "review":
        item = catalog.item(pack_id, "drill", p["item"])
        statement["object"] = _activity(sharing.activity("packs", pack_id, "drills", p["item"]), "simulation",
                                        item["title"], lang)
        grade = p.get("grade") or {}
        criteria = grade.get("criteria") or {}
        met = sum(1 for c in criteria.values() if c.get("met"))
        if p.get("needs_review"):
            statement["verb"] = _verb(ADL + "scored", "scored")
        else:
            passed = bool(p.get("correct"))
            statement["verb"] = _verb(ADL + ("passed" if passed else "failed"), "passed" if passed else "failed")
            result["success"] = passed
        score = float(p.get("score", 0.0))
        result["score"] = {"scaled": round(max(0.0, min(1.0, score)), 4), "raw": met, "min": 0,
                           "max": max(len(criteria), met)}
        result["completion"] = True
        result["duration"] = _duration(p.get("seconds"))
        result["extensions"] = {
            sharing.ext("criteria"): {k: {"met": bool(c.get("met")), "confidence": c.get("confidence")}
                                      for k, c in sorted(criteria.items())},
            sharing.ext("flags"): list(p.get("flags") or []),
            sharing.ext("violations"): list(p.get("violations") or []),
            sharing.ext("needs-review"): bool(p.get("needs_review")),
            sharing.ext("attempt"): p.get("attempt"),
        }
        context["registration"] = str(uuid.UUID(event["id"]))
        extensions[sharing.ext("source")] = (p.get("scenario") or {}).get("source") or item.get("source")
    elif kind == "drill":  # review.decision: a manager decided an attempt the grader was unsure of
        attempt = catalog.event(p["event"])
        if attempt is None:
            raise StatementError(f"review decision {event['id']} names attempt {p['event']}, which is not stored")
        ap = attempt["payload"]
        item = catalog.item(pack_id if ap.get("pack") is None else ap["pack"], "drill", ap["item"])
        passed = bool(p.get("passed"))
        statement["verb"] = _verb(ADL + ("passed" if passed else "failed"), "passed" if passed else "failed")
        statement["object"] = _activity(sharing.activity("packs", ap.get("pack", pack_id), "drills", ap["item"]),
                                        "simulation", item["title"], lang)
        crit = p.get("criteria") or {}
        result.update({"success": passed, "completion": True, "extensions": {
            sharing.ext("criteria"): {k: {"met": bool(v)} for k, v in sorted(crit.items())},
            sharing.ext("reviewed-by-manager"): True}})
        if crit:
            result["score"] = {"scaled": round(sum(map(bool, crit.values())) / len(crit), 4),
                               "raw": sum(map(bool, crit.values())), "min": 0, "max": len(crit)}
        context["registration"] = str(uuid.UUID(attempt["id"]))
        context["statement"] = {"objectType": "StatementRef", "id": statement_id(sharing, attempt["id"])}
        task = catalog.task(ap.get("pack", pack_id), ap["task"])
        context["contextActivities"]["parent"] = [_activity(
            sharing.activity("packs", ap.get("pack", pack_id), "tasks", ap["task"]), "task", task["title"], lang)]
        extensions[sharing.ext("source")] = item.get("source")
    elif kind == "recall":
        item = catalog.item(pack_id, "prompt", p["item"])
        statement["verb"] = _verb(ADL + "answered", "answered")
        statement["object"] = _activity(sharing.activity("packs", pack_id, "prompts", p["item"]), "question",
                                        item["title"], lang)
        result.update({"success": bool(p.get("correct")), "duration": _duration(p.get("seconds")),
                       "score": {"scaled": round(max(0.0, min(1.0, float(p.get("score", 0.0)))), 4)},
                       "extensions": {sharing.ext("confidence"): p.get("confidence"),
                                      sharing.ext("attempt"): p.get("attempt")}})
        extensions[sharing.ext("source")] = item.get("source")
    elif kind == "lesson":
        item = catalog.item(pack_id, "lesson", p["lesson"])
        statement["verb"] = _verb(ADL + "completed", "completed")
        statement["object"] = _activity(sharing.activity("packs", pack_id, "lessons", p["lesson"]), "lesson",
                                        item["title"], lang)
        result.update({"completion": True, "duration": _duration(p.get("seconds"))})
        extensions[sharing.ext("source")] = item.get("source")
    elif kind == "reflection":
        statement["verb"] = _verb("http://activitystrea.ms/schema/1.0/submit", "submitted")
        statement["object"] = _activity(sharing.activity("reflections", "weekly"), "reflection", "Weekly reflection",
                                        "en")
        result["completion"] = True
        if "reflection_text" in sharing.send and p.get("text"):
            result["response"] = str(p["text"])[:2000]
    elif kind == "demonstration":
        statement["verb"] = _verb(sharing.verb_iri("demonstrated"), "demonstrated on the job")
        task = catalog.task(pack_id, p["task"])
        statement["object"] = _activity(sharing.activity("packs", pack_id, "tasks", p["task"]), "task",
                                        task["title"], lang)
        result["extensions"] = {sharing.ext("demonstration-source"): p.get("source", "self")}
        context["contextActivities"].pop("parent", None)
    elif kind == "plan":
        statement["verb"] = _verb(sharing.verb_iri("assigned-practice-plan"), "was assigned a practice plan")
        drill = p.get("drill")
        statement["object"] = _activity(sharing.activity("packs", pack_id, "tasks", p["task"]), "plan",
                                        catalog.task(pack_id, p["task"])["title"], lang)
        context["contextActivities"].pop("parent", None)
        result["extensions"] = {sharing.ext("follow-up"): p.get("follow_up"),
                                sharing.ext("drill"): sharing.activity("packs", pack_id, "drills", drill) if drill
                                else None}
    elif kind == "checkin":
        statement["verb"] = _verb(ADL + "completed", "completed")
        statement["object"] = _activity(sharing.activity("checkins", "weekly"), "meeting", "Weekly check-in", "en")
        result["completion"] = True
    elif kind == "signoff":
        behaviour_id = p["behaviour"]
        behaviour = catalog.behaviour(pack_id, behaviour_id)
        level = int(p["level"])
        mastered = level >= 4
        statement["verb"] = _verb(ADL + ("mastered" if mastered else "passed"), "mastered" if mastered else "passed")
        statement["object"] = _activity(sharing.activity("packs", pack_id, "behaviours", behaviour_id), "behaviour",
                                        behaviour["title"], lang)
        evidence = [str(e) for e in p.get("evidence") or []]
        deciding = _deciding_attempt(evidence, catalog)
        if deciding is not None:
            context["statement"] = {"objectType": "StatementRef", "id": statement_id(sharing, deciding)}
        context["contextActivities"]["grouping"] = [grouping[0]]
        context["contextActivities"].pop("parent", None)
        result.update({"success": True, "score": {"raw": level, "min": 1, "max": 5, "scaled": round(level / 5, 4)},
                       "extensions": {sharing.ext("evidence"): {
                           "events": evidence, "statements": [statement_id(sharing, e) for e in evidence]},
                           sharing.ext("counted"): p.get("counted"), sharing.ext("required"): p.get("required"),
                           sharing.ext("manager-signature"): {"algorithm": "minisign",
                                                              "key": p.get("manager_key"),
                                                              "signature": p.get("signature")}}})
        sign = True
    if "object" not in statement:
        return None
    statement["result"] = result
    return Built(sid, event["id"], kind, _clean(statement), sign)


def _deciding_attempt(evidence: list[str], catalog: Catalog) -> str | None:
    """The last drill attempt (else the last piece of evidence) a sign-off rests on."""
    found = [catalog.event(e) for e in evidence]
    drills = [e for e in found if e is not None and e["kind"] == "review"
              and e["payload"].get("item_kind") == "drill"]
    pick = max(drills, key=lambda e: e["created_at"]) if drills else None
    if pick is None:
        rest = [e for e in found if e is not None and statement_kind(e) is not None]
        pick = max(rest, key=lambda e: e["created_at"]) if rest else None
    return pick["id"] if pick else None
