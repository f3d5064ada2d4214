"""Strict schemas for the events that travel between DrillPads, checked before anything is applied.

An event line of a bundle (or of the manager's decisions) is read with a JSON reader that refuses
``NaN``/``Infinity``, duplicate keys and nesting deeper than ``MAX_DEPTH``; every string must be
valid Unicode (no lone surrogates) and every number finite and bounded. The envelope is the same for
every kind; the payload has a model per kind (``PAYLOADS``). Fields a newer DrillPad adds to a
payload are kept, but only as plain, bounded JSON.

``check_stored`` runs the same models over a row already in the database, so that the manager's
views can show one bad row as invalid instead of failing as a whole.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from drillpad.clock import from_iso

MAX_DEPTH = 12
MAX_SEQ = 2**40
MAX_INT = 2**53
MAX_TEXT = 20_000
MAX_LIST = 500

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
Uuid = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
"""A UUID in its one canonical form (lower case, hyphens): another spelling of the same id is refused."""
Ref = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
"""A content id (pack, role, task, lesson, drill, criterion…)."""
Short = Annotated[str, StringConstraints(max_length=200)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
NonBlank = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT, pattern=r"\S")]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Seconds = Annotated[float, Field(ge=0, le=7 * 24 * 3600, allow_inf_nan=False)]
Level = Annotated[int, Field(ge=1, le=5)]


def _iso_time(text: str) -> str:
    when = from_iso(text)  # ValueError: not an ISO time, or no timezone
    if not 2000 <= when.year <= 2200:
        raise ValueError(f"{when.year} is not a plausible year")
    return text


def _iso_date(text: str) -> str:
    date.fromisoformat(text)
    return text


def _name(text: str) -> str:
    clean = " ".join(text.split())
    if not 1 <= len(clean) <= 60 or clean != text:
        raise ValueError("a learner's name is 1 to 60 characters, without leading, trailing or repeated spaces")
    return text


IsoTime = Annotated[str, StringConstraints(min_length=10, max_length=40), AfterValidator(_iso_time)]
IsoDate = Annotated[str, StringConstraints(min_length=10, max_length=10), AfterValidator(_iso_date)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=60), AfterValidator(_name)]


class _Payload(BaseModel):
    """Known fields are strict; unknown ones (a newer DrillPad's) stay as plain JSON, bounded."""
    model_config = ConfigDict(extra="allow", strict=True)
    session: Short | None = None


class LearnerAdded(_Payload):
    name: Name
    pack: Ref
    role: Ref


class LessonRead(_Payload):
    pack: Ref
    task: Ref
    lesson: Ref
    seconds: Seconds | None = None


class Review(_Payload):
    pack: Ref
    task: Ref | None = None
    item_kind: Literal["prompt", "drill"]
    item: Ref
    score: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    correct: bool
    confidence: Annotated[int, Field(ge=1, le=4)]
    rating: Annotated[int, Field(ge=1, le=4)]
    seconds: Seconds | None = None
    attempt: Annotated[int, Field(ge=1, le=MAX_INT)]
    missed: Annotated[list[Text], Field(max_length=MAX_LIST)] = []
    needs_review: bool = False
    flags: Annotated[list[Short], Field(max_length=MAX_LIST)] = []
    violations: Annotated[list[Short], Field(max_length=MAX_LIST)] = []
    grade: dict[str, Any] | None = None
    answer: Text = ""
    scenario: dict[str, Any] | None = None
    judge: dict[str, Any] | None = None


class Demonstration(_Payload):
    pack: Ref
    task: Ref
    note: NonBlank
    source: Literal["self", "peer", "manager"] = "self"
    behaviour: Ref | None = None


class Reflection(_Payload):
    question: Text | None = None
    text: NonBlank


class ReviewRequested(_Payload):
    event: Uuid
    note: Text = ""


class PinReset(_Payload):
    by: Short


_B64 = r"[A-Za-z0-9+/]{4,88}={0,2}"
_VERIFIER = re.compile(rf"^scrypt\$(\d{{1,9}})\$(\d{{1,3}})\$(\d{{1,3}})\${_B64}\${_B64}$")
MAX_SCRYPT_N, MAX_SCRYPT_R, MAX_SCRYPT_P = 2**17, 16, 4


def _verifier(text: str) -> str:
    """An scrypt PIN verifier whose cost is bounded: one from another workstation is checked at every unlock here,
    so parameters that take minutes or gigabytes are refused (DrillPad itself uses n=2^14, r=8, p=1)."""
    m = _VERIFIER.match(text)
    if m is None:
        raise ValueError("not an scrypt PIN verifier (scrypt$n$r$p$salt$hash)")
    n, r, p = int(m[1]), int(m[2]), int(m[3])
    if not (2**10 <= n <= MAX_SCRYPT_N and n & (n - 1) == 0 and 1 <= r <= MAX_SCRYPT_R and 1 <= p <= MAX_SCRYPT_P):
        raise ValueError(f"scrypt parameters n={n} r={r} p={p} are outside what DrillPad checks (n a power of two "
                         f"up to {MAX_SCRYPT_N}, r up to {MAX_SCRYPT_R}, p up to {MAX_SCRYPT_P})")
    return text


Verifier = Annotated[str, StringConstraints(max_length=220), AfterValidator(_verifier)]


class PinSet(_Payload):
    """A profile's PIN chosen or changed on a workstation: only its scrypt verifier, never the PIN."""
    verifier: Verifier


class PinFailed(_Payload):
    """A wrong PIN typed on a workstation (counted there before it was checked)."""
    via: Annotated[str, StringConstraints(max_length=20)] = "app"


class Generation(_Payload):
    pass


class VariantRejected(_Payload):
    pack: Ref
    drill: Ref
    reasons: Annotated[list[Text], Field(max_length=MAX_LIST)] = []


class DeviceResumed(_Payload):
    last_bundle: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    last_event_seq: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    unsent: Annotated[int, Field(ge=0, le=MAX_SEQ)] = 0


class DeviceEnrolled(_Payload):
    name: Annotated[str, StringConstraints(max_length=200)] | None = None


class LearnerMerged(_Payload):
    into: Uuid
    by: Short
    note: Text = ""


class LearnerUnmerged(_Payload):
    merge: Uuid
    by: Short


class Signoff(_Payload):
    behaviour: Ref
    level: Level
    note: Text = ""
    by: Short = "manager"


class Override(_Payload):
    behaviour: Ref
    level: Level


class ReviewDecision(_Payload):
    event: Uuid
    passed: bool
    criteria: dict[Ref, bool] = {}
    note: Text = ""


class CoachingPlan(_Payload):
    task: Ref
    drill: Ref | None = None
    follow_up: IsoDate
    note: Text = ""


class Checkin(_Payload):
    note: NonBlank


class CalibrationRating(_Payload):
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")]
    rater: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    item: Uuid
    criteria: dict[Ref, bool]


PAYLOADS: dict[str, type[_Payload]] = {
    "learner.added": LearnerAdded, "lesson.read": LessonRead, "review": Review, "demonstration": Demonstration,
    "reflection": Reflection, "review.requested": ReviewRequested, "pin.reset": PinReset,
    "pin.set": PinSet, "pin.failed": PinFailed,
    "llm.generation": Generation, "drill.variant_rejected": VariantRejected, "device.resumed": DeviceResumed,
    "device.enrolled": DeviceEnrolled, "learner.merged": LearnerMerged, "learner.unmerged": LearnerUnmerged,
    "signoff": Signoff, "competency.override": Override, "review.decision": ReviewDecision,
    "coaching.plan": CoachingPlan, "checkin": Checkin, "calibration.rating": CalibrationRating,
}
LEARNER = {"required": frozenset({"learner.added", "lesson.read", "review", "demonstration", "reflection",
                                  "review.requested", "pin.reset", "pin.set", "pin.failed", "signoff",
                                  "competency.override",
                                  "review.decision", "coaching.plan", "checkin", "learner.merged",
                                  "learner.unmerged"}),
           "none": frozenset({"drill.variant_rejected", "device.resumed", "calibration.rating", "device.enrolled"})}


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    id: Uuid
    device_id: Uuid
    seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    learner_id: Uuid | None
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]{0,40}$")]
    payload: dict[str, Any]
    created_at: IsoTime


class EventInvalid(ValueError):
    """What is wrong with one event, in words (the field and the rule)."""


def _no_constants(name: str) -> Any:
    raise EventInvalid(f"{name} is not a number JSON allows")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise EventInvalid(f"the key {key[:40]!r} appears twice in one object")
        out[key] = value
    return out


def loads(data: bytes | str) -> Any:
    """JSON as DrillPad accepts it from outside: finite numbers, unique keys, bounded depth, valid Unicode."""
    try:
        value = json.loads(data, parse_constant=_no_constants, object_pairs_hook=_pairs)
    except RecursionError:
        raise EventInvalid(f"nested deeper than {MAX_DEPTH} levels") from None
    except EventInvalid:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventInvalid(f"not valid JSON ({exc})") from None
    check_plain(value)
    return value


def check_plain(value: Any) -> None:
    """Bounded depth, valid Unicode strings (keys too), finite numbers, bounded integers."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise EventInvalid(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            _unicode(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if abs(item) > MAX_INT:
                raise EventInvalid(f"the number {str(item)[:30]} is out of range")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise EventInvalid("a number is not finite")
        elif isinstance(item, dict):
            for k, v in item.items():
                if not isinstance(k, str):
                    raise EventInvalid("an object key is not a string")
                _unicode(k)
                stack.append((v, depth + 1))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        else:
            raise EventInvalid(f"{type(item).__name__} is not plain JSON")


def _unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise EventInvalid("a text holds a lone surrogate (not valid Unicode)") from None


def _first(exc: ValidationError, prefix: str = "") -> str:
    err = exc.errors()[0]
    where = ".".join(map(str, err["loc"])) or "(event)"
    return f"{prefix}{where}: {err['msg']}"


def validate(raw: Any) -> dict[str, Any]:
    """One event as a dict (the shape events.jsonl holds), or ``EventInvalid`` saying why."""
    check_plain(raw)
    if not isinstance(raw, dict):
        raise EventInvalid("an event is a JSON object")
    try:
        env = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise EventInvalid(_first(exc)) from None
    model = PAYLOADS.get(env.kind)
    if model is None:
        raise EventInvalid(f"{env.kind!r} is not an event kind this DrillPad knows (update DrillPad here first)")
    if env.kind in LEARNER["required"] and env.learner_id is None:
        raise EventInvalid(f"learner_id: a {env.kind} event is about a learner")
    if env.kind in LEARNER["none"] and env.learner_id is not None:
        raise EventInvalid(f"learner_id: a {env.kind} event is about no learner")
    try:
        model.model_validate(env.payload)
    except ValidationError as exc:
        raise EventInvalid(_first(exc, "payload.")) from None
    return raw


def check_stored(kind: str, learner_id: Any, payload: str, created_at: Any) -> str | None:
    """Why a stored row is not a valid event (None when it is): the manager's views skip and show it."""
    try:
        p = loads(payload)
        if not isinstance(created_at, str):
            raise EventInvalid("created_at is missing")
        _iso_time(created_at)
        model = PAYLOADS.get(kind)
        if model is None:
            return None  # a kind no view reads
        if kind in LEARNER["required"] and not isinstance(learner_id, str):
            raise EventInvalid("the learner is missing")
        model.model_validate(p)
    except ValidationError as exc:
        return _first(exc, "payload.")
    except (EventInvalid, ValueError, TypeError) as exc:
        return str(exc)
    return None
