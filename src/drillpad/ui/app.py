"""The DrillPad window. For now: the installed roles and their skills maps.

Screens take the Workspace and show what it returns; no business rules and no SQL here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from drillpad.workspace import RoleInfo, Workspace

EVIDENCE = {"drill": "scenario drills", "observed": "observed on the job", "work_sample": "peer-reviewed work sample"}


class RoleView(QWidget):
    """One role's skills map: its tasks (what good looks like) and critical behaviours."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.heading = QLabel(wordWrap=True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.body = QLabel(wordWrap=True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.body.setAccessibleName("Skills map")
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                          | Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.body, 1)

    def show_role(self, role: RoleInfo) -> None:
        self.heading.setText(
            f"<h1 style='margin:0'>{escape(role.title)}</h1>"
            f"<p style='color:#444'>{escape(role.summary)}</p>"
            f"<p style='color:#2d5e2d'>&#10003; {escape(role.approval)}</p>"
        )
        tasks = "".join(
            f"<li style='margin-bottom:10px'><b>{escape(t.title)}</b><br>"
            f"<span style='color:#333'>Good looks like: {escape(t.what_good_looks_like)}</span></li>"
            for t in role.tasks
        )
        behaviours = "".join(
            f"<li><b>{escape(b['title'])}</b> — evidence: {EVIDENCE[b['evidence']]}; "
            f"{b['demonstrations']} successful demonstration(s) before sign-off</li>"
            for b in role.behaviours
        )
        self.body.setText(f"<h2>Tasks ({len(role.tasks)})</h2><ol>{tasks}</ol>"
                          f"<h2>Critical behaviours</h2><ul>{behaviours}</ul>")


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace):
        super().__init__()
        self.workspace = workspace
        self.setWindowTitle("DrillPad")
        self.resize(1200, 760)
        self.roles = workspace.roles()

        self.role_list = QListWidget()
        self.role_list.setAccessibleName("Roles")
        self.role_list.setMinimumWidth(280)
        self.role_list.setMaximumWidth(360)
        self.role_list.setStyleSheet("QListWidget::item { padding: 14px; }")
        self.role_list.setWordWrap(True)
        self.role_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for role in self.roles:
            item = QListWidgetItem(f"{role.title}\n{role.pack_title}")
            item.setData(Qt.ItemDataRole.UserRole, role.id)
            self.role_list.addItem(item)

        self.role_view = RoleView()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.role_view)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.role_list)
        layout.addWidget(scroll, 1)
        self.setCentralWidget(central)

        self.role_list.currentRowChanged.connect(self._show_role)
        learners = workspace.learners()
        self.statusBar().showMessage(
            f"{len(self.roles)} role(s) · {len(learners)} learner(s) on this workstation · "
            f"data: {workspace.paths.data_dir}"
        )
        if self.roles:
            self.role_list.setCurrentRow(0)
        else:
            self.role_view.heading.setText("<h1>No content yet</h1><p>Ask your manager or IT to import a "
                                           "content pack: <code>drillpad pack import PATH</code></p>")

    def _show_role(self, row: int) -> None:
        if 0 <= row < len(self.roles):
            self.role_view.show_role(self.roles[row])


def run_app(open_workspace: Callable[[], Workspace]) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("DrillPad")
    font = QFont(app.font())
    font.setPointSize(max(font.pointSize(), 12))
    app.setFont(font)
    workspace = open_workspace()
    try:
        window = MainWindow(workspace)
        window.show()
        return app.exec()
    finally:
        workspace.close()
