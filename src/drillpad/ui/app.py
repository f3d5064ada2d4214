"""The trainee app for shared workstations: who's practising → PIN → Today → lesson / recall /
scenario drill, one item at a time; My progress; About my data. Idle for a few minutes (IT
policy), it locks back to the names and leaves nothing of the last person on screen.

Screens take the Workspace and show what it returns; no business rules and no SQL here. The
model loads in the background; the status bar says what it is doing, and whether scenarios
may be AI-adapted or are the written ones (and why).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QApplication, QDialog, QDialogButtonBox, QLabel, QMainWindow, QMenu,
                               QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget)

from drillpad.ui import collector, workers
from drillpad.ui.memory import release_free_memory
from drillpad.ui.trainee.pin import PinScreen
from drillpad.ui.trainee.profiles import ProfilesScreen
from drillpad.ui.widgets.common import save_problem
from drillpad.ui.workers import damage_notice
from drillpad.ui.widgets.look import style_sheet
from drillpad.workspace import REFLECTION_QUESTION, Workspace
from drillpad.core.words import count_text

if TYPE_CHECKING:  # the names screen comes first; the model code is loaded by a worker after it is painted
    from drillpad.llm.engine import Engine

STARTUP_DELAY_MS = 0
"""From the last learner screen built to the start-up workers. Building the screens already lets the first paint
settle; waiting 150 ms more moved the workers' imports onto choosing a name and unlocking (under load, the worst
stall of 4 sessions 165 and 184 ms at 150 ms; 134 and 88 ms at 0, alternating)."""
SWITCH_INTERVAL_S = 0.001
"""How long the window's thread waits for the interpreter lock a busy worker holds before asking for it (Python's
default is 5 ms). Every call from Qt into Python (a paint, a slot, an event) asks again, so with a worker importing
or grading, a turn of the event loop that calls Python a dozen times waited up to 60 ms for the lock alone. Measured
under load (bench_ui, 5 alternating blocks of 3 sessions): the worst stall of each block 154–300 ms at 5 ms,
107–246 ms at 1 ms, lower in every block."""
ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
            QEvent.Type.TouchBegin, QEvent.Type.InputMethod}


SHARED_MODULES = ("pydantic", "drillpad.core.pack", "drillpad.lrs.statements", "drillpad.llm.engine",
                  "drillpad.evidence.sync")
"""Imported once, in one worker, before the workers that use them start (importing one module from two
threads at once can see it half-initialised)."""


def import_shared() -> None:
    for name in SHARED_MODULES:
        importlib.import_module(name)


WARM_MODULES = ("drillpad.core.grader", "drillpad.drills.judge")
"""What the first answer needs, imported by a worker after the shared modules (not by the main thread at the first
answer, where importing them and reading the grader's word list held it for 100–160 ms)."""


def warm_up() -> None:
    for name in WARM_MODULES:
        importlib.import_module(name)
    from drillpad.core.cues import english_words

    english_words()


class _EngineBridge(QObject):
    """Carries the engine's progress and result (from its worker thread) to the main thread."""

    progress = Signal(float, str)
    loaded = Signal()
    status = Signal(str, str)
    """The model's process restarted, is ready again, or AI turned off (state, text)."""


class ReflectionDialog(QDialog):
    """This week's reflection: a few lines in the learner's own words. Not modal to the window's event loop
    (it is opened, not exec'd), so an idle lock can close it and keep what was typed for its owner only."""

    def __init__(self, parent: QWidget, draft: str = ""):
        super().__init__(parent)
        self.setWindowTitle("Weekly reflection")
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(REFLECTION_QUESTION))
        self.note = QLabel("Your reflection from before was kept for you." if draft else "")
        self.note.setVisible(bool(draft))
        layout.addWidget(self.note)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Your reflection")
        self.text.setTabChangesFocus(True)
        self.text.setPlainText(draft)
        layout.addWidget(self.text)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setVisible(False)
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)


class MainWindow(QMainWindow):
    locked = Signal()
    session_finished = Signal(int)
    first_paint = Signal()  # the names screen has been drawn: from here on DrillPad is usable
    full_check_done = Signal(object)  # the background full check after an unclean exit (a CheckReport)

    def __init__(self, workspace: Workspace, *, idle_minutes: float | None = None,
                 engine_factory: Callable[[], Engine] | None = None, pregenerate: bool = True):
        super().__init__()
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))  # the window's thread waits less
        collector.install(QApplication.instance())  # cycles are collected on this thread only, never in a worker
        self.workspace = workspace
        self.setWindowTitle("DrillPad")
        # No fixed minimum: the screens fit down to 1024×768 at 100 % and 1366×768 at 150 % scaling (about
        # 910×450 logical pixels for the window), scrolling their content and keeping the main action in view.
        screen = QApplication.primaryScreen()
        self.resize(QSize(1280, 760).boundedTo(screen.availableSize()) if screen is not None else QSize(1280, 760))
        self.learner_id: str | None = None
        self.items: list = []
        self.position = 0
        self.done_count = 0
        self.engine: Engine | None = None
        self.pregenerate = pregenerate
        self._painted = False
        self._closing = False
        self._background_cancel = None  # the background pre-generation's CancelToken, while it runs
        self.reflection: ReflectionDialog | None = None
        self._drafts: dict[str, str] = {}
        """Reflections typed but not saved when a lock came, kept in memory for their owner only."""

        self.setStyleSheet(style_sheet(self.palette()))  # a focus outline that shows on every control
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.profiles = ProfilesScreen(workspace)
        self.pin = PinScreen(workspace)
        self.stack.addWidget(self.profiles)
        self.stack.addWidget(self.pin)
        self.profiles.chosen.connect(self._choose)
        self.profiles.added.connect(self._choose)
        self.profiles.manager.connect(self.enter_manager_mode)
        self.manager_screen = None
        self.passphrase_dialog = None
        self.pin.back.connect(self.lock)
        damage_notice().found.connect(self._damage_found)  # a save met a damaged page: restore, as the full check
        self.pin.unlocked.connect(self._unlocked)
        self.today = self.lesson = self.recall = self.drill = self.progress = self.mydata = None

        # Plain words on the trainee's screen; the technical AI status (model, reason) only on hover
        self.model_label = QLabel("AI helper: starting…")
        self.model_label.setAccessibleName("AI model status")
        self.sync_label = QLabel("")
        self.sync_label.setAccessibleName("Sync status")
        self.problem_label = QLabel("")
        self.problem_label.setAccessibleName("Set-up problems")
        self.statusBar().addWidget(self.model_label, 1)
        self.statusBar().addWidget(self.problem_label)
        self.statusBar().addPermanentWidget(self.sync_label)
        if workspace.startup_problems:  # e.g. a bad IT policy key: DrillPad runs on its default, and says so
            self.problem_label.setText("⚠ " + workspace.startup_problems[0]
                                       + (f" (+{len(workspace.startup_problems) - 1} more)"
                                          if len(workspace.startup_problems) > 1 else ""))
            self.problem_label.setToolTip("\n".join(workspace.startup_problems))
        self._syncing = False
        self._evidence_pending = False
        """The start-up workers are loading the evidence code: meanwhile the sync status and the sync wait for them
        (the main thread importing it too, or waiting for a worker's half-done import of it, stalled a session by
        80 ms and more on a busy PC); the worker shows the status and starts the first sync once it is loaded."""
        self.sync_timer = QTimer(self)  # every few minutes while idle (IT policy sync_minutes), never mid-answer
        self.sync_timer.setInterval(workspace.policy.policy.sync_minutes * 60_000)
        self.sync_timer.timeout.connect(self._sync_tick)
        self.sync_clock = QTimer(self)  # "last synced 2 min ago" stays true
        self.sync_clock.setInterval(60_000)
        self.sync_clock.timeout.connect(self._refresh_sync)

        minutes = idle_minutes if idle_minutes is not None else workspace.policy.policy.idle_lock_minutes
        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.setInterval(max(1, int(minutes * 60_000)))
        self.idle.timeout.connect(self._idle_timeout)
        # Input is watched on each top-level window (this one, and each dialog as it takes the focus), not with an
        # application-wide filter: that one called Python for every event of every widget (about 2,000 per lock and
        # rebuild of the screens), each waiting for the interpreter lock a busy worker held.
        QApplication.instance().focusWindowChanged.connect(self._watch_window)
        self._watching = True
        self.profiles.installEventFilter(self)  # its first paint; removed once seen

        self._bridge = _EngineBridge()
        self._bridge.progress.connect(self._engine_progress)
        self._bridge.loaded.connect(self._engine_loaded)
        self._bridge.status.connect(self._engine_status)
        # The names screen first; right after it is painted, the empty learner screens, one per event-loop turn;
        # shortly after the last, the model (its runtime import competes for the interpreter), the sync status and
        # the background sync, which load the evidence code. Building the screens while a worker imported pydantic
        # and the evidence code made each turn wait for the interpreter lock: on a busy PC, stalls of 100–270 ms
        # just after the first paint and while choosing a name.
        factory = engine_factory or workspace.ai.open_engine
        self._startup = QTimer(self)
        self._startup.setSingleShot(True)
        self._startup.setInterval(STARTUP_DELAY_MS)
        self._startup.timeout.connect(lambda: self._after_first_paint(factory))
        self._startup_pending = True  # the start-up workers wait for the first set of screens
        self.first_paint.connect(lambda: QTimer.singleShot(0, self._build_next_screen))
        self.stack.setCurrentWidget(self.profiles)

    # --- screens that hold a learner's data: built empty while nobody is unlocked (just after the first
    # paint, and again at each lock, so unlocking is quick), destroyed at every lock ----------------

    LEARNER_SCREENS = ("today", "lesson", "recall", "drill", "progress", "mydata")

    def _drop_learner_screens(self) -> None:
        for name in self.LEARNER_SCREENS:
            screen = getattr(self, name)
            if screen is not None:
                self.stack.removeWidget(screen)
                screen.deleteLater()
                setattr(self, name, None)

    SCREEN_CODE = {name: (f"drillpad.ui.trainee.{name}",) for name in LEARNER_SCREENS}
    SCREEN_CODE["progress"] += ("drillpad.ui.widgets.charts",)
    """The modules each learner screen needs, imported one per event-loop turn before it is built."""

    def _build_next_screen(self) -> None:
        """Import one module a missing learner screen needs, or build that screen, then yield to the event loop
        before the next: building all six in one go held the main thread for 50–170 ms (longer on a busy PC), and
        importing a screen's code in the turn that built it made those turns the longest of a loaded start."""
        if self._closing or self.workspace.db is None:
            return
        missing = [name for name in self.LEARNER_SCREENS if getattr(self, name) is None]
        code = [m for m in self.SCREEN_CODE[missing[0]] if m not in sys.modules] if missing else []
        if code:
            importlib.import_module(code[0])
            QTimer.singleShot(0, self._build_next_screen)
            return
        if missing:
            self._build_screen(missing[0])
        if len(missing) > 1:
            QTimer.singleShot(0, self._build_next_screen)
        elif self._startup_pending:  # all built (or built at an early unlock): now the start-up workers
            self._startup_pending = False
            self._startup.start()

    def _build_screen(self, name: str) -> None:
        ws = self.workspace
        if name == "today":
            from drillpad.ui.trainee.today import TodayScreen

            self.today = screen = TodayScreen(ws)
            screen.start.connect(self.start_session)
            screen.show_progress.connect(self._show_progress)
            screen.show_data.connect(self._show_data)
            screen.reflect.connect(self._reflect)
            screen.lock.connect(self.lock)
        elif name == "lesson":
            from drillpad.ui.trainee.lesson import LessonScreen

            self.lesson = screen = LessonScreen(ws)
            screen.finished.connect(self._lesson_read)
            screen.stop.connect(self.lock)  # "Stop for now · Lock": answered items are saved
        elif name == "recall":
            from drillpad.ui.trainee.recall import RecallScreen

            self.recall = screen = RecallScreen(ws)
            screen.finished.connect(self._next_item)
            screen.stop.connect(self.lock)
        elif name == "drill":
            from drillpad.ui.trainee.drill import DrillScreen

            self.drill = screen = DrillScreen(ws)
            screen.finished.connect(self._next_item)
            screen.stop.connect(self.lock)
        elif name == "progress":
            from drillpad.ui.trainee.progress import ProgressScreen

            self.progress = screen = ProgressScreen(ws)
            screen.back.connect(self._show_today)
        else:
            from drillpad.ui.trainee.mydata import MyDataScreen

            self.mydata = screen = MyDataScreen(ws)
            screen.back.connect(self._show_today)
        self.stack.addWidget(screen)

    # --- profile and lock ------------------------------------------------------------------

    def _choose(self, learner_id: str) -> None:
        self.pin.start(learner_id)
        self.stack.setCurrentWidget(self.pin)
        self.idle.start()

    def _unlocked(self, learner_id: str) -> None:
        self.learner_id = learner_id
        self._prepare_learner_screens()  # when unlocked before they were prepared
        engine = self.workspace.ai.engine
        if self.pregenerate and engine is not None and engine.state.value == "ready":
            self._pregenerate_in_background(engine, learner_id)
        self._show_today()
        result = self.pin.last_result
        if result is not None and result.wrong_since_last_visit:
            self.today.show_notice(f"⚠ {result.wrong_since_last_visit} wrong PIN attempt"
                                   f"{'' if result.wrong_since_last_visit == 1 else 's'} since your last visit. "
                                   "If that was not you, tell your manager.")

    def enter_manager_mode(self, passphrase: str | None = None, name: str | None = None) -> None:
        """Ask for the manager passphrase (unless given), unlock the keys off the main thread, open the desk."""
        from drillpad.ui.manager.desk import PassphraseDialog

        if passphrase is None:  # the dialog stays open, busy, until the key is unlocked or the passphrase is wrong
            dialog = self.passphrase_dialog = PassphraseDialog(self)
            dialog.submitted.connect(lambda typed, who: self._unlock_manager(typed, who, dialog))
            dialog.open()
            return
        self._unlock_manager(passphrase, name, None)

    def _unlock_manager(self, passphrase: str, name: str | None, dialog) -> None:
        from drillpad.evidence.keys import unlock_manager_keys_in_child

        data_dir = self.workspace.paths.data_dir
        if dialog is None:
            self.statusBar().showMessage("Unlocking the manager key…")

        def done(keys) -> None:
            if dialog is not None:
                if not dialog.isVisible():  # cancelled, or a lock came meanwhile: the keys are dropped
                    return
                dialog.accept()
            self._open_manager(keys, name or "manager")

        def failed(message: str) -> None:
            if dialog is not None:
                if dialog.isVisible():
                    dialog.failed(message)
                return
            self.statusBar().showMessage(f"Manager mode: {message}", 8000)

        workers.run(lambda: unlock_manager_keys_in_child(data_dir, passphrase), done, failed)

    def _open_manager(self, keys, name: str) -> None:
        from drillpad.ui.manager.desk import ManagerScreen

        if self._closing:  # the keys were unlocked after the window closed: drop them
            return
        self.statusBar().clearMessage()
        self._drop_manager()
        self.manager_screen = ManagerScreen(self.workspace, keys, name)
        self.manager_screen.leave.connect(self.lock)
        self.manager_screen.lrs.sent.connect(lambda _report: self._refresh_sync())
        self.stack.addWidget(self.manager_screen)
        self.stack.setCurrentWidget(self.manager_screen)
        self.idle.start()

    def _drop_manager(self) -> None:
        if self.manager_screen is not None:
            self.stack.removeWidget(self.manager_screen)
            self.manager_screen.deleteLater()
            self.manager_screen = None  # and with it the unlocked keys

    def _close_dialogs(self) -> None:
        """Every dialog and popup goes at a lock: an unsaved reflection is kept for its owner (in memory, shown
        only to them), nothing else typed in a dialog survives, and nothing is left over the names."""
        if self.reflection is not None:
            typed = self.reflection.text.toPlainText()
            if typed.strip() and self.learner_id is not None:
                self._drafts[self.learner_id] = typed
            self.reflection.text.clear()
            dialog, self.reflection = self.reflection, None
            dialog.reject()
            dialog.deleteLater()
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, (QDialog, QMenu)) and widget.isVisible():
                if isinstance(widget, QDialog):
                    widget.reject()  # a nested exec() returns "cancelled"
                widget.close()

    def lock(self) -> None:
        """Back to the names; the last person's screens are destroyed, their session ended."""
        if self._background_cancel is not None:  # their variants: nobody is practising now
            self._background_cancel.cancel()
        self._close_dialogs()
        self._drop_manager()
        self.workspace.profiles.lock()
        self.learner_id = None
        self.items, self.position = [], 0
        self._drop_learner_screens()  # the last person's are destroyed; fresh, empty ones for the next, one by one
        QTimer.singleShot(0, self._build_next_screen)
        self.pin.clear()
        self.profiles.refresh()
        self.stack.setCurrentWidget(self.profiles)
        self.idle.stop()
        self._refresh_sync()
        self.sync_in_background()
        self.locked.emit()
        # the last person's screens are gone: give their pages back, in a worker (malloc_trim took 20–100 ms of the
        # main thread; a ctypes call releases the interpreter lock)
        QTimer.singleShot(0, lambda: workers.run(release_free_memory, None, None))

    def _idle_timeout(self) -> None:
        if self.stack.currentWidget() is not self.profiles:
            self.lock()

    def _watch_window(self, window) -> None:
        """Watch a top-level window's input (keys, mouse, touch) for the idle lock; installing twice is harmless."""
        if window is not None and not self._closing:
            window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind in ACTIVITY:
            if self.stack.currentWidget() is not self.profiles:
                self.idle.start()
        elif kind == QEvent.Type.Paint and watched is self.profiles and not self._painted:
            self._painted = True
            self.profiles.removeEventFilter(self)
            self._watch_window(self.windowHandle())
            QTimer.singleShot(0, self.first_paint.emit)  # once the paint is done, not from inside it
        return False

    # --- today and the session ---------------------------------------------------------------

    def _show_today(self) -> None:
        self.today.show_for(self.learner_id)
        self.stack.setCurrentWidget(self.today)

    def start_session(self) -> None:
        """Begin the queue on the Today screen (gathered in a worker when it was shown); read it here only when
        Start comes before that screen has its learner's day."""
        today = self.today
        ready = today is not None and today.ready and today.learner_id == self.learner_id
        self.items = list(today.items) if ready else self.workspace.today(self.learner_id).items
        self.position = 0
        self.done_count = 0
        self._show_item()

    def _show_item(self) -> None:
        if self.position >= len(self.items):
            self._show_today()
            self.statusBar().showMessage(f"Done: {count_text(self.done_count, 'item')}. Everything you answered is saved.",
                                         8000)
            self.session_finished.emit(self.done_count)
            return
        item = self.items[self.position]
        pack_id = self.workspace.profiles.learner(self.learner_id).pack_id
        if item.kind == "lesson":
            self.lesson.show_lesson(item.item_id, pack_id)
            self.stack.setCurrentWidget(self.lesson)
        elif item.kind == "prompt":
            self.recall.show_prompt(self.learner_id, item.item_id, pack_id)
            self.stack.setCurrentWidget(self.recall)
        else:
            self.drill.show_drill(self.learner_id, item.item_id)
            self.stack.setCurrentWidget(self.drill)

    def _lesson_read(self, lesson_id: str, seconds: float) -> None:
        try:
            self.workspace.read_lesson(self.learner_id, lesson_id, seconds)
        except Exception as exc:  # noqa: BLE001 - a full disk is told in plain words; anything else is a bug
            if (problem := save_problem(exc)) is None:
                raise
            self.lesson.show_problem(problem)
            return
        self._next_item()

    def _next_item(self) -> None:
        self.done_count += 1
        self.position += 1
        self._refresh_sync()
        self._show_item()

    def _show_progress(self) -> None:
        self.progress.show_for(self.learner_id)
        self.stack.setCurrentWidget(self.progress)

    def _show_data(self) -> None:
        self.mydata.show_for(self.learner_id)
        self.stack.setCurrentWidget(self.mydata)

    def _reflect(self) -> None:
        if self.learner_id is None or self.reflection is not None:
            return
        self.reflection = ReflectionDialog(self, self._drafts.pop(self.learner_id, ""))
        self.reflection.accepted.connect(self._reflection_saved)
        self.reflection.rejected.connect(self._reflection_closed)
        self.reflection.open()

    def _reflection_saved(self) -> None:
        dialog, owner = self.reflection, self.learner_id
        if dialog is None or owner is None:
            return
        reply = dialog.text.toPlainText()
        if reply.strip():
            try:
                self.workspace.reflect(owner, reply)
            except Exception as exc:  # noqa: BLE001 - a full disk is told in plain words; anything else is a bug
                if (problem := save_problem(exc, "reflection", "Save")) is None:
                    raise
                dialog.problem.setText("⚠ " + problem)
                dialog.problem.setVisible(True)
                dialog.open()  # still there, with the text, for another try
                return
        self._reflection_closed()
        self._show_today()

    def _reflection_closed(self) -> None:
        if self.reflection is not None and not self.reflection.isVisible():
            self.reflection.deleteLater()
            self.reflection = None
            if self.today is not None and self.stack.currentWidget() is self.today:
                self.activateWindow()  # the keyboard goes back where it was
                self.today.reflect_button.setFocus(Qt.FocusReason.PopupFocusReason)

    # --- status bar: the model and sync --------------------------------------------------------

    def _after_first_paint(self, factory: Callable[[], Engine]) -> None:
        """What the names screen does not need, once the empty learner screens are built, in short steps so the
        screen stays responsive: the model is found, checked and loaded in workers; then the sync status and the
        first background sync (which load the evidence code)."""
        if self.workspace.db is None or self._closing:  # closed before it ever showed
            return
        # pydantic and the rest are imported by one worker first: two workers importing them at once raced
        # ("cannot import name … from partially initialized module") and turned the AI off.
        self._evidence_pending = True
        # a drill shown before the worker has noted the model is the written one
        self.workspace.ai.model_noted_in_background = True

        def shared() -> None:
            import_shared()
            self.workspace.ai.note_variant_model()

        workers.run(shared, lambda _none: self._start_workers(factory),
                    lambda _message: self._start_workers(factory))

    def _start_workers(self, factory: Callable[[], Engine]) -> None:
        if self.workspace.db is None or self._closing:
            return
        self._start_engine(factory)
        if self.workspace.full_check_due:  # after an unclean exit: the full check, in a worker (quick one ran at open)
            workers.run(self.workspace.full_check, self._full_check_finished,
                        lambda message: self.statusBar().showMessage(f"⚠ The data check could not run: {message}",
                                                                     15000))
        # today's backup (verified, rotated) with its own connections, never on the main thread
        workers.run(lambda: self.workspace.backup(if_due=True), None,
                    lambda message: self.statusBar().showMessage(f"⚠ Today's backup failed: {message}", 15000))
        # The evidence code (crypto, pydantic) is imported by a worker; the sync status then reads at once.
        # Then, in the same worker's wake (one importer at a time), what the first answer needs.
        def evidence_loaded(_module) -> None:
            self._evidence_pending = False
            self._first_sync()
            if not self._closing:
                workers.run(warm_up, None, None)

        def evidence_failed(message: str) -> None:
            self._evidence_pending = False
            self.sync_label.setText(f"⚠ evidence sync unavailable: {message}")

        workers.run(lambda: importlib.import_module("drillpad.evidence.sync"), evidence_loaded, evidence_failed)

    def _prepare_learner_screens(self) -> None:
        """All the learner screens, now (someone unlocked before they were all built in the background)."""
        if self._closing:
            return
        for name in self.LEARNER_SCREENS:
            if getattr(self, name) is None:
                self._build_screen(name)
        if self._startup_pending and self._painted:  # the start-up workers waited for these screens
            self._startup_pending = False
            self._startup.start()

    def _first_sync(self) -> None:
        if self._closing or self.workspace.db is None:
            return
        self._refresh_sync()
        self.sync_in_background()
        self.sync_timer.start()
        self.sync_clock.start()

    def _mid_answer(self) -> bool:
        """A learner is reading a lesson, answering a prompt or a drill, or writing a reflection."""
        return (self.reflection is not None
                or self.stack.currentWidget() in [s for s in (self.lesson, self.recall, self.drill) if s is not None])

    def _sync_tick(self) -> None:
        """The idle timer's sync; skipped while a learner answers (the lock after their session syncs)."""
        if not self._closing and not self._mid_answer():
            self.sync_in_background()

    def _start_engine(self, factory: Callable[[], Engine]) -> None:
        def failed(message: str) -> None:  # the app works without AI
            self._ai_off(message)

        workers.run(factory, self._engine_made, failed)  # finding and checking the model file, off the main thread

    def _engine_made(self, engine: Engine) -> None:
        if self._closing:
            engine.close()
            return
        self.engine = engine
        if hasattr(engine, "watch"):  # a model in its own process: it may restart, or turn AI off
            engine.watch(lambda state, text: self._bridge.status.emit(state.value, text))
        future = engine.load(lambda fraction, text="": self._bridge.progress.emit(float(fraction), str(text)))
        future.add_done_callback(lambda _f: self._bridge.loaded.emit())

    def _engine_progress(self, fraction: float, text: str) -> None:
        if fraction < 1.0:
            self.model_label.setText(f"AI helper: getting ready… {fraction:.0%}")

    def _engine_loaded(self) -> None:
        engine = self.engine
        if engine is None or self._closing:
            return
        if engine.state.value != "ready":
            self._ai_off(engine.reason or engine.state.value)
            return
        info = engine.info()
        self.workspace.ai.engine = engine
        self.model_label.setText("✓ AI helper ready")
        self.model_label.setToolTip(f"AI model {info.name} is ready: scenarios may be AI-adapted, and are always "
                                    "checked against the SOP first.")
        if self.pregenerate and self.learner_id is not None:
            self._pregenerate_in_background(engine, self.learner_id)

    def _engine_status(self, state: str, text: str) -> None:
        """After the first load: the model's process crashed and restarts, is back, or AI turned off."""
        engine = self.engine
        if engine is None or self._closing or self.workspace.ai.engine is not engine:
            return
        if state == "restarting":
            self.model_label.setText("AI helper restarting… (written scenarios meanwhile)")
            self.model_label.setToolTip(f"The AI model's process stopped and is being restarted: {text}")
        elif state == "ready":
            self.model_label.setText("✓ AI helper ready")
            self.model_label.setToolTip(f"AI model {engine.info().name} is ready again: scenarios may be "
                                        "AI-adapted, and are always checked against the SOP first.")
        elif state == "unavailable":
            self.workspace.ai.engine = None  # nothing waits for a model that will not come back
            self._ai_off(engine.reason or text)

    def _ai_off(self, reason: str) -> None:
        """No AI: the written scenarios. The reason (which may be an error's text) is for hover only."""
        self.model_label.setText("AI off — using the written scenarios")
        detail = reason.strip().splitlines()[-1] if reason.strip() else "no reason given"
        self.model_label.setToolTip(f"The AI helper is off: {detail}")

    def _pregenerate_in_background(self, engine: Engine, learner_id: str) -> None:
        """Prepare variants for the upcoming drills of the person who is practising, in a worker with its own
        database connection. Only while someone is unlocked: a lock cancels it, so the names screen of an
        idle shared PC does no work (generating for everyone at start kept a core half busy for minutes)."""
        from drillpad.llm.engine import CancelToken

        if self._background_cancel is not None:  # one at a time
            return
        data_dir, policy, clock = self.workspace.paths.data_dir, self.workspace.policy, self.workspace.clock
        # a lock or closing the window stops it at the model's next token (patient: the model's process is
        # not killed and restarted for a job nobody waits for)
        cancel = self._background_cancel = CancelToken(patient=True)

        def job() -> int:
            with Workspace.open(Path(data_dir), clock=clock, policy=policy) as ws:
                return ws.ai.pregenerate(engine, learner_key=learner_id, per_drill=1, max_attempts=2,
                                         cancel=cancel).kept

        def finished(kept) -> None:
            if self._background_cancel is cancel:
                self._background_cancel = None
            if isinstance(kept, int) and kept and not cancel.cancelled and self.learner_id == learner_id:
                self.statusBar().showMessage(f"AI prepared {count_text(kept, 'new scenario variant')}.", 6000)
            elif cancel.cancelled and self.learner_id not in (None, learner_id) and not self._closing:
                self._pregenerate_in_background(engine, self.learner_id)  # someone else came in meanwhile

        workers.run(job, finished, finished)

    def _refresh_sync(self, problem: str = "") -> None:
        if self._closing or self.workspace.db is None:  # a worker finishing after the window closed
            return
        if self._evidence_pending:  # the start-up worker shows the status once it has loaded the evidence code
            return
        team = self.workspace.evidence.team()
        if team is not None and team["role"] == "manager":  # the manager's PC receives; it does not send
            last = self.workspace.evidence.log(1)
            label = (f"Manager PC for {team['name']} · last bundle: "
                     + (f"{_local(last[0]['at'])} ({last[0]['outcome']})" if last else "none yet"))
            lrs = self.workspace.lrs.status()
            if lrs is not None and (lrs["stopped"] or lrs["unreachable"]):
                label += f" · ⚠ LRS unreachable, {lrs['counts']['queued']} statement(s) waiting"
                self.sync_label.setToolTip(lrs["stopped"] or lrs["last_problem"] or "")
            self.sync_label.setText(label)
            return
        status = self.workspace.sync_status()
        waiting = status["pending"] + status["unacked_bundles"]
        run = self.workspace.evidence.last_run()
        if run is None:
            text = "Not synced yet"
        else:
            n = run["workstations"]
            text = (f"last synced {synced_ago(run['at'], self.workspace.clock.now())} — {n} "
                    f"workstation{'' if n == 1 else 's'}")
        text += f" · waiting to send: {count_text(status['pending'], 'record')}"
        if status["unacked_bundles"]:
            text += f", {count_text(status['unacked_bundles'], 'bundle')} not yet confirmed"
        if status["target"] is None:
            text += " · not enrolled with a manager" if self.workspace.evidence.team() is None else " · no sync target"
        elif problem:
            text += " · ⚠ offline, will retry"
        tip = problem or ("Evidence goes to " + status["target"][1] if status["target"] else "")
        if self.workspace.lrs.sends_here():
            lrs = self.workspace.lrs.status()
            if lrs is not None and (lrs["stopped"] or lrs["unreachable"]):
                text += f" · ⚠ LRS unreachable, {lrs['counts']['queued']} statement(s) waiting"
                tip = lrs["stopped"] or lrs["last_problem"] or tip
        self.sync_label.setText(text)
        self.sync_label.setToolTip(tip)
        self.sync_label.setProperty("waiting", waiting)

    # --- damage found by the background full check ------------------------------------------------------

    _repair_pending = False

    def _full_check_finished(self, report) -> None:
        if not report.ok and self.workspace.db is not None and not self._closing:
            self._repair_pending = True
            if not self._syncing:  # a sync has its own connection: the restore waits until it is done
                self._repair()
        self.full_check_done.emit(report)

    def _damage_found(self) -> None:
        """A save met a damaged page while the window is open: once the screen that tried it has said so, repair
        as after a failed full check (never before a sync's own connection is done)."""
        if self.workspace.db is None or self._closing or self._repair_pending:
            return
        self._repair_pending = True
        QTimer.singleShot(0, lambda: self._repair() if self._repair_pending and not self._syncing else None)

    def _repair(self) -> None:
        """The data is damaged: nobody's screen stays open, the newest good backup comes back with everything
        that still reads, and the trainee is told what may be missing."""
        self._repair_pending = False
        self._close_dialogs()
        self._drop_manager()
        self.workspace.profiles.lock()
        try:
            report = self.workspace.repair()
        except Exception as exc:  # noqa: BLE001 - shown in plain words; the window cannot go on with this data
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(self, "DrillPad", f"Your practice data is damaged and could not be restored: {exc}. "
                                 "Please tell IT.")
            return
        self.lock()
        self.show_restored(report)

    def show_restored(self, report) -> None:
        """Say plainly that damaged data was restored and what may be missing (details: the full list)."""
        from PySide6.QtWidgets import QMessageBox

        text, details = restored_message(report)
        box = QMessageBox(QMessageBox.Icon.Warning, "DrillPad restored your practice data", text,
                          QMessageBox.StandardButton.Ok, self)
        box.setDetailedText(details)
        box.setAccessibleName("Practice data restored")
        QTimer.singleShot(0, box.open)

    def sync_in_background(self) -> None:
        """Send new evidence and fetch the manager's decisions when a target is set (at start and after each
        person locks); failures only say "will retry" — nothing is lost, bundles stay in the outbox."""
        if self._evidence_pending:  # the start-up worker's first sync comes once it has loaded the evidence code
            return
        target = self.workspace.sync_target()
        if target is None or self._syncing:
            return
        self._syncing = True
        paths, clock, policy = self.workspace.paths, self.workspace.clock, self.workspace.policy

        def job():
            ws = Workspace(paths, clock=clock, policy=policy)
            try:
                result = ws.evidence.sync(target)
                if ws.lrs.sends_here():  # IT lets this workstation send its own facts to the LRS too
                    ws.lrs.send(max_failures=1)  # one try; what is left goes at the next sync
                return result
            finally:
                ws.close()

        def done(_result) -> None:
            self._syncing = False
            self._refresh_sync()
            if self._repair_pending:
                self._repair()

        def failed(message: str) -> None:
            self._syncing = False
            self._refresh_sync(message)
            if self._repair_pending:
                self._repair()

        workers.run(job, done, failed)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._closing = True
        self._startup.stop()
        self.sync_timer.stop()
        self.sync_clock.stop()
        if self._background_cancel is not None:
            self._background_cancel.cancel()
        if self._watching:  # once: a window may be closed twice
            self._watching = False
            QApplication.instance().focusWindowChanged.disconnect(self._watch_window)
        if (handle := self.windowHandle()) is not None:
            handle.removeEventFilter(self)
        QThreadPool.globalInstance().waitForDone(5000)
        if self.engine is not None:
            self.engine.close()
        super().closeEvent(event)


def _local(iso: str) -> str:
    """A stored UTC time as people write it, in local time: "Tue 3 Dec, 14:05"."""
    from datetime import datetime

    from drillpad.core.dates import moment_text

    return moment_text(datetime.fromisoformat(iso).astimezone())


def synced_ago(at: str, now) -> str:
    """'just now', '2 min ago', '3 h ago', '2 days ago' (a clock that went back says 'just now')."""
    from drillpad.clock import from_iso

    seconds = (now - from_iso(at)).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


def restored_message(report) -> tuple[str, str]:
    """The words shown when DrillPad opened damaged practice data by restoring it (a RestoreReport)."""
    when = f"the copy from {report.backup.taken_at:%A %d %B, %H:%M} UTC" if report.backup else "what could still be read"
    text = f"Your practice data was damaged. DrillPad restored {when}"
    if report.missing:
        text += (f"; {report.missing_answers} answer(s) made since then may be missing "
                 f"({len(report.missing)} record(s) in all, listed under Show Details).")
    else:
        text += "; nothing is known to be missing."
    text += " Please tell IT (the damaged file is kept for them)."
    return text, report.summary()


def _tell_cannot_start(exc: Exception) -> int:
    """Started from a shortcut there is no terminal: say why DrillPad cannot start in a dialog, and on stderr."""
    from PySide6.QtWidgets import QMessageBox

    from drillpad.store.db import StoreError

    message = str(exc) if isinstance(exc, StoreError) else f"DrillPad could not start: {exc}. Please tell IT."
    print(f"error: {message}", file=sys.stderr)
    QMessageBox.critical(None, "DrillPad cannot start", message)
    return 1


def apply_app_font(app: QApplication) -> None:
    """The system font size or larger (12 pt), never smaller."""
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), 12.0))
    app.setFont(font)


def run_app(open_workspace: Callable[[], Workspace], *,
            on_first_paint: Callable[[MainWindow], None] | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("DrillPad")
    apply_app_font(app)
    try:
        workspace = open_workspace()
    except Exception as exc:  # noqa: BLE001 - every start failure is shown, not only printed
        return _tell_cannot_start(exc)
    from drillpad.logs import install_crash_handler

    def tell(message: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "DrillPad", message)

    install_crash_handler(workspace.paths.log_dir, tell)
    try:
        window = MainWindow(workspace)
        if on_first_paint is not None:
            window.first_paint.connect(lambda: on_first_paint(window))
        window.show()
        if workspace.restored is not None:  # opened damaged data by restoring it: say so, plainly
            window.show_restored(workspace.restored)
        return app.exec()
    finally:
        workspace.close()


__all__ = ["MainWindow", "apply_app_font", "run_app", "QWidget"]
