"""A recall prompt: answer from memory, say how sure you are, then see what you got and the
approved answer with its source.

The answer is graded in a worker (as a drill answer is) while "Check my answer" is disabled and says
"Checking your answer…"; the result is recorded and shown when it arrives, unless a lock or another
prompt came meanwhile."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QVBoxLayout, QWidget

from drillpad.ui import workers
from drillpad.ui.widgets.common import (
    ConfidencePicker, big_button, heading, save_problem, scrolling_body, stop_button, text,
)


class RecallScreen(QWidget):
    finished = Signal()
    stop = Signal()
    checked = Signal()  # an answer's check ended (graded and saved, or why not): its result is on screen

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.learner_id: str | None = None
        self.prompt: dict | None = None
        self.started = None
        self.grading: tuple | None = None
        """While an answer is being graded in a worker: (its PromptGrading, confidence, seconds)."""
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("Recall", 2), 1)
        self.stop_button = stop_button()
        self.stop_button.clicked.connect(self.stop.emit)
        top.addWidget(self.stop_button)
        outer.addLayout(top)
        # the question, the answer and the result scroll; "Check my answer" and "Next" stay in view below
        self.scroll, layout = scrolling_body(outer)
        self.question = heading("", 3)
        layout.addWidget(self.question)
        self.answer = QPlainTextEdit()
        self.answer.setAccessibleName("Your answer")
        self.answer.setPlaceholderText("Answer in your own words, from memory.")
        self.answer.setTabChangesFocus(True)
        self.answer.setMinimumHeight(96)
        layout.addWidget(self.answer, 1)
        self.confidence = ConfidencePicker()
        layout.addWidget(self.confidence)
        self.result = text("", rich=True)
        self.result.setAccessibleName("Result")
        layout.addWidget(self.result)
        actions = QHBoxLayout()
        self.check = big_button("Check my answer", primary=True)
        self.check.clicked.connect(self._check)
        actions.addWidget(self.check, 1)
        self.next = big_button("Next →", "Next item", primary=True)
        self.next.clicked.connect(self.finished.emit)
        actions.addWidget(self.next, 1)
        outer.addLayout(actions)

    def show_prompt(self, learner_id: str, prompt_id: str, pack_id: str) -> None:
        self.learner_id = learner_id
        self.prompt = self.workspace.prompt(prompt_id, pack_id)
        self.started = self.workspace.clock.now()
        self.grading = None  # a result still on its way belongs to an answer no longer here
        self.check.setEnabled(True)
        self.question.setText(self.prompt["question"])
        self.answer.clear()
        self.answer.setReadOnly(False)
        self.confidence.clear()
        self.result.clear()
        self.check.setVisible(True)
        self.next.setVisible(False)
        self.answer.setFocus()

    def _check(self) -> None:
        if self.grading is not None:  # a second press while the first answer is being checked: nothing more
            return
        confidence = self.confidence.value()
        if not self.answer.toPlainText().strip():
            self.result.setText("⚠ Write an answer first — a few words are enough.")
            return
        if confidence is None:
            self.result.setText("⚠ Choose how sure you are first.")
            return
        seconds = (self.workspace.clock.now() - self.started).total_seconds()
        grading = self.workspace.prepare_prompt(self.learner_id, self.prompt["id"], self.answer.toPlainText())
        self.grading = (grading, confidence, seconds)
        self.check.setEnabled(False)
        self.answer.setReadOnly(True)
        self.result.setText("Checking your answer…")
        self.result.setToolTip("")
        workers.run(grading.run, self._on_graded, self._on_grading_failed)

    def _on_graded(self, _grade) -> None:
        if self.grading is None or self.learner_id is None:  # another prompt, or a lock, came meanwhile
            return
        grading, confidence, seconds = self.grading
        self.grading = None
        session = self.workspace.profiles.session
        if grading.prompt["id"] != (self.prompt or {}).get("id") or session is None \
                or session["learner"] != grading.learner_id:
            return
        try:
            r = self.workspace.answer_prompt(self.learner_id, grading.prompt["id"], grading.answer, confidence,
                                             seconds, graded=grading)
        except Exception as exc:  # noqa: BLE001 - a full disk is told in plain words; anything else is a bug
            if (problem := save_problem(exc)) is None:
                raise
            self._editable()
            self.result.setText("⚠ " + escape(problem, quote=False))  # the answer and confidence stay, for another try
            self.checked.emit()
            return
        points = "".join(f"<li>{'✓' if p.met else '✗'} {escape(p.text)}"
                         + (f" — you wrote “{escape(p.evidence)}”" if p.met else " — missing") + "</li>"
                         for p in r.points)
        verdict = "✓ Right — it comes back later." if r.correct else "Not yet — this comes back soon."
        self.result.setText(f"<p><b>{verdict}</b></p><ul>{points}</ul><p><b>Answer:</b> {escape(r.answer)}<br>"
                            f"<i>Source: {escape(r.source)}</i></p>")
        self.answer.setReadOnly(True)
        self.check.setVisible(False)
        self.next.setVisible(True)
        self.next.setFocus()
        self.checked.emit()

    def _on_grading_failed(self, error: str) -> None:
        if self.grading is None:
            return
        self.grading = None
        self._editable()
        self.result.setText("⚠ Your answer could not be checked. It is still here: press “Check my answer” again.")
        self.result.setToolTip(error)  # the detail for whoever helps, never in the trainee's words
        self.checked.emit()

    def _editable(self) -> None:
        self.answer.setReadOnly(False)
        self.check.setEnabled(True)
