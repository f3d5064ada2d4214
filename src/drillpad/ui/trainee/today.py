"""Today: practice plans from the manager at the top, the queue with minutes, this week's cadence
card (what is done, in words), and one clear Start button."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from drillpad.core.dates import day_text
from drillpad.ui.widgets.common import Card, big_button, heading, text

KIND = {"lesson": "Learn", "prompt": "Recall", "drill": "Scenario"}
CADENCE = {"prompt": "A recall prompt", "scenario": "A scenario drill", "reflection": "A reflection",
           "checkin": "A check-in with your manager"}
STATUS = {"done": "✓ done", "done late": "✓ done (late)", "pending": "○ to do", "rolled over": "↻ from last week", "missed": "– missed"}


class TodayScreen(QWidget):
    start = Signal()
    show_progress = Signal()
    show_data = Signal()
    reflect = Signal()
    lock = Signal()

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.learner_id: str | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = heading("Today")
        top.addWidget(self.title, 1)
        for label, signal, name in (("My progress", self.show_progress, "Show my progress"),
                                    ("About my data", self.show_data, "About my data"),
                                    ("Lock", self.lock, "Lock and go back to the names")):
            button = big_button(label, name)
            button.clicked.connect(signal.emit)
            top.addWidget(button)
        layout.addLayout(top)
        self.notice = text("", selectable=False)
        self.notice.setAccessibleName("Notice")
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.plans = text("", rich=True)
        self.plans.setAccessibleName("Practice plans from your manager")
        layout.addWidget(self.plans)
        body = QHBoxLayout()
        queue_box = Card("Your practice today")
        self.summary = text("", selectable=False)
        queue_box.body.addWidget(self.summary)
        self.queue = QListWidget()
        self.queue.setAccessibleName("Today's practice items")
        self.queue.setWordWrap(True)
        self.queue.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.queue.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.queue.setStyleSheet("QListWidget::item { padding: 10px; }")
        queue_box.body.addWidget(self.queue, 1)
        self.start_button = big_button("▶ Start", "Start today's practice", primary=True)
        self.start_button.clicked.connect(self.start.emit)
        queue_box.body.addWidget(self.start_button)
        body.addWidget(queue_box, 3)
        week_box = Card("This week")
        self.week = text("", rich=True)
        self.week.setAccessibleName("This week's practice rhythm")
        week_box.body.addWidget(self.week)
        self.reflect_button = big_button("Write my reflection", "Write this week's reflection")
        self.reflect_button.clicked.connect(self.reflect.emit)
        week_box.body.addWidget(self.reflect_button)
        week_box.body.addStretch(1)
        body.addWidget(week_box, 2)
        layout.addLayout(body, 1)

    def show_notice(self, message: str) -> None:
        """Something the learner must know on arrival (wrong PIN attempts since their last visit)."""
        self.notice.setText(message)
        self.notice.setVisible(bool(message))

    def show_for(self, learner_id: str) -> None:
        if learner_id != self.learner_id:
            self.show_notice("")
        self.learner_id = learner_id
        today = self.workspace.today(learner_id)
        self.title.setText(f"Today for {today.learner.split()[0]}")
        plans = self.workspace.plans(learner_id)
        titles = self.workspace.drill_titles(self.workspace.learner(learner_id).pack_id) if plans else {}
        self.plans.setVisible(bool(plans))
        self.plans.setText("".join(
            f"<p><b>Practice plan from {escape(p.by)}:</b> {escape(p.task_title)}"
            + (f" — scenario “{escape(titles.get(p.drill, p.drill))}”" if p.drill else "")
            + f"; you meet again on <b>{escape(day_text(p.follow_up))}</b>. {escape(p.note)}</p>" for p in plans[:2]))
        self.queue.clear()
        for item in today.items:
            row = QListWidgetItem(f"{KIND[item.kind]} · {item.minutes:g} min — {item.title}")
            row.setToolTip(item.reason)
            self.queue.addItem(row)
        if today.items:
            self.summary.setText(f"{len(today.items)} item(s), about {today.minutes:g} of your "
                                 f"{today.budget_minutes:g} minutes.")
        else:
            self.summary.setText("Nothing due today. Well done — come back tomorrow.")
        self.start_button.setEnabled(bool(today.items))
        self.week.setText("<br>".join(
            f"{STATUS.get(w.status, w.status)} — {CADENCE.get(w.item, w.item)}" for w in today.cadence))
        self.reflect_button.setVisible(any(w.item == "reflection" and w.status in ("pending", "rolled over")
                                           for w in today.cadence))
        self.start_button.setFocus()
