"""A scenario drill: the scenario (with where it came from), an optional quick choice, a free-text
answer and how sure you are; then per-criterion feedback with your own words highlighted, what
was missed and why (from the SOP), one retry with hints, the model answer, and "ask my manager".

Grading runs in a worker (the deterministic grader and, when a calibrated judge is enabled, its
second opinion) while "Check my answer" is disabled and says "Checking your answer…"; the result is
stored on the main thread when it returns (SQLite stays in the thread that opened it).
"""

from __future__ import annotations

import json
import re
from html import escape

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPlainTextEdit, QVBoxLayout, QWidget

from drillpad.ui import workers
from drillpad.ui.widgets.common import (
    Card, ConfidencePicker, big_button, heading, save_problem, scrolling_body, stop_button, text,
)


def highlight(answer: str, spans: list[tuple[int, int, str]]) -> str:
    """The answer as HTML with each (start, end, kind) span marked: ✓ words underlined and bold,
    must-not words struck through (shape, not colour alone)."""
    out, at = [], 0
    for start, end, kind in sorted(s for s in spans if 0 <= s[0] < s[1] <= len(answer)):
        if start < at:
            continue
        out.append(escape(answer[at:start]))
        body = escape(answer[start:end])
        out.append(f"<b><u>{body}</u></b>" if kind == "met" else f"<s>{body}</s> ⚠")
        at = end
    out.append(escape(answer[at:]))
    return "".join(out).replace("\n", "<br>")


class DrillScreen(QWidget):
    finished = Signal()
    stop = Signal()
    checked = Signal()  # an answer's check ended (graded and saved, or why not): its feedback is on screen

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.learner_id: str | None = None
        self.view = None
        self.drill = None
        self.attempt = 0
        self.hints = ""
        self.first_answer: str | None = None  # set for the retry, which is graded together with it
        self.last_event: str | None = None
        self.started = None
        self.grading = None
        """While an answer is being checked in a worker: (its DrillGrading, confidence, seconds)."""
        # The title and "Stop for now" at the top, the actions at the bottom: always in view; the scenario,
        # the answer and the feedback scroll between them (small screens, 150 % scaling).
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = heading("", 2)
        top.addWidget(self.title, 1)
        self.stop_button = stop_button()
        self.stop_button.clicked.connect(self.stop.emit)
        top.addWidget(self.stop_button)
        outer.addLayout(top)
        self.scroll, layout = scrolling_body(outer)

        row = QHBoxLayout()
        self.note = text("", selectable=False)
        self.note.setAccessibleName("Where this scenario comes from")
        row.addWidget(self.note, 1)
        self.about = big_button("ℹ About this scenario", "Show where this scenario comes from")
        self.about.clicked.connect(self._show_provenance)
        row.addWidget(self.about)
        layout.addLayout(row)
        self.situation = text("")
        self.situation.setAccessibleName("Scenario")
        font = self.situation.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.situation.setFont(font)
        layout.addWidget(self.situation)

        self.choice_card = Card("Quick check")
        self.choice_question = text("")
        self.choice_card.body.addWidget(self.choice_question)
        self.choice_row = QVBoxLayout()
        self.choice_card.body.addLayout(self.choice_row)
        self.choice_result = text("", selectable=False)
        self.choice_card.body.addWidget(self.choice_result)
        layout.addWidget(self.choice_card)

        self.question = heading("", 3)
        layout.addWidget(self.question)
        self.answer = QPlainTextEdit()
        self.answer.setAccessibleName("Your answer")
        self.answer.setPlaceholderText("Say what you would do, step by step, in your own words.")
        self.answer.setTabChangesFocus(True)
        self.answer.setMinimumHeight(96)
        layout.addWidget(self.answer)
        self.confidence = ConfidencePicker()
        layout.addWidget(self.confidence)

        self.feedback = text("", rich=True)
        self.feedback.setAccessibleName("Feedback")
        layout.addWidget(self.feedback)
        layout.addStretch(1)

        actions = QHBoxLayout()
        self.submit = big_button("Check my answer", primary=True)
        self.submit.clicked.connect(self._submit)
        actions.addWidget(self.submit, 1)
        self.retry = big_button("↻ Try again", "Try again with the hints")
        self.retry.clicked.connect(self._retry)
        self.model_answer = big_button("Show the model answer")
        self.model_answer.clicked.connect(self._show_model_answer)
        self.ask = big_button("Ask my manager to review", "Ask my manager to review this answer")
        self.ask.clicked.connect(self._ask_review)
        self.next = big_button("Next →", "Next item", primary=True)
        self.next.clicked.connect(self.finished.emit)
        for b in (self.retry, self.model_answer, self.ask, self.next):
            actions.addWidget(b)
        outer.addLayout(actions)

    # --- showing ---------------------------------------------------------------------------

    def show_drill(self, learner_id: str, drill_id: str) -> None:
        lr = self.workspace.profiles.learner(learner_id)
        self.learner_id = lr.id
        self.drill = self.workspace.drill(drill_id, lr.pack_id)
        self.view = self.workspace.start_drill(lr.id, drill_id)
        self.attempt = 0
        self.hints = ""
        self.first_answer = None
        self.last_event = None
        self.title.setText(self.view.title)
        self.note.setText(("✦ " if self.view.variant_id else "") + self.view.note)
        self.situation.setText(re.sub(r"(?<!\n)\n(?!\n)", " ", self.view.situation))  # reflow the pack's lines
        self.question.setText(self.view.question)
        self._setup_choices()
        self._reset_answer()
        self.answer.setFocus()

    def _setup_choices(self) -> None:
        while self.choice_row.count():
            item = self.choice_row.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.choice_card.setVisible(bool(self.view.choices))
        self.choice_result.clear()
        if not self.view.choices:
            return
        choice = self.view.choices[0]
        self.choice_question.setText(choice["question"])
        for n, option in enumerate(choice["options"]):
            button = big_button(option)
            button.clicked.connect(lambda _=False, i=n: self._choose(i))
            self.choice_row.addWidget(button)

    def _choose(self, index: int) -> None:
        choice = self.view.choices[0]
        right = index == choice["correct"]
        self.choice_result.setText("✓ Right." if right else
                                   f"✗ Not quite: the answer is “{choice['options'][choice['correct']]}”.")

    def _reset_answer(self, keep_hints: bool = False) -> None:
        self.grading = None  # a result still on its way belongs to an answer no longer here
        self.answer.setReadOnly(False)
        self.answer.clear()
        self.confidence.clear()
        if not keep_hints:
            self.feedback.clear()
        self.submit.setVisible(True)
        self.submit.setEnabled(True)
        for b in (self.retry, self.model_answer, self.ask, self.next):
            b.setVisible(False)
        self.started = self.workspace.clock.now()

    # --- answering -------------------------------------------------------------------------

    def _submit(self) -> None:
        if self.grading is not None:  # a second press while the first answer is being checked: nothing more
            return
        answer = self.answer.toPlainText()
        confidence = self.confidence.value()
        if not answer.strip():
            self.feedback.setText("⚠ Write what you would do first — a few lines are enough.")
            return
        if confidence is None:
            self.feedback.setText("⚠ Choose how sure you are first.")
            return
        seconds = (self.workspace.clock.now() - self.started).total_seconds()
        engine = self.workspace.ai.engine
        judged = engine is not None and self.workspace.ai.judge_enabled(engine, self.view.pack_id)[0]
        grading = self.workspace.prepare_drill(self.learner_id, self.drill.id, answer, self.first_answer)
        drill, pack_id = self.drill, self.view.pack_id

        def job():  # in a worker: the grader, then (when calibrated) the model's second opinion
            grading.run()
            if not judged:
                return None
            from drillpad.drills import judge as judge_mod  # loaded with the first judged answer, not at start

            try:
                return judge_mod.opinion(engine, drill, answer, pack_id=pack_id)
            except Exception as exc:  # noqa: BLE001 - no opinion: the grader's result stands, and says why
                return judge_mod.Opinion(None, str(exc) or type(exc).__name__, "", None, None)

        self.grading = (grading, confidence, seconds)
        self.submit.setEnabled(False)
        self.answer.setReadOnly(True)
        self.feedback.setText("Checking your answer…")
        self.feedback.setToolTip("")
        workers.run(job, self._on_graded, self._on_grading_failed)

    def _on_graded(self, opinion) -> None:
        if self.grading is None or self.learner_id is None:  # another drill, or a lock, came meanwhile
            return
        grading, confidence, seconds = self.grading
        self.grading = None
        if grading.drill.id != self.drill.id or self.workspace.profiles.session is None \
                or self.workspace.profiles.session["learner"] != grading.learner_id:
            return
        self._graded(grading, confidence, seconds, opinion)

    def _on_grading_failed(self, error: str) -> None:
        if self.grading is None:
            return
        self.grading = None
        self.answer.setReadOnly(False)
        self.submit.setEnabled(True)
        self.feedback.setText("⚠ Your answer could not be checked. It is still here: press “Check my answer” again.")
        self.feedback.setToolTip(error)  # the detail for whoever helps, never in the trainee's words
        self.checked.emit()

    def _graded(self, grading, confidence: int, seconds: float, opinion) -> None:
        answer = grading.answer
        try:
            g, self.last_event = self.workspace.submit_drill(self.learner_id, self.drill.id, answer, confidence,
                                                             seconds, variant_id=self.view.variant_id, opinion=opinion,
                                                             first_answer=self.first_answer, graded=grading)
        except Exception as exc:  # noqa: BLE001 - a full disk is told in plain words; anything else is a bug
            if (problem := save_problem(exc)) is None:
                raise
            self.feedback.setText(f"<p><b>⚠ {escape(problem, quote=False)}</b></p>" + self.hints)
            self.answer.setReadOnly(False)
            self.submit.setEnabled(True)  # the answer and confidence stay, for another try
            self.checked.emit()
            return
        self.attempt += 1
        spans = [(c.start, c.end, "met") for c in g.criteria.values() if c.met]
        spans += [(v.start, v.end, "violation") for v in g.violations]
        parts = []
        if g.needs_review:
            parts.append("<p><b>◷ Pending — your manager will review this answer.</b> The check was not sure, so "
                         "it is not counted as a pass or a fail until a person has looked at it.</p>")
        elif g.passed:
            parts.append("<p><b>✓ Well done — that is the procedure.</b></p>")
        else:
            parts.append("<p><b>Not yet.</b> Here is what the SOP asks for:</p>")
        parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in g.feedback) + "</ul>")
        parts.append(f"<p><b>Your answer</b> (the words that counted are <b><u>underlined</u></b>):<br>"
                     f"{highlight(answer, spans)}</p>")
        self.feedback.setText("".join(parts))
        self.answer.setReadOnly(True)
        self.submit.setVisible(False)
        can_retry = not g.passed and not g.needs_review and self.attempt == 1
        self.hints = ("<p><b>Hints for this try</b> — what was missing:</p><ul>"
                      + "".join(f"<li>{escape(line)}</li>" for line in g.feedback) + "</ul>") if can_retry else ""
        self.retry.setVisible(can_retry)
        self.model_answer.setVisible(not g.passed)
        self.ask.setVisible(not g.needs_review)
        self.ask.setEnabled(True)
        self.next.setVisible(True)
        self.next.setText("Skip for now →" if can_retry else "Next →")
        primary = self.retry if can_retry else self.next  # after a wrong answer the main action is to try again
        for button in (self.retry, self.next):
            button.setDefault(button is primary)
            font = button.font()
            font.setBold(button is primary)
            button.setFont(font)
        primary.setFocus()
        QTimer.singleShot(0, lambda: self.scroll.verticalScrollBar().setValue(self.feedback.y() - 8))
        self.checked.emit()

    def _retry(self) -> None:
        """The second try: the answer back to edit, with the missed steps and hints still in view. It is
        graded together with the first answer, so what was right stays right even if it is deleted."""
        previous = self.answer.toPlainText()
        self._reset_answer(keep_hints=True)
        self.first_answer = previous
        self.feedback.setText(self.hints + "<p>Add what was missing, or change your answer. What you got right "
                              "the first time still counts.</p>")
        self.answer.setPlainText(previous)
        self.answer.setFocus()

    def _show_model_answer(self) -> None:
        self.feedback.setText(self.feedback.text() + f"<p><b>Model answer:</b> {escape(self.drill.model_answer)}"
                              f"<br><i>Source: {escape(self.drill.source)}</i></p>")
        self.model_answer.setVisible(False)
        self.retry.setVisible(False)

    def _ask_review(self) -> None:
        if self.last_event:
            self.workspace.request_review(self.learner_id, self.last_event)
            self.ask.setEnabled(False)
            self.ask.setText("Queued for your manager")  # it leaves this computer with the next sync
            self.ask.setToolTip("Your manager gets it with the next sync.")

    def provenance_text(self) -> str:
        if self.view is None or self.view.provenance is None:
            return (f"This is the written scenario from {self.drill.source}, approved with the content pack. "
                    "No AI was used.")
        p = self.view.provenance
        gate = p.get("gate", {}).get("checks", {})
        checks = "\n".join(f"  {'✓' if c['passed'] else '✗'} {name}: {c['detail']}" for name, c in gate.items())
        return (f"This scenario was adapted by the local AI model from {self.drill.source} and passed DrillPad's "
                f"quality checks before you saw it.\n\nModel: {p.get('model')}\nModel sha256: {p.get('model_sha256')}"
                f"\nGeneration id: {p.get('generation_id')}\nMade: {p.get('created_at')}\nSources: "
                f"{', '.join(p.get('sources', []))}\nChecks:\n{checks}")

    def _show_provenance(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("About this scenario")
        box.setText(self.provenance_text())
        box.setDetailedText(json.dumps(self.view.provenance or {}, indent=2) if self.view else "")
        box.open()
