"""Manager mode: the team at a glance, attempts waiting for a human, coaching prep, cohort gaps,
calibration with other managers, sign-off, and the devices that send evidence.

Unlocked with the manager key's passphrase; everything shown comes from ``ManagerDesk`` and
``Workspace.evidence`` (no rules, no SQL here). Levels are written as numbers and names, not
only as colours.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListView,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from drillpad.core.dates import day_text
from drillpad.core.words import count_text
from drillpad.manager import ManagerDesk
from drillpad.ui.manager.lists import PagedListModel, RowsTableModel
from drillpad.ui.widgets.common import MIN_TARGET, Card, big_button, heading, text
from drillpad.workspace import LearningError

# Opaque tints per level, one set for light and one for dark palettes, each with text ≥ 4.5:1 on it (dark
# text on the light tints, white on the dark ones); the number and name are always written too.
LEVEL_TINT_LIGHT = {1: "#f6c9c7", 2: "#fbe0b8", 3: "#f6eeb0", 4: "#c8e8c8", 5: "#a9dcbf"}
LEVEL_TINT_DARK = {1: "#7d2422", 2: "#7a4a0c", 3: "#5f5510", 4: "#2d5e2d", 5: "#1c5a3a"}


def _dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def _tint(level: int, palette: QPalette) -> QBrush:
    return QBrush(QColor((LEVEL_TINT_DARK if _dark(palette) else LEVEL_TINT_LIGHT).get(level, "#808080")))


def _ink(palette: QPalette) -> QBrush:
    return QBrush(QColor("#ffffff" if _dark(palette) else "#1a1a1a"))


def _empty(layout) -> None:
    """Remove everything from *layout* now (hidden at once: a widget only deleted later still paints)."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        elif item.layout() is not None:
            _empty(item.layout())


def _wrap(text_: str, metrics, width: int) -> str:
    """*text_* broken into lines no wider than *width* pixels (a word wider than that gets a line of its own)."""
    lines: list[str] = []
    for word in text_.split():
        if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _fit(widget: QWidget, layout) -> None:
    """Content rebuilt inside a scroll area: never squeeze it below its natural height (it scrolls instead)."""
    layout.activate()
    widget.setMinimumHeight(layout.sizeHint().height())


def _scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area


class ManagerScreen(QWidget):
    leave = Signal()

    def __init__(self, workspace, keys, manager_name: str = "manager", parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.keys = workspace, keys
        self.desk = ManagerDesk(workspace, manager_name)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        team = workspace.evidence.team() or {}
        top.addWidget(heading(f"Manager — {team.get('name', 'this workstation')}"), 1)
        self.leave_button = big_button("Leave manager mode", "Leave manager mode and lock")
        self.leave_button.clicked.connect(self.leave.emit)
        top.addWidget(self.leave_button)
        layout.addLayout(top)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Manager sections")
        layout.addWidget(self.tabs, 1)
        self.team = TeamTab(self)
        self.review = ReviewTab(self)
        self.coaching = CoachingTab(self)
        self.gaps = GapsTab(self)
        self.calibration = CalibrationTab(self)
        self.devices = DevicesTab(self)
        self.people = PeopleTab(self)
        self.lrs = LrsTab(self)
        for tab, title in ((self.team, "&Team"), (self.review, "Needs &review"), (self.coaching, "&Coaching"),
                           (self.gaps, "Cohort &gaps"), (self.calibration, "Ca&libration"),
                           (self.devices, "&Devices and sync"), (self.people, "&People and PINs"),
                           (self.lrs, "Organisation's &LRS")):
            self.tabs.addTab(tab, title)
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        self.tabs.currentWidget().refresh()
        count = self.desk.needs_review_count()
        self.tabs.setTabText(1, f"Needs &review ({count})" if count else "Needs &review")

    def error(self, exc: Exception) -> None:
        QMessageBox.warning(self, "DrillPad", sentence(str(exc)))


# --- team overview ----------------------------------------------------------------------------


class TeamTab(QWidget):
    """One role at a time: its behaviours are the columns (roles have different rubrics)."""

    def __init__(self, screen: ManagerScreen):
        super().__init__()
        self.screen = screen
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(text("Role:", selectable=False))
        self.role = QComboBox()
        self.role.setAccessibleName("Role shown in the heat-map")
        self.role.setMinimumHeight(MIN_TARGET)
        self.role.currentIndexChanged.connect(lambda _i: self._fill())
        row.addWidget(self.role, 1)
        layout.addLayout(row)
        layout.addWidget(text("Rubric level per behaviour (1 needs guidance … 5 independent and consistent). "
                              "Double-click a cell (or press Enter) to see the evidence and to sign off.",
                              selectable=False))
        self.model = RowsTableModel(self._cell)  # the view draws only the rows on screen
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move inside it
        self.table.setAccessibleName("Team heat-map: learners by behaviours")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        # one signal: a double-click also "activates" the cell, and both opened a dialog each
        self.table.activated.connect(lambda index: self._open(index.row(), index.column()))
        self._opening = False
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(3 * self.fontMetrics().lineSpacing() + 8)
        layout.addWidget(self.table, 1)
        self.summary = text("")
        layout.addWidget(self.summary)
        self.all_rows = []
        self.rows = []
        self.behaviours: list[tuple[str, str]] = []

    def refresh(self) -> None:
        self.all_rows = self.screen.desk.team_overview()
        current = self.role.currentText()
        roles = sorted({r.role for r in self.all_rows})
        self.role.blockSignals(True)
        self.role.clear()
        self.role.addItems(roles)
        if roles:  # the role shown before, else the one with most learners
            largest = max(roles, key=lambda role: sum(1 for r in self.all_rows if r.role == role))
            self.role.setCurrentText(current if current in roles else largest)
        self.role.blockSignals(False)
        self._fill()
        ready = sum(1 for r in self.all_rows if r.ready)
        stuck = sum(1 for r in self.all_rows if r.stuck)
        self.summary.setText(f"{count_text(len(self.all_rows), 'learner')} in {count_text(len(roles), 'role')}; {ready} ready for sign-off; "
                             f"{stuck} need attention." if self.all_rows else "No learners yet: import evidence from "
                             "the workstations (Devices and sync).")

    def _fill(self) -> None:
        self.rows = [r for r in self.all_rows if r.role == self.role.currentText()]
        behaviours: list[tuple[str, str]] = []
        for r in self.rows:
            for b in r.levels:
                if (b.id, b.title) not in behaviours:
                    behaviours.append((b.id, b.title))
        self.behaviours = behaviours
        fixed = ["Ready for sign-off", "Check-in this week", "Needs attention"]  # what a manager acts on first
        # each header wrapped to its column's width in pixels (wrapped at 18 characters in a 14-character column, a
        # title lost its edges); a single word wider than the column widens it
        header = self.table.horizontalHeader()
        metrics, base = header.fontMetrics(), 14 * self.fontMetrics().averageCharWidth() + 16
        headers, widths = [], []
        for title in [t for _, t in behaviours] + fixed:
            width = max([base] + [metrics.horizontalAdvance(word) + 16 for word in title.split()])
            headers.append(_wrap(title, metrics, width - 16))
            widths.append(width)
        self.model.set_rows(self.rows, headers, [r.name for r in self.rows])
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)

    def _cell(self, r, column: int, role: int):
        import textwrap

        n = len(self.behaviours)
        if column < n:
            b = next((b for b in r.levels if b.id == self.behaviours[column][0]), None)
            if role == Qt.ItemDataRole.DisplayRole:
                if b is None:
                    return "—"
                mark = "\n✔ signed off" if b.source_of_level == "signoff" else ("\n★ ready" if b.ready_for_signoff else "")
                return f"{b.level} {b.level_name}\n{b.counted}/{b.required} demos{mark}"
            if role == Qt.ItemDataRole.BackgroundRole and b is not None:
                return _tint(b.level, self.palette())
            if role == Qt.ItemDataRole.ForegroundRole and b is not None:
                return _ink(self.palette())  # readable on the tint in light and dark palettes
            if role == Qt.ItemDataRole.ToolTipRole and b is not None:
                rate = f", {b.success_rate:.0%} of them succeeded" if b.success_rate is not None else ""
                return (f"{b.counted} of {b.required} demonstrations counted; {count_text(b.attempts, 'judged attempt')}{rate}. "
                        "Double-click or press Enter for the evidence.")
            return None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == n:
            return "\n".join(textwrap.wrap(", ".join(r.ready), 24)) or "—"
        if column == n + 1:
            return "✓ done" if r.checkin_done else "not yet"
        return textwrap.fill(r.stuck, 24) if r.stuck else "—"

    def _open(self, row: int, column: int) -> None:
        if row >= len(self.rows) or column >= len(self.behaviours):
            return
        r = self.rows[row]
        bid = self.behaviours[column][0]
        level = next((b for b in r.levels if b.id == bid), None)
        if level is None or self._opening:  # one sign-off dialog at a time
            return
        self._opening = True
        try:
            dialog = SignoffDialog(self.screen, r, level)
            self.opened = dialog
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.screen.refresh()
        finally:
            self._opening = False


class SignoffDialog(QDialog):
    def __init__(self, screen: ManagerScreen, row, level):
        super().__init__(screen)
        self.screen, self.row, self.level = screen, row, level
        self.setWindowTitle(f"Sign-off: {row.name} — {level.title}")
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"{row.name}: {level.title}", 2))
        status = (f"Level {level.level} ({level.level_name}) from {level.source_of_level}; "
                  f"{level.counted} of {level.required} demonstrations counted.")
        if level.ready_for_signoff:
            status += " Ready for sign-off — your call."
        layout.addWidget(text(status))
        evidence = QListWidget()
        evidence.setAccessibleName("Evidence behind this level")
        if not level.evidence:  # the heat-map carries counts only: this learner's evidence, read now
            level = next((b for b in screen.ws.competency(row.id) if b.id == level.id), level)
        for ev in level.evidence:
            evidence.addItem(f"{'✓ counts' if ev.counts else '✗ does not count'} · {day_text(ev.when)} · "
                             f"{ev.description}"
                             + (f" — {ev.why_not}" if ev.why_not else ""))
        if not level.evidence:
            evidence.addItem("No evidence yet.")
        layout.addWidget(evidence, 1)
        form = QFormLayout()
        self.level_box = QSpinBox()
        self.level_box.setRange(1, 5)
        self.level_box.setValue(max(level.level, 4) if level.ready_for_signoff else level.level)
        self.level_box.setAccessibleName("Level to sign off")
        self.level_box.setMinimumHeight(MIN_TARGET)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What you saw (required), e.g. observed two lock-outs on the night shift, both "
                                     "tested before reaching in.")
        self.note.setAccessibleName("Sign-off note")
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(100)
        form.addRow("Level", self.level_box)
        form.addRow("Note", self.note)
        layout.addLayout(form)
        buttons = QDialogButtonBox()
        self.sign = buttons.addButton("Sign off with my key", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign.setMinimumHeight(MIN_TARGET)
        self.sign.setEnabled(False)  # a sign-off says what the manager saw
        self.note.textChanged.connect(lambda: self.sign.setEnabled(bool(self.note.toPlainText().strip())))
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._sign)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _sign(self) -> None:
        try:
            self.screen.desk.signoff(self.row.id, self.level.id, self.level_box.value(), self.note.toPlainText(),
                                     self.screen.keys)
        except LearningError as exc:
            self.screen.error(exc)
            return
        self.accept()


# --- people: merge two profiles of one person, undo a merge, reset a PIN ----------------------------------


class PeopleTab(QWidget):
    """Plain words for busy managers: each action says what it does and asks once, naming the people."""

    def __init__(self, screen: ManagerScreen):
        super().__init__()
        self.screen = screen
        body = QWidget()  # scrolls on a small screen at 150 % instead of making every tab taller
        layout = QVBoxLayout(body)
        QVBoxLayout(self).addWidget(_scroll(body))
        layout.addWidget(heading("Two profiles, one person", 2))
        layout.addWidget(text("Someone added twice (on two workstations, say)? Merge the two profiles: their "
                              "practice becomes one history on every workstation. You can undo it until you sign "
                              "the person off.", selectable=False))
        form = QFormLayout()
        self.merge_from = self._combo("Profile to merge away")
        self.merge_into = self._combo("Profile to keep")
        form.addRow("Merge this profile", self.merge_from)
        form.addRow("into (the one to keep)", self.merge_into)
        layout.addLayout(form)
        self.merge_button = big_button("Merge…", "Merge the two profiles (asks first)")
        self.merge_button.clicked.connect(self._merge)
        layout.addWidget(self.merge_button)
        layout.addWidget(text("Merges you can undo:", selectable=False))
        self.merge_list = QListWidget()
        self.merge_list.setAccessibleName("Merges in force")
        self.merge_list.setMaximumHeight(8 * self.fontMetrics().lineSpacing())
        layout.addWidget(self.merge_list)
        self.unmerge_button = big_button("Undo merge…", "Separate the selected merge into two profiles again")
        self.unmerge_button.clicked.connect(self._unmerge)
        self.merge_list.currentRowChanged.connect(lambda row: self.unmerge_button.setEnabled(row >= 0))
        layout.addWidget(self.unmerge_button)
        layout.addWidget(heading("Forgotten PIN", 2))
        layout.addWidget(text("Resetting clears the person's PIN and wrong-PIN count on every workstation at the "
                              "next sync; they choose a new PIN when they next sign in.", selectable=False))
        self.pin_person = self._combo("Person whose PIN to reset")
        layout.addWidget(self.pin_person)
        self.reset_button = big_button("Reset PIN…", "Reset the selected person's PIN (asks first)")
        self.reset_button.clicked.connect(self._reset)
        layout.addWidget(self.reset_button)
        layout.addStretch(1)
        self.merges: list[dict] = []

    def _combo(self, name: str) -> QComboBox:
        box = QComboBox()
        box.setAccessibleName(name)
        box.setMinimumHeight(MIN_TARGET)
        return box

    def refresh(self) -> None:
        learners = self.screen.ws.profiles.learners()
        for box in (self.merge_from, self.merge_into, self.pin_person):
            current = box.currentData()
            box.clear()
            for lr in learners:
                box.addItem(lr.name, lr.id)
            at = box.findData(current)
            if at >= 0:
                box.setCurrentIndex(at)
        if self.merge_into.currentIndex() == self.merge_from.currentIndex() and self.merge_into.count() > 1:
            self.merge_into.setCurrentIndex(1 if self.merge_from.currentIndex() == 0 else 0)
        self.merges = self.screen.desk.merges()
        self.merge_list.clear()
        for m in self.merges:
            self.merge_list.addItem(f"{m['from_name']} merged into {m['into_name']} — by {m['by']}, {day_text(m['at'])}")
        self.merge_button.setEnabled(len(learners) >= 2)
        self.reset_button.setEnabled(bool(learners))
        self.unmerge_button.setEnabled(self.merge_list.currentRow() >= 0)

    def _ask(self, title: str, message: str, yes: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, message, parent=self)
        go = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(go)
        self.asking = box
        box.exec()
        return box.clickedButton() is go

    def _merge(self) -> None:
        source, into = self.merge_from.currentText(), self.merge_into.currentText()
        if self.merge_from.currentData() == self.merge_into.currentData():
            self.screen.error(LearningError("choose two different profiles"))
            return
        if not self._ask("Merge two profiles?",
                         f"Merge “{source}” into “{into}”?\n\nBoth are the same person: their practice becomes one "
                         f"history and one schedule on every workstation, and “{source}” leaves the sign-in list.\n\n"
                         f"You can undo this later (Undo merge) — until you sign {into} off.",
                         f"Merge into {into}"):
            return
        try:
            self.screen.desk.merge(self.merge_from.currentData(), self.merge_into.currentData())
        except LearningError as exc:
            self.screen.error(exc)
            return
        self.screen.refresh()

    def _unmerge(self) -> None:
        row = self.merge_list.currentRow()
        if not 0 <= row < len(self.merges):
            return
        m = self.merges[row]
        if not self._ask("Undo merge?", f"Separate “{m['from_name']}” from “{m['into_name']}” again?\n\nEach "
                         "profile gets back its own practice and schedule on every workstation.", "Undo merge"):
            return
        try:
            self.screen.desk.unmerge(m["id"])
        except LearningError as exc:
            self.screen.error(exc)
            return
        self.screen.refresh()

    def _reset(self) -> None:
        name = self.pin_person.currentText()
        if not name or not self._ask("Reset PIN?", f"Reset {name}’s PIN?\n\nTheir PIN and wrong-PIN count are "
                                     f"cleared on every workstation at the next sync; {name.split()[0]} chooses a "
                                     "new PIN when they next sign in.", "Reset PIN"):
            return
        try:
            self.screen.desk.reset_pin(self.pin_person.currentData())
        except LearningError as exc:
            self.screen.error(exc)
            return
        QMessageBox.information(self, "DrillPad", f"{name}’s PIN is reset. It reaches every workstation at the next "
                                "sync.")
        self.screen.refresh()


# --- needs review -----------------------------------------------------------------------------


class ReviewTab(QWidget):
    def __init__(self, screen: ManagerScreen):
        super().__init__()
        self.screen = screen
        layout = QHBoxLayout(self)
        split = QSplitter()
        layout.addWidget(split)
        self.model = PagedListModel(lambda offset, limit: screen.desk.needs_review(offset, limit), self._line)
        self.list = QListView()  # pages of attempts as the list scrolls, no widget per attempt
        self.list.setModel(self.model)
        self.list.setUniformItemSizes(True)
        self.list.setAccessibleName("Attempts waiting for your review")
        self.list.selectionModel().currentRowChanged.connect(lambda current, _previous: self._show(current.row()))
        split.addWidget(self.list)
        self.detail = QWidget()
        self.detail_layout = QVBoxLayout(self.detail)
        split.addWidget(_scroll(self.detail))
        split.setSizes([300, 800])
        self.items = []
        self.boxes: dict[str, QCheckBox] = {}

    @staticmethod
    def _line(it) -> str:
        why = "asked for a review" if it.requested else "grader not sure"
        return f"{it.learner} · {day_text(it.when)}\n{it.drill_title}\n{why}"

    def refresh(self) -> None:
        self.model.reload()
        self.items = self.model.rows
        if self.items:
            self.list.setCurrentIndex(self.model.index(0))
        else:
            self._clear()
            self.detail_layout.addWidget(text("Nothing waits for review. Attempts the grader is unsure of, and those a "
                                              "learner asks about, appear here."))
            self.detail_layout.addStretch(1)

    def _clear(self) -> None:
        _empty(self.detail_layout)
        self.boxes = {}

    def _show(self, row: int) -> None:
        self._clear()
        if not 0 <= row < len(self.items):
            return
        it = self.items[row]
        self.detail_layout.addWidget(heading(f"{it.learner}: {it.drill_title}", 2))
        self.detail_layout.addWidget(text(f"Why it is here: {it.reason}."
                                          + (f" The learner wrote: “{it.requested}”" if it.requested else "")))
        scenario = Card("Scenario")
        scenario.body.addWidget(text(f"{it.scenario}\n\n{it.question}"))
        self.detail_layout.addWidget(scenario)
        answer = Card("Answer")
        answer.body.addWidget(text(it.answer or "(empty)"))
        self.detail_layout.addWidget(answer)
        crit = Card("Per criterion — tick what the answer shows (the grader's view is pre-filled)")
        for c in it.criteria:
            box = QCheckBox(c["text"])
            box.setChecked(bool(c["met"]))
            box.setMinimumHeight(MIN_TARGET)
            box.setAccessibleName(f"Criterion met: {c['text']}")
            crit.body.addWidget(box)
            conf = c.get("confidence")
            grader = ("met" if c["met"] else "not met") + (f", confidence {conf:.0%}" if conf is not None else "")
            note = text(f"      grader: {grader}" + (f"; evidence: “{c['evidence']}”" if c.get("evidence") else ""))
            note.setWordWrap(False)
            crit.body.addWidget(note)
            self.boxes[c["id"]] = box
        self.detail_layout.addWidget(crit)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note for the record (optional)")
        self.note.setAccessibleName("Review note")
        self.note.setMinimumHeight(MIN_TARGET)
        self.detail_layout.addWidget(self.note)
        decide = big_button("Save my decision", primary=True)
        decide.clicked.connect(lambda: self._decide(it))
        self.detail_layout.addWidget(decide)
        self.detail_layout.addStretch(1)
        _fit(self.detail, self.detail_layout)

    def _decide(self, it) -> None:
        try:
            self.screen.desk.decide_review(it.event_id, {cid: b.isChecked() for cid, b in self.boxes.items()},
                                           self.note.text())
        except LearningError as exc:
            self.screen.error(exc)
            return
        self.screen.refresh()


# --- coaching ---------------------------------------------------------------------------------


class CoachingTab(QWidget):
    def __init__(self, screen: ManagerScreen):
        super().__init__()
        self.screen = screen
        outer = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(text("Learner:", selectable=False))
        self.learner = QComboBox()
        self.learner.setAccessibleName("Learner to coach")
        self.learner.setMinimumHeight(MIN_TARGET)
        self.learner.currentIndexChanged.connect(self._load)
        row.addWidget(self.learner, 1)
        outer.addLayout(row)
        body = QWidget()
        self.body = QVBoxLayout(body)
        outer.addWidget(_scroll(body), 1)
        self.summary = Card("Recent evidence")
        self.summary_text = text("")
        self.summary.body.addWidget(self.summary_text)
        self.friction = Card("Likely friction points")
        self.friction_text = text("")
        self.friction.body.addWidget(self.friction_text)
        self.questions = Card("Questions to ask")
        self.questions_text = text("")
        self.questions.body.addWidget(self.questions_text)
        plan = Card("Practice plan — one skill, one scenario, one follow-up date")
        form = QFormLayout()
        self.task = QComboBox()
        self.task.setAccessibleName("Skill (task) to practise")
        self.drill = QComboBox()
        self.drill.setAccessibleName("Scenario to practise")
        self.follow_up = QDateEdit()
        self.follow_up.setCalendarPopup(True)
        self.follow_up.setDisplayFormat("ddd d MMM yyyy")  # "Thu 10 Dec 2026": no day/month mix-up
        self.follow_up.setAccessibleName("Follow-up date")
        self.plan_note = QLineEdit()
        self.plan_note.setAccessibleName("Note to the learner")
        self.plan_note.setPlaceholderText("A line for the learner (optional)")
        for w in (self.task, self.drill, self.follow_up, self.plan_note):
            w.setMinimumHeight(MIN_TARGET)
        self.task.currentIndexChanged.connect(self._fill_drills)
        form.addRow("Skill", self.task)
        form.addRow("Scenario", self.drill)
        form.addRow("Follow up on", self.follow_up)
        form.addRow("Note", self.plan_note)
        plan.body.addLayout(form)
        send = big_button("Send plan to the learner", primary=True)
        send.clicked.connect(self._send)
        plan.body.addWidget(send)
        checkin = Card("Weekly check-in")
        self.checkin_note = QLineEdit()
        self.checkin_note.setAccessibleName("Check-in note")
        self.checkin_note.setPlaceholderText("What you talked about")
        self.checkin_note.setMinimumHeight(MIN_TARGET)
        checkin.body.addWidget(self.checkin_note)
        done = big_button("Record check-in")
        done.clicked.connect(self._checkin)
        checkin.body.addWidget(done)
        for card in (self.summary, self.friction, self.questions, plan, checkin):
            self.body.addWidget(card)
        self.body.addStretch(1)
        self.prep = None

    def refresh(self) -> None:
        current = self.learner.currentData()
        self.learner.blockSignals(True)
        self.learner.clear()
        for lr in self.screen.ws.profiles.learners():
            self.learner.addItem(f"{lr.name} ({lr.role_title})", lr.id)
        index = max(0, self.learner.findData(current))
        self.learner.setCurrentIndex(index)
        self.learner.blockSignals(False)
        self._load()

    def _load(self) -> None:
        learner = self.learner.currentData()
        if learner is None:
            self.summary_text.setText("No learners yet.")
            return
        self.prep = prep = self.screen.desk.coaching_prep(learner)
        self.summary_text.setText("\n".join(prep.summary))
        self.friction_text.setText("\n".join(f"• {f.text} ({f.count}×)" for f in prep.friction)
                                   or "Nothing stands out yet.")
        self.questions_text.setText("\n".join(f"{n}. {q}" for n, q in enumerate(prep.questions, 1)))
        self.task.blockSignals(True)
        self.task.clear()
        for tid, title in prep.tasks:
            self.task.addItem(title, tid)
        self.task.setCurrentIndex(max(0, self.task.findData(prep.plan_task)))
        self.task.blockSignals(False)
        self._fill_drills()
        self.drill.setCurrentIndex(max(0, self.drill.findData(prep.plan_drill)))
        d = prep.follow_up
        self.follow_up.setDate(QDate(d.year, d.month, d.day))

    def _fill_drills(self) -> None:
        self.drill.clear()
        self.drill.addItem("(no particular scenario)", None)
        for did, task, title in (self.prep.drills if self.prep else []):
            if task == self.task.currentData():
                self.drill.addItem(title, did)

    def _send(self) -> None:
        try:
            self.screen.desk.send_plan(self.learner.currentData(), self.task.currentData(), self.drill.currentData(),
                                       self.follow_up.date().toPython(), self.plan_note.text())
        except LearningError as exc:
            self.screen.error(exc)
            return
        self.plan_note.clear()
        QMessageBox.information(self, "DrillPad", "Plan saved. It reaches the learner's Today with the next sync.")

    def _checkin(self) -> None:
        try:
            self.screen.desk.checkin(self.learner.currentData(), self.checkin_note.text())
        except LearningError as exc:
            self.screen.error(exc)
            return
        self.checkin_note.clear()
        QMessageBox.information(self, "DrillPad", "Check-in recorded.")


# --- cohort gaps ------------------------------------------------------------------------------


class GapsTab(QWidget):
    def __init__(self, screen: ManagerScreen):
        super().__init__()
        self.screen = screen
        layout = QVBoxLayout(self)
        layout.addWidget(text("Steps most missed across learners. When many miss the same step, the training (or the "
                              "SOP) may be the problem, not the people.", selectable=False))
        self.table = QTableWidget()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move inside it
        self.table.setAccessibleName("Cohort skill gaps")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # the rows follow their wrapped text whenever a column changes width (the rows were sized once, before the
        # tab had its width, and the advice was cut at 1024×768); one re-fit per burst of column resizes
        self._fit_rows = QTimer(self)
        self._fit_rows.setSingleShot(True)
        self._fit_rows.setInterval(0)
        self._fit_rows.timeout.connect(self.table.resizeRowsToContents)
        self.table.horizontalHeader().sectionResized.connect(lambda *_: self._fit_rows.start())
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        gaps = self.screen.desk.cohort_gaps()
        headers = ["Step (criterion)", "Scenario", "Missed by", "What to look at"]
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(gaps))
        for i, g in enumerate(gaps):
            advice = (f"⚠ possible training-design problem: review {g.source}" if g.design_problem
                      else f"coach individually ({g.source})")
            for j, value in enumerate((g.criterion, g.drill_title, f"{g.missed_by} of {g.tried_by} learners", advice)):
                self.table.setItem(i, j, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        for column, mode in enumerate((QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.ResizeToContents,
                                       QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch)):
            header.setSectionResizeMode(column, mode)
        self.table.setWordWrap(True)
        self.table.resizeRowsToContents()


# --- calibration ------------------------------------------------------------------------------


class CalibrationTab(QWidget):
    def __init__(self, screen: ManagerScreen):
        super().__init__()
        self.screen = screen
        outer = QVBoxLayout(self)
        outer.addWidget(text("Once a month, every manager rates the same anonymised answers with the rubric. "
                             "Agreement shows whether sign-offs mean the same thing on every team.", selectable=False))
        row = QHBoxLayout()
        row.addWidget(text("Rating as:", selectable=False))
        self.rater = QLineEdit(screen.desk.by)
        self.rater.setAccessibleName("Your name as rater")
        self.rater.setMinimumHeight(MIN_TARGET)
        row.addWidget(self.rater, 1)
        self.export_button = big_button("Export my ratings…")
        self.export_button.clicked.connect(self._export)
        self.import_button = big_button("Import ratings…")
        self.import_button.clicked.connect(self._import)
        row.addWidget(self.export_button)
        row.addWidget(self.import_button)
        outer.addLayout(row)
        split = QSplitter()
        self.list = QListWidget()
        self.list.setAccessibleName("Answers to rate")
        self.list.currentRowChanged.connect(self._show)
        split.addWidget(self.list)
        self.detail = QWidget()
        self.detail_layout = QVBoxLayout(self.detail)
        split.addWidget(_scroll(self.detail))
        split.setSizes([200, 700])
        outer.addWidget(split, 1)
        self.report = text("")
        self.report.setAccessibleName("Agreement between managers")
        outer.addWidget(self.report)
        self.items = []
        self.boxes: dict[str, QCheckBox] = {}

    def refresh(self) -> None:
        self.items = self.screen.desk.calibration_set()
        self.list.clear()
        for it in self.items:
            self.list.addItem(f"{it.key}: {it.drill_title}")
        if self.items:
            self.list.setCurrentRow(0)
        self._report()

    def _report(self) -> None:
        rep = self.screen.desk.calibration_report()
        if rep.alpha is None:
            self.report.setText(f"Raters so far: {', '.join(rep.raters) or 'none'}. Agreement appears once two managers "
                                "have rated the same answers (export your ratings; import theirs).")
            return
        lines = [f"Raters: {', '.join(rep.raters)}. Krippendorff's alpha {rep.alpha:.2f} "
                 f"({'good' if rep.alpha >= 0.8 else 'tentative' if rep.alpha >= 0.667 else 'low — talk it through'}); "
                 f"all agreed on {rep.agreement:.0%} of answer × criterion."]
        for key, cid, votes in rep.disagreements[:8]:
            lines.append(f"  {key} / {cid}: " + ", ".join(f"{who} {'met' if v else 'not met'}" for who, v in votes.items()))
        self.report.setText("\n".join(lines))

    def _show(self, row: int) -> None:
        _empty(self.detail_layout)
        self.boxes = {}
        if not 0 <= row < len(self.items):
            return
        it = self.items[row]
        self.detail_layout.addWidget(heading(f"{it.key}: {it.drill_title}", 2))
        self.detail_layout.addWidget(text(it.scenario))
        answer = Card("Answer (anonymised)")
        answer.body.addWidget(text(it.answer))
        self.detail_layout.addWidget(answer)
        for cid, label in it.criteria:
            box = QCheckBox(label)
            box.setMinimumHeight(MIN_TARGET)
            box.setAccessibleName(f"Met: {label}")
            self.boxes[cid] = box
            self.detail_layout.addWidget(box)
        save = big_button("Save my rating", primary=True)
        save.clicked.connect(lambda: self._rate(it))
        self.detail_layout.addWidget(save)
        self.detail_layout.addStretch(1)
        _fit(self.detail, self.detail_layout)

    def _rate(self, it) -> None:
        try:
            self.screen.desk.rate(self.rater.text(), it, {cid: b.isChecked() for cid, b in self.boxes.items()})
        except LearningError as exc:
            self.screen.error(exc)
            return
        self._report()
        if self.list.currentRow() + 1 < len(self.items):
            self.list.setCurrentRow(self.list.currentRow() + 1)

    def _export(self) -> None:
        import json

        path, _ = QFileDialog.getSaveFileName(self, "Export my ratings", "ratings.json", "JSON (*.json)")
        if path:
            Path(path).write_text(json.dumps(self.screen.desk.export_ratings(self.rater.text().strip()), indent=2))

    def _import(self) -> None:
        import json

        path, _ = QFileDialog.getOpenFileName(self, "Import another manager's ratings", "", "JSON (*.json)")
        if not path:
            return
        try:
            self.screen.desk.import_ratings(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, LearningError) as exc:
            self.screen.error(RuntimeError(f"{path}: not a ratings file ({exc})"))
            return
        self._report()


# --- devices and sync -------------------------------------------------------------------------


class DevicesTab(QWidget):
    def __init__(self, screen: ManagerScreen):
        super().__init__()
        self.screen = screen
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.import_button = big_button("Import evidence from a folder…", primary=True)
        self.import_button.clicked.connect(self._import)
        row.addWidget(self.import_button)
        self.approve_button = big_button("&Approve selected device", "Approve selected device")
        self.approve_button.clicked.connect(self._approve)
        row.addWidget(self.approve_button)
        self.revoke_button = big_button("Re&voke selected device…", "Revoke selected device")
        self.revoke_button.clicked.connect(self._revoke)
        row.addWidget(self.revoke_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(text("Compare a new device's fingerprint with the one shown on that workstation "
                              "(drillpad evidence status) before you approve it.", selectable=False))
        self.device_model = RowsTableModel(self._device_cell)
        self.devices = QTableView()
        self.devices.setModel(self.device_model)
        self.devices.setTabKeyNavigation(False)
        self.devices.setAccessibleName("Devices")
        self.devices.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.devices.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.devices, 1)
        self.parked_note = text("", selectable=False)  # records waiting for the workstation that enrolled someone
        self.parked_note.setVisible(False)
        layout.addWidget(self.parked_note)
        layout.addWidget(heading("Recent bundles", 3))
        self.log_model = PagedListModel(lambda offset, limit: screen.ws.evidence.log(offset + limit)[offset:],
                                        lambda e: f"{e['at'][:16]}  {e['outcome']}: {e['file']} — {e['reason']}")
        self.log = QListView()  # newest first, a page at a time as it scrolls
        self.log.setModel(self.log_model)
        self.log.setUniformItemSizes(True)
        self.log.setAccessibleName("Bundles imported or refused, newest first")
        layout.addWidget(self.log, 1)
        self.rows = []

    def refresh(self) -> None:
        row = self.devices.currentIndex().row()
        chosen = self.rows[row]["id"] if 0 <= row < len(self.rows) else None  # kept across a refresh
        self.rows = self.screen.ws.evidence.devices()
        self.device_model.set_rows(self.rows, ["Workstation", "Status", "Fingerprint", "First seen",
                                               "Bundles imported"])
        self.devices.resizeColumnsToContents()
        ids = [d["id"] for d in self.rows]
        if chosen in ids:
            self.devices.selectRow(ids.index(chosen))
        names = {d["id"]: d["name"] or "unnamed workstation" for d in self.rows}
        parked = self.screen.ws.evidence.parked()
        self.parked_note.setText("\n".join(
            f"{p['events']} record(s) from “{names.get(p['device_id'], p['device_id'][:8])}” wait for a person not "
            f"enrolled here yet (since {day_text(p['since'], year=True)}): they are added when the bundle of the "
            "workstation that enrolled them arrives. Everything else was imported." for p in parked))
        self.parked_note.setVisible(bool(parked))
        self.log_model.reload()

    @staticmethod
    def _device_cell(d, column: int, role: int):
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Device id {d['id']}"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        status = {"pending": "● waiting for approval", "approved": "✓ approved", "revoked": "✗ revoked"}[d["status"]]
        return (d["name"] or "unnamed workstation", status, d["fingerprint"], day_text(d["first_seen"], year=True),
                str(d["last_seq"]))[column]

    def _approve(self) -> None:
        row = self.devices.currentIndex().row()
        if not 0 <= row < len(self.rows) or self.rows[row]["status"] != "pending":
            self.screen.error(RuntimeError("Select a workstation that is waiting for approval first"))
            return
        d = self.rows[row]
        answer = QMessageBox.question(self, "Approve device",
                                      f"Approve the workstation “{d['name'] or d['id']}”?\n\n"
                                      f"Fingerprint: {d['fingerprint']}\n\nOnly approve it if "
                                      "this matches the fingerprint shown on the workstation.")
        if answer == QMessageBox.StandardButton.Yes:
            self.screen.ws.evidence.approve_device(d["id"])
            self.refresh()

    def _revoke(self) -> None:
        row = self.devices.currentIndex().row()
        if not 0 <= row < len(self.rows) or self.rows[row]["status"] == "revoked":
            self.screen.error(RuntimeError("Select a workstation to revoke first"))
            return
        d = self.rows[row]
        answer = QMessageBox.question(self, "Revoke device", f"Revoke the workstation “{d['name'] or d['id']}”?"
                                      "\n\nIts bundles will be refused "
                                      "from now on (a lost or retired workstation). What was imported stays.")
        if answer == QMessageBox.StandardButton.Yes:
            self.screen.ws.evidence.revoke_device(d["id"])
            self.refresh()

    def _import(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with evidence bundles (USB stick or share)")
        if folder:
            self.import_folder(Path(folder))

    def import_folder(self, folder: Path) -> list:
        outcomes = self.screen.ws.evidence.import_folder(folder, self.screen.keys)
        published = self.screen.ws.evidence.publish_decisions(folder, self.screen.keys)
        counts = {k: sum(1 for o in outcomes if o.outcome == k) for k in ("imported", "pending", "held", "refused")}
        self.screen.refresh()
        QMessageBox.information(self, "DrillPad", f"{len(outcomes)} bundle(s): {counts['imported']} imported, "
                                f"{counts['pending']} waiting for approval, {counts['held']} held, {counts['refused']} "
                                f"refused (moved to quarantine with the reason). {published} decision(s) published "
                                "for the workstations.")
        return outcomes


# --- the organisation's LRS -------------------------------------------------------------------------


class LrsTab(QWidget):
    """What went to the organisation's LRS: queued / sent / refused (with the LRS's reasons), the last success,
    and whether the LRS is reachable. Sending runs in a worker with its own connection."""

    sent = Signal(object)

    def __init__(self, screen: ManagerScreen):
        super().__init__()
        self.screen = screen
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.send_button = big_button("Send to the LRS now", primary=True)
        self.send_button.clicked.connect(self.send_now)
        row.addWidget(self.send_button)
        self.retry_button = big_button("Queue refused statements again")
        self.retry_button.clicked.connect(self._retry)
        row.addWidget(self.retry_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.summary = text("", selectable=True)
        self.summary.setAccessibleName("LRS outbox summary")
        layout.addWidget(self.summary)
        layout.addWidget(heading("Refused, conflicting or invalid statements", 3))
        self.problems = QListWidget()
        self.problems.setAccessibleName("Statements the LRS refused, with its reasons")
        layout.addWidget(self.problems, 1)
        self._sending = False

    def refresh(self) -> None:
        status = self.screen.ws.lrs.status()
        configured = status is not None
        self.send_button.setEnabled(configured and not self._sending)
        self.retry_button.setEnabled(configured)
        self.problems.clear()
        if status is None:
            self.summary.setText("No LRS is configured. IT names it in the policy (lrs_url, lrs_credentials_file, "
                                 "lrs_org_iri, lrs_site_id); see docs/lrs.md. Nothing leaves this PC.")
            return
        c = status["counts"]
        last = (status["last_success"] or "never")[:16].replace("T", " ")
        lines = [f"LRS: {status['url']}",
                 f"Queued {c['queued']} · sent {c['sent']} · refused {c['refused']} · conflicts {c['conflict']}"
                 f" · invalid {c['invalid']}", f"Last success: {last}"]
        if status["stopped"]:
            lines.append(f"⚠ Stopped: {status['stopped']}")
        elif status["unreachable"]:
            lines.append(f"⚠ LRS unreachable ({status['last_problem']}); statements stay queued and are retried.")
        if self._sending:
            lines.append("Sending…")
        self.summary.setText("\n".join(lines))
        for p in status["problems"]:
            self.problems.addItem(f"{p['status']}: {p['kind']} {p['id']} — {p['reason']}")

    def send_now(self) -> None:
        from drillpad.ui import workers
        from drillpad.workspace import Workspace

        if self._sending or self.screen.ws.lrs.config() is None:
            return
        self._sending = True
        paths, clock, policy = self.screen.ws.paths, self.screen.ws.clock, self.screen.ws.policy

        def job():
            with Workspace.open(paths.data_dir, clock=clock, policy=policy) as ws:
                return ws.lrs.send(max_failures=3)

        def done(report) -> None:
            self._sending = False
            self.refresh()
            self.sent.emit(report)

        def failed(message: str) -> None:
            self._sending = False
            self.refresh()
            self.screen.error(RuntimeError(f"Sending to the LRS failed: {message}"))

        workers.run(job, done, failed)
        self.refresh()

    def _retry(self) -> None:
        self.screen.ws.lrs.retry()
        self.refresh()


class PassphraseDialog(QDialog):
    """Manager mode is unlocked by the manager key's passphrase. The dialog stays open while the key is
    unlocked (busy, the window still responsive); a wrong passphrase is said here, with what was typed kept."""

    submitted = Signal(str, str)  # passphrase, name

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Manager mode")
        layout = QVBoxLayout(self)
        layout.addWidget(text("Enter the manager passphrase.", selectable=False))
        self.entry = QLineEdit()
        self.entry.setEchoMode(QLineEdit.EchoMode.Password)
        self.entry.setAccessibleName("Manager passphrase")
        self.entry.setMinimumHeight(MIN_TARGET)
        layout.addWidget(self.entry)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Your name (recorded on your decisions)")
        self.name.setAccessibleName("Manager name")
        self.name.setMinimumHeight(MIN_TARGET)
        layout.addWidget(self.name)
        self.problem = text("", selectable=False)
        self.problem.setAccessibleName("Problem")
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.busy = False

    def _submit(self) -> None:
        if self.busy or not self.entry.text():
            return
        self.set_busy(True)
        self.submitted.emit(self.entry.text(), self.name.text().strip())

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.entry.setReadOnly(busy)
        self.name.setReadOnly(busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)
        if busy:
            self.problem.setText("Unlocking the manager key… (this takes a few seconds)")

    def failed(self, message: str) -> None:
        self.set_busy(False)
        check = " Check it and try again." if "passphrase" in message else ""  # not when the computer was busy
        self.problem.setText("⚠ " + sentence(message) + check)
        self.entry.setFocus()
        self.entry.selectAll()


def sentence(message: str) -> str:
    """An error as a sentence: a capital letter at the start, a full stop at the end."""
    message = message.strip()
    if not message:
        return "Something went wrong."
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


__all__ = ["ManagerScreen", "PassphraseDialog", "Qt"]
