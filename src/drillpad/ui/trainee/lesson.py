"""A lesson: the approved SOP text from Markdown at a readable size (≤ 5 minutes), and its
decision tree walked one question at a time."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QTextBrowser, QVBoxLayout, QWidget

from drillpad.ui.widgets.common import Card, big_button, heading, stop_button, text
from drillpad.ui.widgets.icons import stopwatch


def without_title(markdown: str, title: str) -> str:
    """The lesson's Markdown without a first heading that repeats its title (shown once, above it)."""
    lines = markdown.lstrip().splitlines()
    if lines and lines[0].startswith("#") and lines[0].lstrip("#").strip().lower() == title.strip().lower():
        return "\n".join(lines[1:]).lstrip()
    return markdown


class LessonScreen(QWidget):
    finished = Signal(str, float)  # lesson id, seconds
    stop = Signal()

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.lesson: dict | None = None
        self.started = None
        layout = QVBoxLayout(self)
        self.title = heading("")
        self.meta = text("", selectable=False)
        layout.addWidget(self.title)
        timed = QHBoxLayout()
        timed.addWidget(stopwatch())
        timed.addWidget(self.meta, 1)
        layout.addLayout(timed)
        self.body = QTextBrowser()
        self.body.setAccessibleName("Lesson text")
        self.body.setOpenExternalLinks(False)
        layout.addWidget(self.body, 3)
        self.tree_card = Card("Decide step by step")
        self.tree_text = text("")
        self.tree_text.setAccessibleName("Decision tree question")
        self.tree_card.body.addWidget(self.tree_text)
        self.tree_buttons = QHBoxLayout()
        self.tree_card.body.addLayout(self.tree_buttons)
        layout.addWidget(self.tree_card, 1)
        self.problem = text("", selectable=False)
        self.problem.setAccessibleName("Problem")
        self.problem.setVisible(False)
        layout.addWidget(self.problem)
        actions = QHBoxLayout()
        self.stop_button = stop_button()
        self.stop_button.clicked.connect(self.stop.emit)
        actions.addWidget(self.stop_button)
        self.done = big_button("✓ I've read it", "I have read the lesson", primary=True)
        self.done.clicked.connect(self._done)
        actions.addWidget(self.done, 1)
        layout.addLayout(actions)

    def show_problem(self, message: str) -> None:
        self.problem.setText("⚠ " + message)
        self.problem.setVisible(True)

    def show_lesson(self, lesson_id: str, pack_id: str) -> None:
        self.lesson = self.workspace.lesson(lesson_id, pack_id)
        self.problem.setVisible(False)
        self.started = self.workspace.clock.now()
        self.title.setText(self.lesson["title"])
        self.meta.setText(f"About {max(1, round(self.lesson['reading_minutes']))} min · Source: {self.lesson['source']}")
        self.body.setMarkdown(without_title(self.lesson["body"], self.lesson["title"]))
        font = self.body.font()
        font.setPointSizeF(max(font.pointSizeF(), 13))
        self.body.setFont(font)
        tree = self.lesson["tree"]
        self.tree_card.setVisible(tree is not None)
        if tree:
            self._nodes = {n["id"]: n for n in tree["node"]}
            self._go(tree["start"], keep_focus=False)
        self.body.setFocus()

    def _go(self, node_id: str, keep_focus: bool = True) -> None:
        """Show a node of the tree; after a choice, the focus moves to the first new button (the one
        chosen is gone, and the keyboard must not lose its place)."""
        node = self._nodes[node_id]
        while self.tree_buttons.count():
            item = self.tree_buttons.takeAt(0)
            if item.widget():
                item.widget().hide()
                item.widget().deleteLater()
        if node.get("action"):
            self.tree_text.setText(f"→ {node['action']}")
            again = big_button("Start again", "Walk the decision tree again")
            again.clicked.connect(lambda: self._go(self.lesson["tree"]["start"]))
            self.tree_buttons.addWidget(again)
            if keep_focus:
                again.show()
                again.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.tree_text.setText(node["text"])
        first = None
        for opt in node["options"]:
            button = big_button(opt["label"])
            button.clicked.connect(lambda _=False, n=opt["next"]: self._go(n))
            self.tree_buttons.addWidget(button)
            first = first or button
        if keep_focus and first is not None:
            first.show()
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _done(self) -> None:
        if self.lesson is None:
            return
        seconds = (self.workspace.clock.now() - self.started).total_seconds() if self.started else None
        self.finished.emit(self.lesson["id"], seconds or 0.0)
