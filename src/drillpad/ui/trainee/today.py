"""Today: practice plans from the manager at the top, the queue with minutes, this week's cadence
card (what is done, in words), and one clear Start button.

The learner's day is gathered in a worker on a read-only connection of its own (reading the queue validates
the pack's drills, 50–220 ms of the main thread on a busy PC) and painted when it arrives; meanwhile the
screen says so, shows nobody's items, and Start waits."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from drillpad.core.dates import day_text
from drillpad.ui import workers
from drillpad.ui.widgets.common import Card, big_button, heading, text
from drillpad.core.words import count_text
from drillpad.ui.widgets.icons import stopwatch, with_lock

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
    loaded = Signal()  # the learner's day is painted (it is gathered in a worker)

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.learner_id: str | None = None
        self.ready = False
        self.items: list = []
        """The queue on screen (what Start begins with), once painted."""
        self._asked = 0  # which show_for the arriving data answers (an older one is dropped)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = heading("Today")
        top.addWidget(self.title, 1)
        for label, signal, name in (("My progress", self.show_progress, "Show my progress"),
                                    ("About my data", self.show_data, "About my data"),
                                    ("Lock", self.lock, "Lock and go back to the names")):
            button = big_button(label, name)
            if label == "Lock":
                with_lock(button)
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
        timed = QHBoxLayout()
        timed.addWidget(stopwatch())
        timed.addWidget(self.summary, 1)
        queue_box.body.addLayout(timed)
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
        """Gather the learner's day in a worker and paint it when it arrives; meanwhile nobody's items show and
        Start is disabled."""
        if learner_id != self.learner_id:
            self.show_notice("")
        self.learner_id = learner_id
        self.ready = False
        self.items = []
        self._asked += 1
        asked = self._asked
        self.title.setText("Today")
        self.plans.clear()
        self.plans.setVisible(False)
        self.queue.clear()
        self.summary.setText("Loading today's practice…")
        self.summary.setToolTip("")
        self.start_button.setEnabled(False)
        self.week.clear()
        self.reflect_button.setVisible(False)
        workspace = self.workspace

        def gather() -> tuple:  # in a worker
            with workspace.reading() as ws:
                today = ws.today(learner_id)
                plans = ws.plans(learner_id)
                titles = ws.drill_titles(ws.profiles.learner(learner_id).pack_id) if plans else {}
                return asked, learner_id, today, plans, titles

        workers.run(gather, self._show, self._failed)

    def _failed(self, error: str) -> None:
        self.summary.setText("⚠ Today's practice could not be read. Lock and unlock to try again; if it happens again, "
                             "tell your supervisor.")
        self.summary.setToolTip(error)  # the detail for whoever helps, never in the trainee's words

    def _show(self, gathered: tuple) -> None:
        asked, learner_id, today, plans, titles = gathered
        if asked != self._asked or learner_id != self.learner_id:  # shown again, someone else's, or a lock came
            return
        self.title.setText(f"Today for {today.learner.split()[0]}")
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
            self.summary.setText(f"{count_text(len(today.items), 'item')}, about {today.minutes:g} of your "
                                 f"{today.budget_minutes:g} minutes.")
        else:
            self.summary.setText("Nothing due today. Well done — come back tomorrow.")
        self.items = list(today.items)
        self.start_button.setEnabled(bool(today.items))
        self.week.setText("<br>".join(
            f"{STATUS.get(w.status, w.status)} — {CADENCE.get(w.item, w.item)}" for w in today.cadence))
        self.reflect_button.setVisible(any(w.item == "reflection" and w.status in ("pending", "rolled over")
                                           for w in today.cadence))
        if self.isVisible():
            self.start_button.setFocus()
        self.ready = True
        self.loaded.emit()
