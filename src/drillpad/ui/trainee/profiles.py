"""Who's practising? Big name tiles for the learners on this workstation, a search box when
there are many, and "Add me" when the IT policy allows it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from drillpad.ui.widgets.common import MIN_TARGET, big_button, heading, text

SEARCH_FROM = 9
COLUMNS = 3


class ProfilesScreen(QWidget):
    chosen = Signal(str)  # learner id
    added = Signal(str)
    manager = Signal()

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Who's practising?"))
        layout.addWidget(text("Choose your name. Your PIN keeps your practice private on this shared computer.",
                              selectable=False))
        self.search = QLineEdit()
        self.search.setPlaceholderText("Type your name to find it")
        self.search.setAccessibleName("Find your name")
        self.search.setMinimumHeight(MIN_TARGET)
        self.search.textChanged.connect(self._filter)
        layout.addWidget(self.search)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the tiles are the Tab stops, not their frame
        layout.addWidget(scroll, 1)
        self.add_button = big_button("+ Add me", "Add me as a new learner")
        self.add_button.clicked.connect(self._add)
        layout.addWidget(self.add_button)
        self.manager_button = big_button("Manager mode…", "Manager mode (needs the manager passphrase)")
        self.manager_button.clicked.connect(self.manager.emit)
        layout.addWidget(self.manager_button, 0, Qt.AlignmentFlag.AlignRight)  # there for managers, not in the way
        self.empty = text("", selectable=False)
        layout.addWidget(self.empty)
        self.tiles: list[QPushButton] = []
        self.refresh()

    def refresh(self) -> None:
        for tile in self.tiles:
            tile.setParent(None)
            tile.deleteLater()
        self.tiles = []
        learners = self.workspace.profiles.learners()
        for n, lr in enumerate(learners):
            tile = QPushButton(f"{lr.name}\n{lr.role_title}")
            tile.setAccessibleName(f"{lr.name}, {lr.role_title}")
            tile.setMinimumSize(220, 96)
            font = QFont(tile.font())
            font.setPointSizeF(font.pointSizeF() * 1.25)
            tile.setFont(font)
            tile.setProperty("learner_id", lr.id)
            tile.setProperty("search", lr.name.lower())
            tile.clicked.connect(lambda _=False, i=lr.id: self.chosen.emit(i))
            self.grid.addWidget(tile, n // COLUMNS, n % COLUMNS)
            self.tiles.append(tile)
        self.search.setVisible(len(learners) >= SEARCH_FROM)
        self.search.clear()
        allowed = self.workspace.policy.policy.allow_self_enrol
        self.add_button.setVisible(allowed)
        from drillpad.evidence import has_manager_keys

        self.manager_button.setVisible(has_manager_keys(self.workspace.paths.data_dir))
        self.empty.setText("" if learners else
                           ("No learners yet. Press “Add me” to start." if allowed else
                            "No learners yet. Ask your manager to add you."))
        if self.tiles:
            self.tiles[0].setFocus()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self.tiles and not self.isAncestorOf(QApplication.focusWidget()):
            self.tiles[0].setFocus(Qt.FocusReason.OtherFocusReason)  # Space picks the first name at once

    def _filter(self, needle: str) -> None:
        needle = needle.strip().lower()
        for tile in self.tiles:
            tile.setVisible(needle in tile.property("search"))

    def _add(self) -> None:
        dialog = AddLearnerDialog(self.workspace, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.learner_id:
            self.refresh()
            self.added.emit(dialog.learner_id)


class AddLearnerDialog(QDialog):
    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.learner_id: str | None = None
        self.setWindowTitle("Add me")
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.name.setAccessibleName("Your name")
        self.name.setMinimumHeight(MIN_TARGET)
        self.role = QComboBox()
        self.role.setAccessibleName("Your role")
        self.role.setMinimumHeight(MIN_TARGET)
        for r in workspace.roles():
            self.role.addItem(f"{r.title} ({r.pack_title})", f"{r.pack_id}:{r.id}")
        self.error = text("", selectable=False)
        form.addRow("Your name", self.name)
        form.addRow("Your role", self.role)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _accept(self) -> None:
        try:
            lr = self.workspace.profiles.add_learner(self.name.text().strip(), self.role.currentData())
        except Exception as exc:  # noqa: BLE001 - say why in the dialog
            self.error.setText(f"⚠ {exc}")
            return
        self.learner_id = lr.id
        self.accept()
