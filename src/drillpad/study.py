"""Terminal study session (`drillpad study`): the trainee journey without a window.

Plain prompts that work over SSH and in tmux. Type q at any question to stop; everything
answered so far is saved as it happens.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from drillpad.core.cadence import REFLECTION_QUESTION
from drillpad.workspace import Workspace


class _Quit(Exception):
    pass


def run_study(ws: Workspace, learner: str, ask: Callable[[str], str] = input,
              say: Callable[[str], None] = print) -> int:
    def prompt(text: str) -> str:
        try:
            reply = ask(text)
        except EOFError:
            raise _Quit from None
        if reply.strip().lower() in ("q", "quit"):
            raise _Quit
        return reply

    def confidence() -> int:
        while True:
            reply = prompt("How sure are you? 1 guess · 2 unsure · 3 fairly sure · 4 certain: ").strip()
            if reply in ("1", "2", "3", "4"):
                return int(reply)
            say("Please type a number from 1 to 4.")

    today = ws.today(learner)
    say(f"Hello {today.learner}. Today: {len(today.items)} item(s), about {today.minutes:g} minutes. "
        "Type q to stop at any time.")
    done = 0
    try:
        for n, item in enumerate(today.items, 1):
            say(f"\n— {n}/{len(today.items)} · {item.title} —")
            started = ws.clock.now()
            if item.kind == "lesson":
                lesson = ws.lesson(item.item_id)
                say(plain_text(lesson["body"]))
                say(f"(Source: {lesson['source']})")
                if lesson["tree"] and prompt("Walk through the decision steps? [y/N] ").strip().lower() == "y":
                    _walk(lesson["tree"], prompt, say)
                prompt("Press Enter when you have read it. ")
                ws.read_lesson(learner, item.item_id, (ws.clock.now() - started).total_seconds())
            elif item.kind == "prompt":
                question = ws.prompt(item.item_id)
                say(question["question"])
                answer = prompt("Your answer: ")
                conf = confidence()
                result = ws.answer_prompt(learner, item.item_id, answer, conf,
                                          (ws.clock.now() - started).total_seconds())
                for p in result.points:
                    mark = "✓" if p.met else "✗"
                    say(f"  {mark} {p.text}" + (f"  — you said “{p.evidence}”" if p.met else ""))
                say(f"Answer: {result.answer}  (Source: {result.source})")
                say("Right — next review later." if result.correct else "Not yet — this comes back soon.")
            else:
                _drill(ws, learner, item.item_id, prompt, confidence, say)
            done += 1
        if any(w.item == "reflection" and w.status in ("pending", "rolled over") for w in today.cadence):
            text = prompt(f"\nWeekly reflection: {REFLECTION_QUESTION} (Enter to skip) ")
            if text.strip():
                ws.reflect(learner, text)
                say("Saved.")
    except _Quit:
        say("\nStopped. Everything you answered is saved.")
    say(f"Done: {done} item(s). See you next time.")
    return 0


def run_drill(ws: Workspace, learner: str, drill_id: str | None = None, ask: Callable[[str], str] | None = None,
              say: Callable[[str], None] = print) -> int:
    """`drillpad drill`: one scenario drill, the learner's next due one unless named."""
    ask = ask or input
    if drill_id is None:
        queued = [i.item_id for i in ws.today(learner).items if i.kind == "drill"]
        drill_id = queued[0] if queued else ws.first_drill(learner)

    def prompt(text: str) -> str:
        reply = ask(text)
        if reply.strip().lower() in ("q", "quit"):
            raise _Quit
        return reply

    def confidence() -> int:
        while (reply := prompt("How sure are you? 1 guess · 2 unsure · 3 fairly sure · 4 certain: ").strip()) not in (
                "1", "2", "3", "4"):
            say("Please type a number from 1 to 4.")
        return int(reply)

    try:
        _drill(ws, learner, drill_id, prompt, confidence, say)
    except (_Quit, EOFError):
        say("Stopped.")
    return 0


def _drill(ws: Workspace, learner: str, drill_id: str, prompt: Callable[[str], str], confidence: Callable[[], int],
           say: Callable[[str], None]) -> None:
    drill = ws.drill(drill_id, ws.profiles.learner(learner).pack_id)
    view = ws.start_drill(learner, drill_id)
    say(f"{view.title}  ({view.note})")
    say(view.situation)
    for choice in drill.choice:
        say(choice.question)
        for i, option in enumerate(choice.options, 1):
            say(f"  {i}. {option}")
        reply = prompt("Choose: ").strip()
        right = reply.isdigit() and int(reply) - 1 == choice.correct
        say("Right." if right else f"Not quite: the answer is “{choice.options[choice.correct]}”.")
    say(view.question)
    first: str | None = None
    for attempt in (1, 2):
        started = ws.clock.now()
        answer = prompt("Your answer: " if first is None else "Add what was missing (what you said before still counts): ")
        g, _ = ws.submit_drill(learner, drill_id, answer, confidence(), (ws.clock.now() - started).total_seconds(),
                               variant_id=view.variant_id, first_answer=first)
        first = answer if first is None else first
        for line in g.feedback:
            say("  " + line)
        if g.needs_review:
            say("Your manager will review this answer: the grade is not final yet.")
            return
        if g.passed:
            say("Well done — that is the procedure.")
            return
        if attempt == 1 and prompt("Try once more with the hints above? [y/N] ").strip().lower() == "y":
            continue
        break
    say(f"Model answer: {drill.model_answer}  (Source: {drill.source})")


def plain_text(markdown: str) -> str:
    """A lesson's Markdown for a terminal: headings underlined, emphasis markers removed."""
    lines = []
    for line in markdown.splitlines():
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            text = heading.group(2).strip()
            lines += [text.upper() if len(heading.group(1)) == 1 else text, "─" * len(text)]
            continue
        lines.append(re.sub(r"(\*\*|__|\*|`)(.+?)\1", r"\2", line))
    return "\n".join(lines)


def _walk(tree: dict, prompt: Callable[[str], str], say: Callable[[str], None]) -> None:
    nodes = {n["id"]: n for n in tree["node"]}
    node = nodes[tree["start"]]
    while node.get("action") is None:
        say(node["text"])
        for i, opt in enumerate(node["options"], 1):
            say(f"  {i}. {opt['label']}")
        reply = prompt("Choose: ").strip()
        if reply.isdigit() and 1 <= int(reply) <= len(node["options"]):
            node = nodes[node["options"][int(reply) - 1]["next"]]
        else:
            say(f"Please type a number from 1 to {len(node['options'])}.")
    say(f"→ {node['action']}")
