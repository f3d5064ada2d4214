"""Content packs: the schema of a pack and its validation.

A pack is a folder of TOML and Markdown files (docs/pack-format.md). This module is pure:
``load_pack`` takes the files' bytes keyed by their path inside the pack and returns a
validated ``Pack``, or raises ``PackInvalid`` listing every problem with file, line (where
it can be known) and field path. Reading the folder is the store's job.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from drillpad.core.reading import MAX_LESSON_MINUTES, WARN_LESSON_MINUTES, reading_minutes
from drillpad.core.tomlloc import line_index, locate

FORMAT_VERSION = 1
MIN_TASKS, MAX_TASKS = 5, 10
MIN_BEHAVIOURS, MAX_BEHAVIOURS = 3, 5
MAX_FILE_BYTES = 512 * 1024
MAX_FILES = 2000

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,59}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Cue = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=r"^[^+]+(?: \+ [^+]+)*$"),
]
EvidenceSource = Literal["drill", "observed", "work_sample"]
ExampleKind = Literal[
    "correct", "partial", "wrong", "paraphrased", "negated", "off-topic", "injection", "stuffing",
    # how real trainees write (added 2026-12 for honest evaluation sets)
    "non-native", "voice", "abbreviated", "conditional", "keyword-sentence", "must-not",
]


class _Model(BaseModel):
    # defer_build: a model's validator is built when it is first used, not when DrillPad starts
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# --- pack.toml -------------------------------------------------------------------------


class Approval(_Model):
    approved_by: Text
    approved_on: date
    source_document: Text
    source_revision: Text


class Settings(_Model):
    desired_retention: Annotated[float, Field(ge=0.7, le=0.97)] = 0.9
    daily_budget_minutes: Annotated[int, Field(ge=1, le=60)] = 10
    rehearse_success_days: Annotated[int, Field(ge=1, le=10)] = 2
    rehearse_min_span_days: Annotated[int, Field(ge=0, le=60)] = 2
    new_items_per_day: Annotated[int, Field(ge=0, le=50)] = 5
    week_starts_on: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"

    @property
    def week_start_weekday(self) -> int:
        return ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].index(
            self.week_starts_on)


class Context(_Model):
    sites: list[Text] = []
    equipment: list[Text] = []
    people: list[Text] = []
    shifts: list[Text] = []


class SynonymGroup(_Model):
    terms: Annotated[list[Cue], Field(min_length=2)]


class Manifest(_Model):
    format: Literal[1]
    id: Id
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    title: Text
    description: str = ""
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"
    approval: Approval
    settings: Settings = Settings()
    context: Context = Context()
    synonyms: list[SynonymGroup] = []

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        major, minor, patch = (int(x) for x in self.version.split("."))
        return major, minor, patch


# --- rubric.toml -----------------------------------------------------------------------


class RubricLevel(_Model):
    level: Annotated[int, Field(ge=1, le=5)]
    name: Text
    description: Text
    example: Text


class Rubric(_Model):
    level: list[RubricLevel]

    @model_validator(mode="after")
    def _five_levels(self) -> "Rubric":
        numbers = sorted(lv.level for lv in self.level)
        if numbers != [1, 2, 3, 4, 5]:
            raise ValueError(f"the rubric needs exactly five levels numbered 1 to 5; found {numbers}")
        return self


# --- roles/*.toml ----------------------------------------------------------------------


class Task(_Model):
    id: Id
    title: Text
    what_good_looks_like: Text
    failure_points: list[Text] = []


class Behaviour(_Model):
    id: Id
    title: Text
    description: Text
    evidence: EvidenceSource
    tasks: Annotated[list[Id], Field(min_length=1)]
    demonstrations: Annotated[int, Field(ge=1, le=20)]


class Role(_Model):
    id: Id
    title: Text
    summary: str = ""
    task: list[Task]
    behaviour: list[Behaviour]

    @model_validator(mode="after")
    def _sizes(self) -> "Role":
        if not MIN_TASKS <= len(self.task) <= MAX_TASKS:
            raise ValueError(
                f"a role's skills map has {MIN_TASKS}–{MAX_TASKS} tasks; role {self.id!r} has {len(self.task)}"
            )
        if not MIN_BEHAVIOURS <= len(self.behaviour) <= MAX_BEHAVIOURS:
            raise ValueError(
                f"a role has {MIN_BEHAVIOURS}–{MAX_BEHAVIOURS} critical behaviours; "
                f"role {self.id!r} has {len(self.behaviour)}"
            )
        return self


# --- lessons/*.md ----------------------------------------------------------------------


class TreeOption(_Model):
    label: Text
    next: Id


class TreeNode(_Model):
    id: Id
    text: Text | None = None
    options: list[TreeOption] = []
    action: Text | None = None

    @model_validator(mode="after")
    def _kind(self) -> "TreeNode":
        if self.action is not None and (self.text is not None or self.options):
            raise ValueError(f"node {self.id!r} is either a question (text + options) or an end (action), not both")
        if self.action is None and (self.text is None or len(self.options) < 2):
            raise ValueError(f"question node {self.id!r} needs text and at least two options")
        return self


class DecisionTree(_Model):
    start: Id
    node: Annotated[list[TreeNode], Field(min_length=2)]

    @model_validator(mode="after")
    def _graph(self) -> "DecisionTree":
        nodes = {n.id: n for n in self.node}
        if len(nodes) != len(self.node):
            dupes = [k for k, c in Counter(n.id for n in self.node).items() if c > 1]
            raise ValueError(f"duplicate node ids: {', '.join(dupes)}")
        if self.start not in nodes:
            raise ValueError(f"start node {self.start!r} does not exist")
        for n in self.node:
            for opt in n.options:
                if opt.next not in nodes:
                    raise ValueError(f"node {n.id!r} option {opt.label!r} leads to missing node {opt.next!r}")
        seen, todo = set(), [self.start]
        while todo:
            nid = todo.pop()
            if nid not in seen:
                seen.add(nid)
                todo.extend(o.next for o in nodes[nid].options)
        unreachable = [n.id for n in self.node if n.id not in seen]
        if unreachable:
            raise ValueError(f"nodes not reachable from start: {', '.join(unreachable)}")
        if not any(n.action for n in self.node):
            raise ValueError("a decision tree needs at least one end node (action)")
        ends, grew = {n.id for n in self.node if n.action}, True
        while grew:  # the nodes from which some path reaches an end
            more = {n.id for n in self.node if n.id not in ends and any(o.next in ends for o in n.options)}
            ends |= more
            grew = bool(more)
        if stuck := [n.id for n in self.node if n.id not in ends]:
            raise ValueError(f"node(s) {', '.join(map(repr, stuck))} cannot reach an end (an action node): every "
                             "path from there loops back; give one option a way to an action")
        return self


class LessonMeta(_Model):
    id: Id
    task: Id
    title: Text
    source: Text
    tree: DecisionTree | None = None


class Lesson(_Model):
    id: Id
    task: Id
    title: str
    source: str
    body: str
    tree: DecisionTree | None
    reading_minutes: float
    file: str


# --- prompts/*.toml --------------------------------------------------------------------


class PromptPoint(_Model):
    id: Id | None = None  # named by labelled examples' `met`; "p1", "p2", … by position when not given
    text: Text
    cues: Annotated[list[Cue], Field(min_length=1)]


class Prompt(_Model):
    id: Id
    task: Id
    question: Text
    answer: Text
    source: Text
    point: Annotated[list[PromptPoint], Field(min_length=1)]

    @model_validator(mode="before")
    @classmethod
    def _default_point_ids(cls, data: Any) -> Any:
        # every point has an id: its own, or "p1", "p2", … by position
        points = data.get("point") if isinstance(data, dict) else None
        if isinstance(points, list):
            data = {**data, "point": [{"id": f"p{n}", **pt} if isinstance(pt, dict) and "id" not in pt else pt
                                      for n, pt in enumerate(points, 1)]}
        return data

    @model_validator(mode="after")
    def _point_ids(self) -> "Prompt":
        dupes = [k for k, c in Counter(pt.id for pt in self.point).items() if c > 1]
        if dupes:
            raise ValueError(f"prompt {self.id!r}: duplicate point id {', '.join(map(repr, dupes))} "
                             "(unnamed points are p1, p2, … by position)")
        return self


class PromptFile(_Model):
    prompt: Annotated[list[Prompt], Field(min_length=1)]


# --- drills/*.toml ---------------------------------------------------------------------


class Criterion(_Model):
    id: Id
    text: Text
    required: bool = True
    cues: list[Cue] = []
    # every part needed, anywhere in the answer; each part is a list of alternative cues
    parts: list[Annotated[list[Cue], Field(min_length=1)]] = []
    hint: str = ""
    source: str = ""
    after: list[Id] = []

    @model_validator(mode="after")
    def _cues_or_parts(self) -> "Criterion":
        if not self.cues and not self.parts:
            raise ValueError(f"criterion {self.id!r} has no cues: add cues = [...] or parts = [[...], [...]]")
        if self.parts and len(self.parts) < 2:
            raise ValueError(f"criterion {self.id!r}: parts needs two or more parts (one part is just cues = [...])")
        return self


class MustNot(_Model):
    id: Id
    text: Text
    cues: Annotated[list[Cue], Field(min_length=1)]
    unless_after: list[Id] = []  # excused when these criteria were met earlier in the answer
    unless_met: list[Id] = []  # excused when these criteria are met anywhere in the answer
    source: str = ""


class Fact(_Model):
    text: Text
    cues: Annotated[list[Cue], Field(min_length=1)]


class Choice(_Model):
    question: Text
    options: Annotated[list[Text], Field(min_length=2, max_length=6)]
    correct: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _in_range(self) -> "Choice":
        if self.correct >= len(self.options):
            raise ValueError(f"correct = {self.correct} but there are only {len(self.options)} options (counted from 0)")
        return self


_SLOT = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class Drill(_Model):
    id: Id
    task: Id
    title: Text
    source: Text
    minutes: Annotated[int, Field(ge=1, le=15)] = 3
    situation: LongText
    question: Text
    model_answer: LongText
    slots: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")], Text] = {}
    fact: list[Fact] = []
    """The facts of the situation the criteria depend on; an AI-adapted variant must keep every
    one of them (a drill without facts is never varied)."""
    criterion: list[Criterion] = []
    must_not: list[MustNot] = []
    choice: list[Choice] = []

    @model_validator(mode="after")
    def _consistent(self) -> "Drill":
        if not self.criterion:
            raise ValueError(f"drill {self.id!r} has no criteria: add at least one [[criterion]]")
        if not any(c.required for c in self.criterion):
            raise ValueError(f"drill {self.id!r} needs at least one required criterion")
        ids = [c.id for c in self.criterion] + [m.id for m in self.must_not]
        dupes = [k for k, n in Counter(ids).items() if n > 1]
        if dupes:
            raise ValueError(f"duplicate criterion/must_not ids in drill {self.id!r}: {', '.join(dupes)}")
        crit_ids = {c.id for c in self.criterion}
        for c in self.criterion:
            for a in c.after:
                if a not in crit_ids or a == c.id:
                    raise ValueError(f"criterion {c.id!r}: after = {a!r} is not another criterion of this drill")
        for m in self.must_not:
            for field in ("unless_after", "unless_met"):
                for a in getattr(m, field):
                    if a not in crit_ids:
                        raise ValueError(f"must_not {m.id!r}: {field} = {a!r} is not a criterion of this drill")
        missing = sorted({s for s in _SLOT.findall(self.situation) if s not in self.slots})
        if missing:
            raise ValueError(f"situation uses {{{'}, {'.join(missing)}}} but [slots] has no default for it")
        return self

    def title_text(self, slots: Mapping[str, str] | None = None) -> str:
        values = {**self.slots, **(slots or {})}
        return _SLOT.sub(lambda m: values.get(m.group(1), m.group(0)), self.title)

    def situation_text(self, slots: Mapping[str, str] | None = None) -> str:
        values = {**self.slots, **(slots or {})}
        return _SLOT.sub(lambda m: values.get(m.group(1), m.group(0)), self.situation)


# --- examples/*.toml -------------------------------------------------------------------


class Example(_Model):
    """A labelled answer to a drill (`drill = "ID"`, met names criteria) or to a recall prompt
    (`prompt = "ID"`, met names the prompt's point ids)."""
    id: Id
    drill: Id | None = None
    prompt: Id | None = None
    kind: ExampleKind
    split: Literal["dev", "holdout"]
    answer: Annotated[str, StringConstraints(max_length=8000)]
    met: list[Id] = []
    violations: list[Id] = []

    @model_validator(mode="after")
    def _one_item(self) -> "Example":
        if (self.drill is None) == (self.prompt is None):
            raise ValueError(f"example {self.id!r} names exactly one of drill = \"ID\" or prompt = \"ID\"")
        if self.prompt is not None and self.violations:
            raise ValueError(f"example {self.id!r}: a recall prompt has no must_not items, so no violations")
        return self

    @property
    def item(self) -> str:
        """The id of the drill or prompt it answers."""
        return self.drill or self.prompt or ""


class ExampleFile(_Model):
    example: Annotated[list[Example], Field(min_length=1)]


# --- the whole pack --------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        fld = f" {self.field}:" if self.field else ""
        return f"{where}:{fld} {self.message}" + (" (warning)" if self.severity == "warning" else "")


class PackInvalid(Exception):
    def __init__(self, problems: list[Problem], source: str = "pack"):
        problems = sorted(problems, key=lambda p: (p.file, p.line or 0))
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{source}: {len(errors)} problem(s); nothing was imported\n" + "\n".join(map(str, errors)))


@dataclass(frozen=True)
class Pack:
    manifest: Manifest
    rubric: Rubric
    roles: tuple[Role, ...]
    lessons: tuple[Lesson, ...]
    prompts: tuple[Prompt, ...]
    drills: tuple[Drill, ...]
    examples: tuple[Example, ...]
    content_hash: str
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def version(self) -> str:
        return self.manifest.version

    def drill(self, drill_id: str) -> Drill:
        for d in self.drills:
            if d.id == drill_id:
                return d
        raise KeyError(drill_id)

    def prompt(self, prompt_id: str) -> Prompt:
        for p in self.prompts:
            if p.id == prompt_id:
                return p
        raise KeyError(prompt_id)


def content_hash(files: Mapping[str, bytes]) -> str:
    """sha256 over the pack's files (sorted paths and bytes): same content, same hash."""
    h = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        h.update(path.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return "sha256:" + h.hexdigest()


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_KNOWN_DIRS = {"roles": ".toml", "lessons": ".md", "prompts": ".toml", "drills": ".toml", "examples": ".toml"}
PACK_FOLDERS = frozenset(_KNOWN_DIRS)


def is_pack_file(path: str) -> bool:
    """Whether *path* (posix, relative to the pack root) is part of the pack format."""
    if path in ("pack.toml", "rubric.toml"):
        return True
    parts = path.split("/")
    return len(parts) == 2 and parts[0] in _KNOWN_DIRS and parts[1].endswith(_KNOWN_DIRS[parts[0]])


class _Collector:
    """Parses files and turns parse and validation errors into Problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, file: str, message: str, line: int | None = None, fld: str = "") -> None:
        self.problems.append(Problem(file, line, fld, message))

    def warn(self, file: str, message: str, line: int | None = None, fld: str = "") -> None:
        self.problems.append(Problem(file, line, fld, message, "warning"))

    def decode(self, file: str, data: bytes) -> str | None:
        if len(data) > MAX_FILE_BYTES:
            self.error(file, f"file is larger than the limit of {size_text(MAX_FILE_BYTES)}")
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            self.error(file, "the file starts with a UTF-8 byte-order mark (BOM), which TOML does not allow; save it "
                             "as UTF-8 without BOM (in Notepad: Save as, Encoding \"UTF-8\", not \"UTF-8 with BOM\")", 1)
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.error(file, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", line)
            return None

    def toml(self, file: str, text: str, line_offset: int = 0) -> dict[str, Any] | None:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            msg = str(exc)
            m = _TOML_AT.search(msg)
            line = int(m.group(1)) + line_offset if m else None
            msg = _toml_plain(re.sub(r"\s*\((?:at line \d+, column \d+|at end of document)\)", "", msg).strip())
            if m:
                msg += f" (column {m.group(2)})"
            elif (opened := _unclosed_triple_quote(text)) is not None:
                line = opened + line_offset
            self.error(file, f"invalid TOML: {msg}", line)
            return None

    def model(self, cls: type[BaseModel], file: str, data: dict[str, Any], text: str, line_offset: int = 0,
              prefix: tuple = ()) -> Any:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            index = line_index(text)
            for err in exc.errors():
                loc = tuple(err["loc"]) or _duplicate_loc(data, str(err.get("msg", "")))
                line = locate(index, loc)
                self.error(file, _message(err), line + line_offset if line else None, _dotted(prefix + loc))
            return None


def size_text(n: int) -> str:
    """A file size people read: "52,428,800 bytes (50.0 MB)"."""
    return f"{n:,} bytes ({n / 1024 / 1024:.1f} MB)" if n >= 1024 * 1024 else f"{n:,} bytes ({n / 1024:.0f} KB)"


def _duplicate_loc(data: dict[str, Any], message: str) -> tuple:
    """Where a drill's duplicate criterion/must_not id is used the second time (the drill validator itself only
    knows the whole drill)."""
    m = re.search(r"duplicate criterion/must_not ids in drill .*?: (.+)$", message)
    if not m:
        return ()
    dupes, seen = set(m.group(1).split(", ")), set()
    for key in ("criterion", "must_not"):
        for i, item in enumerate(data.get(key) or []):
            ident = item.get("id") if isinstance(item, dict) else None
            if ident in dupes and ident in seen:
                return (key, i, "id")
            seen.add(ident)
    return ()


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_ID_FIELDS = frozenset({"id", "task", "drill", "prompt", "start", "next", "tasks", "after", "unless_after", "unless_met",
                        "met", "violations"})


def _message(err: Any) -> str:
    """A validation error in plain words (never pydantic's own text)."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    names = [x for x in err["loc"] if isinstance(x, str)]
    name = names[-1] if names else ""
    if kind == "extra_forbidden":
        return "unknown field (not part of the pack format; check the spelling)"
    if kind == "missing":
        return "required field is missing"
    if kind == "value_error":
        return err["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        if isinstance(value, str) and "+" in value:
            return f"cue {value!r}: join terms with ' + ' (spaces around the plus)"
        if name in _ID_FIELDS:
            return (f"{value!r} is not a valid id: an id may contain only lower-case letters a-z, digits 0-9 and "
                    "'-', starts with a letter or digit, and is 2–60 characters long")
        if name == "version":
            return f"{value!r} is not a version: write three numbers, MAJOR.MINOR.PATCH, like \"1.0.0\""
        if name == "language":
            return f"{value!r} is not a language code: write two lower-case letters like \"en\", or \"en-GB\""
        if name == "slots":
            return (f"slot name {value!r} may contain only lower-case letters, digits and '_', and starts with a "
                    "letter or '_'")
        return f"{value!r} is not written the way this field needs (see docs/pack-format.md)"
    if kind == "string_too_short":
        return "is empty: write some text"
    if kind == "string_too_long":
        n = len(value) if isinstance(value, str) else "?"
        return f"is too long: {n} characters, at most {ctx.get('max_length')}"
    if kind == "string_type":
        return "must be text in quotes"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{value!r} is not a whole number: write a number like 3, without quotes"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"{value!r} is not a number: write a number like 0.9, without quotes"
    if kind in ("bool_type", "bool_parsing"):
        return f"{value!r}: write true or false, without quotes"
    if kind.startswith("date"):
        return f"{value!r} is not a date: write a date like 2026-09-14, without quotes"
    for bound, words in (("ge", "at least"), ("gt", "more than"), ("le", "at most"), ("lt", "less than")):
        if bound in ctx and kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            return f"is {value!r}; it must be {words} {ctx[bound]}"
    if kind == "too_short":
        n = ctx.get("min_length")
        return f"needs at least {n} item{'s' if n != 1 else ''}; it has {ctx.get('actual_length', 0)}"
    if kind == "too_long":
        return f"has {ctx.get('actual_length')} items; at most {ctx.get('max_length')} are allowed"
    if kind in ("list_type", "tuple_type", "set_type"):
        return 'must be a list in square brackets, like ["first", "second"]'
    if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type"):
        return "must be a table (a [section], [[section]] or { key = value, … })"
    if kind in ("literal_error", "enum"):
        return f"{value!r} is not one of the allowed values: {ctx.get('expected', '')}"
    # a kind not seen before: pydantic's words, made to read as a rule
    return err["msg"].replace("Input should be", "must be").replace("should", "must")


_TOML_PLAIN = [
    (r"Illegal character '\\n'", "a quote is not closed: text in quotes must end on the same line "
                                 '(use triple quotes """…""" for text over several lines)'),
    (r"Illegal character (.+)", "the text contains the character {0}, which TOML does not allow here; remove it"),
    (r"Unterminated string", "a quote is not closed: a \"\"\" or ''' that opens text over several lines never "
                             "closes"),
    (r"Invalid value", 'not a valid TOML value: text needs quotes ("like this"), lists need [square brackets], '
                       "numbers and true/false none"),
    (r"Expected '=' after a key", "'=' is missing after the field name: write name = value"),
    (r"Unclosed array", "a list ('[') is not closed with ']' (or a comma between items is missing)"),
    (r"Unclosed inline table", "a table ('{{') is not closed with '}}'"),
    (r"Cannot overwrite a value", "this field is given twice in the same table; keep one"),
    (r"Cannot declare (.+) twice", "the table {0} is given twice; use [[name]] for a list of tables"),
    (r"Cannot (?:mutate immutable|redefine) namespace (.+)",
     "{0} is already a field or a table above; it cannot be defined again here"),
    (r"Duplicate inline table key (.+)", "the key {0} is given twice inside {{ … }}"),
    (r"Expected newline or end of document", "something follows the value on the same line: put each field on its "
                                             "own line (a comment starts with #; a date is written like 2026-09-14)"),
    (r"Invalid initial character for a key part", "a field name may contain only letters, digits, '-' and '_' "
                                                  "(or is written in quotes)"),
    (r"Invalid statement", "this line is neither a field (name = value) nor a [table] header"),
    (r"Invalid date or datetime", "not a valid date: write a date like 2026-09-14"),
    (r"Expected '\]' at the end of a table", "a [table] header is missing its closing ']'"),
    (r"Expected '\]\]' at the end of an array", "a [[table]] header is missing its closing ']]'"),
    (r"Unescaped '\\' in a string", "a backslash in text in double quotes starts an escape: write \\\\ or use "
                                    "'single quotes'"),
    (r"(?:Invalid hex value|Escaped character is not a Unicode scalar value)",
     "an escape like \\uXXXX in the text is not a valid character"),
    (r"Expected (.+)", "{0} was expected here"),
    (r"Found invalid character (.+)", "the character {0} is not allowed here"),
]


def _toml_plain(message: str) -> str:
    """tomllib's message in plain words."""
    for pattern, words in _TOML_PLAIN:
        m = re.match(pattern, message)
        if m:
            # ('drill', 'criterion') -> [drill.criterion]
            groups = ["[" + ".".join(re.findall(r"'([^']*)'", g)) + "]" if g.startswith("(") else g
                      for g in m.groups()]
            return words.format(*groups)
    return message


def _unclosed_triple_quote(text: str) -> int | None:
    """The line of a triple quote that opens text over several lines and never closes, if any."""
    opened: tuple[str, int] | None = None
    for m in re.finditer(r'"""|' + "'''", text):
        if opened is None:
            opened = (m.group(0), m.start())
        elif m.group(0) == opened[0]:
            opened = None
    return text[: opened[1]].count("\n") + 1 if opened else None


def load_pack(files: Mapping[str, bytes], source: str = "pack", problems: Iterable[Problem] = ()) -> Pack:
    """Validate a pack given its files (posix paths relative to the pack root → bytes). *problems*: what the
    reader of the files already found (symbolic links, files too large to read)."""
    c = _Collector()
    c.problems.extend(problems)
    pack_files = {p: b for p, b in files.items() if is_pack_file(p)}
    for p in sorted(set(files) - set(pack_files)):
        c.warn(p, "not part of the pack format; ignored")
    if len(pack_files) > MAX_FILES:
        c.error("(pack)", f"{len(pack_files)} files; the limit is {MAX_FILES}")
        raise PackInvalid(c.problems, source)

    manifest = rubric = None
    for required in ("pack.toml", "rubric.toml"):
        if required not in pack_files:
            c.error(required, "missing: every pack has pack.toml and rubric.toml")
    texts = {p: c.decode(p, b) for p, b in pack_files.items()}

    def parse(path: str, cls: type[BaseModel]) -> Any:
        text = texts.get(path)
        if text is None:
            return None
        data = c.toml(path, text)
        return None if data is None else c.model(cls, path, data, text)

    if "pack.toml" in texts:
        manifest = parse("pack.toml", Manifest)
    if "rubric.toml" in texts:
        rubric = parse("rubric.toml", Rubric)

    roles: list[tuple[str, Role]] = []
    prompts: list[tuple[str, int, Prompt]] = []
    drills: list[tuple[str, Drill]] = []
    examples: list[tuple[str, int, Example]] = []
    lessons: list[Lesson] = []
    for path in sorted(texts):
        folder = path.split("/")[0]
        if folder == "roles" and (role := parse(path, Role)):
            roles.append((path, role))
        elif folder == "drills" and (drill := parse(path, Drill)):
            drills.append((path, drill))
        elif folder == "prompts" and (pf := parse(path, PromptFile)):
            prompts.extend((path, i, p) for i, p in enumerate(pf.prompt))
        elif folder == "examples" and (ef := parse(path, ExampleFile)):
            examples.extend((path, i, e) for i, e in enumerate(ef.example))
        elif folder == "lessons" and texts[path] is not None:
            lesson = _lesson(c, path, texts[path])
            if lesson:
                lessons.append(lesson)

    if not roles and not any(p.file.startswith("roles/") for p in c.problems):
        c.error("roles/", "a pack needs at least one role file in roles/")

    # References into a folder with broken files would only repeat those errors: skip them.
    broken = {p.file.split("/")[0] for p in c.problems if p.severity == "error"}
    _cross_check(c, texts, roles, lessons, prompts, drills, examples, broken)
    if manifest is not None and not any(p.severity == "error" for p in c.problems):
        _authoring_checks(c, texts, manifest, roles, prompts, drills, examples)
    errors = [p for p in c.problems if p.severity == "error"]
    if errors or manifest is None or rubric is None:
        raise PackInvalid(c.problems, source)
    return Pack(
        manifest=manifest,
        rubric=rubric,
        roles=tuple(r for _, r in roles),
        lessons=tuple(lessons),
        prompts=tuple(p for _, _, p in prompts),
        drills=tuple(d for _, d in drills),
        examples=tuple(e for _, _, e in examples),
        content_hash=content_hash(pack_files),
        warnings=tuple(c.problems),
    )


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, index of the closing '+++' line) of a lesson, or None."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "+++":
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "+++"), None)
    if end is None:
        return None
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1:]).strip(), end


def _lesson(c: _Collector, path: str, text: str) -> Lesson | None:
    parts = split_front_matter(text)
    if parts is None:
        if text.splitlines()[:1] != ["+++"]:
            c.error(path, "a lesson starts with a front matter block between '+++' lines (id, task, title, source)", 1)
        else:
            c.error(path, "the front matter block opened on line 1 is never closed with a '+++' line", 1)
        return None
    front, body, end = parts
    data = c.toml(path, front, line_offset=1)
    if data is None:
        return None
    meta = c.model(LessonMeta, path, data, front, line_offset=1)
    if meta is None:
        return None
    if not body:
        c.error(path, "the lesson has no text after its front matter", end + 1)
        return None
    tree_texts = [n.text or n.action or "" for n in meta.tree.node] if meta.tree else []
    minutes = reading_minutes(body, *tree_texts)
    if minutes > MAX_LESSON_MINUTES:
        c.error(path, f"takes about {minutes:g} minutes to read; a lesson must be reviewable in under "
                      f"{MAX_LESSON_MINUTES:g} minutes: split it into smaller lessons", end + 2, "body")
    elif minutes > WARN_LESSON_MINUTES:
        c.warn(path, f"takes about {minutes:g} minutes to read; close to the {MAX_LESSON_MINUTES:g}-minute limit",
               end + 2, "body")
    return Lesson(id=meta.id, task=meta.task, title=meta.title, source=meta.source, body=body, tree=meta.tree,
                  reading_minutes=minutes, file=path)


def _line_of(texts: Mapping[str, str | None], path: str, loc: tuple) -> int | None:
    """The line of the field at *loc* in the pack file *path* (front matter lines of a lesson counted)."""
    text = texts.get(path)
    if text is None or not loc:
        return None
    offset = 0
    if path.endswith(".md"):
        text, offset = (split_front_matter(text) or ("",))[0], 1
    line = locate(line_index(text), loc)
    return line + offset if line else None


def _authoring_checks(c: _Collector, texts: Mapping[str, str | None], manifest: Manifest, roles, prompts, drills,
                      examples) -> None:
    """What only the grader can tell (core.authoring): model answers graded, risky cues, coverage."""
    from drillpad.core import authoring
    from drillpad.core.cues import Synonyms

    synonyms = Synonyms([g.terms for g in manifest.synonyms])
    findings = [*authoring.check_model_answers(drills, prompts, synonyms), *authoring.check_cues(drills, prompts, synonyms),
                *authoring.check_coverage(roles, prompts, examples)]
    for f in findings:
        add = c.error if f.severity == "error" else c.warn
        add(f.file, f.message, _line_of(texts, f.file, f.loc), _dotted(f.loc))


def _cross_check(c: _Collector, texts: Mapping[str, str | None], roles, lessons, prompts, drills, examples,
                 broken: set[str]) -> None:
    """References between files and ids unique across the pack (not into folders in *broken*)."""

    def line_of(path: str, loc: tuple, offset: int = 0) -> int | None:
        text = texts.get(path)
        if text is None:
            return None
        if path.endswith(".md"):
            text, offset = (split_front_matter(text) or ("",))[0], 1
        line = locate(line_index(text), loc)
        return line + offset if line else None

    def unique(kind: str, items: list[tuple[str, tuple, str]]) -> None:
        seen: dict[str, str] = {}
        for path, loc, ident in items:
            if ident in seen:
                c.error(path, f"duplicate {kind} id {ident!r} (already used in {seen[ident]})", line_of(path, loc),
                        ".".join(str(x) for x in loc))
            else:
                seen[ident] = path

    unique("role", [(p, ("id",), r.id) for p, r in roles])
    unique("task", [(p, ("task", i, "id"), t.id) for p, r in roles for i, t in enumerate(r.task)])
    unique("behaviour", [(p, ("behaviour", i, "id"), b.id) for p, r in roles for i, b in enumerate(r.behaviour)])
    unique("lesson", [(lz.file, ("id",), lz.id) for lz in lessons])
    unique("prompt", [(p, ("prompt", i, "id"), pr.id) for p, i, pr in prompts])
    unique("drill", [(p, ("id",), d.id) for p, d in drills])
    unique("example", [(p, ("example", i, "id"), e.id) for p, i, e in examples])

    tasks_known = "roles" not in broken
    tasks = {t.id for _, r in roles for t in r.task}
    for path, role in roles:
        own = {t.id for t in role.task}
        for i, b in enumerate(role.behaviour):
            for t in b.tasks:
                if t not in own:
                    c.error(path, f"behaviour {b.id!r} names task {t!r}, which is not a task of role {role.id!r}",
                            line_of(path, ("behaviour", i, "tasks")), f"behaviour[{i}].tasks")
    for lz in lessons:
        if tasks_known and lz.task not in tasks:
            c.error(lz.file, f"task {lz.task!r} does not exist in any role", line_of(lz.file, ("task",)), "task")
    if "lessons" not in broken:  # a task's drills and prompts are offered after its lesson: without one, never
        taught = {lz.task for lz in lessons}
        for path, role in roles:
            for i, t in enumerate(role.task):
                if t.id not in taught:
                    c.error(path, f"task {t.id!r} has no lesson: add lessons/<name>.md with task = {t.id!r} (a "
                            "task's drills and prompts are offered only after its lesson, so they would never be)",
                            line_of(path, ("task", i, "id")), f"task[{i}].id")
    for path, i, pr in prompts:
        if tasks_known and pr.task not in tasks:
            c.error(path, f"task {pr.task!r} does not exist in any role", line_of(path, ("prompt", i, "task")),
                    f"prompt[{i}].task")
    drill_by_id = {}
    for path, d in drills:
        drill_by_id[d.id] = d
        if tasks_known and d.task not in tasks:
            c.error(path, f"task {d.task!r} does not exist in any role", line_of(path, ("task",)), "task")
    prompt_by_id = {pr.id: pr for _, _, pr in prompts}
    for path, i, e in examples:
        if e.prompt is not None:
            pr = prompt_by_id.get(e.prompt)
            if pr is None and "prompts" not in broken:
                c.error(path, f"prompt {e.prompt!r} does not exist", line_of(path, ("example", i, "prompt")),
                        f"example[{i}].prompt")
            elif pr is not None:
                points = [pt.id for pt in pr.point]
                bad = [m for m in e.met if m not in points]
                if bad:
                    c.error(path, f"met names {', '.join(map(repr, bad))}, not points of prompt {pr.id!r} "
                                  f"(its points: {', '.join(points)})",
                            line_of(path, ("example", i, "met")), f"example[{i}].met")
            continue
        d = drill_by_id.get(e.drill)
        if d is None and "drills" in broken:
            continue
        if d is None:
            c.error(path, f"drill {e.drill!r} does not exist", line_of(path, ("example", i, "drill")),
                    f"example[{i}].drill")
            continue
        crit = {x.id for x in d.criterion}
        bad = [m for m in e.met if m not in crit]
        if bad:
            c.error(path, f"met names {', '.join(map(repr, bad))}, not criteria of drill {d.id!r}",
                    line_of(path, ("example", i, "met")), f"example[{i}].met")
        forbidden = {m.id for m in d.must_not}
        bad = [v for v in e.violations if v not in forbidden]
        if bad:
            c.error(path, f"violations names {', '.join(map(repr, bad))}, not must_not items of drill {d.id!r}",
                    line_of(path, ("example", i, "violations")), f"example[{i}].violations")
