"""My progress: where each task is on the learn → rehearse → perform journey, the rubric level
per behaviour with the evidence behind it, and charts over time (people would rather look
than read)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from drillpad.core.dates import day_text
from drillpad.ui import workers
from drillpad.ui.widgets.common import Card, big_button, heading, text

STAGES = ("learn", "rehearse", "perform")


def journey_line(stage: str) -> str:
    """learn ✓ → rehearse ● → perform ○ : done, here, not yet — in symbols and words."""
    here = STAGES.index(stage) if stage in STAGES else -1
    marks = []
    for n, name in enumerate(STAGES):
        mark = "✓" if n < here or stage == "done" else ("●" if n == here else "○")
        marks.append(f"{mark} {name}")
    return " → ".join(marks)


class ProgressScreen(QWidget):
    back = Signal()
    loaded = Signal()  # the learner's progress is painted (it is gathered in a worker)

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.learner_id: str | None = None
        self.ready = False
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("My progress"), 1)
        back = big_button("← Back to today", "Back to today (Esc)")
        back.clicked.connect(self.back.emit)
        top.addWidget(back)
        outer.addLayout(top)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back.emit)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # The scroll bar from the start: the learner's data arrives after the screen is shown and makes it longer;
        # a scroll bar appearing then laid out and painted every card and chart again at a narrower width. (The
        # main thread's CPU for a first visit, 24–44 ms on a busy PC, did not separate from the noise in repeats.)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        host = QWidget()
        self.body = QVBoxLayout(host)
        scroll.setWidget(host)
        outer.addWidget(scroll, 1)
        self.charts = QHBoxLayout()
        self.body.addLayout(self.charts)
        self.chart_widgets = self._make_charts()
        skills = Card("Your skills map: what good looks like")
        self.skills = text("", rich=True)
        self.skills.setAccessibleName("Skills map")
        skills.body.addWidget(self.skills)
        self.body.addWidget(skills)
        journeys = Card("Tasks: learn → rehearse → perform")
        self.journeys = text("", rich=True)
        self.journeys.setAccessibleName("Journey per task")
        journeys.body.addWidget(self.journeys)
        self.body.addWidget(journeys)
        levels = Card("Skills: your level and the evidence")
        self.levels = text("", rich=True)
        self.levels.setAccessibleName("Rubric level per behaviour")
        levels.body.addWidget(self.levels)
        self.body.addWidget(levels)
        self.body.addStretch(1)

    def _make_charts(self) -> dict:
        from drillpad.ui.widgets.charts import LineChart, PairedBarChart

        charts = {"accuracy": LineChart(), "delayed": LineChart(), "confidence": PairedBarChart()}
        charts["accuracy"].setAccessibleName("Answers right, by week")
        charts["delayed"].setAccessibleName("Remembered a week later, by week")
        charts["confidence"].setAccessibleName("How sure you were and how often you were right")
        for chart in charts.values():
            self.charts.addWidget(chart)
        return charts

    def show_for(self, learner_id: str) -> None:
        """Gather the learner's progress in a worker (on a read-only connection of its own) and paint it when it
        arrives; meanwhile the screen says so and shows nobody's data."""
        self.learner_id = learner_id
        self.ready = False
        self.chart_widgets["accuracy"].set_data("", [])  # nobody's data while this learner's is read
        self.chart_widgets["delayed"].set_data("", [])
        self.chart_widgets["confidence"].set_data("", ("", ""), [])
        self.skills.setText("Loading your progress…")
        self.skills.setToolTip("")
        self.journeys.clear()
        self.levels.clear()
        workspace = self.workspace

        def gather() -> tuple:  # in a worker
            with workspace.reading() as ws:
                lr = ws.profiles.learner(learner_id)
                role = next((r for r in ws.roles() if r.pack_id == lr.pack_id and r.id == lr.role_id), None)
                return learner_id, ws.progress(lr.id), role, ws.journeys(lr.id), ws.competency(lr.id)

        workers.run(gather, self._show, self._failed)

    def _failed(self, error: str) -> None:
        self.skills.setText("⚠ Your progress could not be read. Go back and open it again; if it happens again, tell "
                            "your supervisor.")
        self.skills.setToolTip(error)  # the detail for whoever helps, never in the trainee's words

    def _show(self, gathered: tuple) -> None:
        learner_id, p, role, journeys, competency = gathered
        if learner_id != self.learner_id:  # someone else's, or a lock came meanwhile
            return
        labels = [day_text(w.week).split(" ", 1)[1] for w in p.weeks]  # "3 Dec"
        self.chart_widgets["accuracy"].set_data("Answers right, by week",
                                                list(zip(labels, [w.accuracy for w in p.weeks])))
        self.chart_widgets["delayed"].set_data("Remembered a week later",
                                               list(zip(labels, [w.delayed for w in p.weeks])))
        self.chart_widgets["confidence"].set_data(
            "How sure you were vs. how often right", ("how sure", "how often right"),
            [(f"{c}", c / 4 if c < 4 else 0.95, value) for c, (value, _n) in p.confidence.items()])
        if role is not None:
            self.skills.setText(f"<p>{escape(role.title)} — <i>{escape(role.approval)}</i></p><ol>" + "".join(
                f"<li><b>{escape(t.title)}</b>: {escape(t.what_good_looks_like)}</li>" for t in role.tasks) + "</ol>")
        else:
            self.skills.clear()
        rows = []
        for title, j in journeys:
            why = "; ".join(j.reasons) or "not started"
            rows.append(f"<p><b>{escape(title)}</b><br>{journey_line(j.stage)}<br><i>{escape(why)}</i></p>")
        self.journeys.setText("".join(rows))
        levels = []
        for b in competency:
            ready = " — <b>ready for sign-off</b> (your manager decides)" if b.ready_for_signoff else ""
            signed = (f" — ✓ signed off at level {b.signed_off['level']} by {escape(b.signed_off['by'])}"
                      if b.signed_off else "")
            evidence = "".join(f"<li>{'✓' if e.counts else '–'} {escape(day_text(e.when))}: {escape(e.description)}"
                               + ("" if e.counts else f" <i>({escape(e.why_not)})</i>") + "</li>"
                               for e in b.evidence[-5:])
            levels.append(f"<p><b>{escape(b.title)}</b>: level {b.level} · {escape(b.level_name)}{ready}{signed}<br>"
                          f"Demonstrations: {b.counted} of {b.required}</p><ul>{evidence}</ul>")
        self.levels.setText("".join(levels) or "No skills defined for this role.")
        self.ready = True
        self.loaded.emit()
