"""The DrillPad window, driven offscreen like a user would."""

from __future__ import annotations

from PySide6.QtCore import Qt

from drillpad.ui.app import MainWindow


def test_window_lists_roles_and_shows_their_tasks(qtbot, workspace, minipack):
    workspace.import_pack(minipack)
    workspace.add_learner("Alex", "dock-hand")
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    assert window.role_list.count() == 1
    assert window.role_list.item(0).text().startswith("Dock Hand")
    text = window.role_view.body.text()
    assert "Clear a conveyor jam" in text and "Good looks like: Stops, locks out, tests, then clears." in text
    assert "Isolates before working" in text
    assert "Approved by Test Approver" in window.role_view.heading.text()
    assert "1 learner(s)" in window.statusBar().currentMessage()


def test_switching_roles_updates_the_view(qtbot, workspace, minipack, tmp_path):
    import shutil

    other = tmp_path / "other"
    shutil.copytree(minipack, other)
    for path, old, new in (("pack.toml", 'id = "mini-dock"', 'id = "yard"'),
                           ("pack.toml", 'title = "Mini Dock (test pack)"', 'title = "Yard"'),
                           ("roles/dock-hand.toml", 'title = "Dock Hand"', 'title = "Yard Marshal"')):
        f = other / path
        f.write_text(f.read_text().replace(old, new))
    workspace.import_pack(minipack)
    workspace.import_pack(other)
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    titles = [window.role_list.item(i).text().split("\n")[0] for i in range(window.role_list.count())]
    assert titles == ["Dock Hand", "Yard Marshal"]
    rect = window.role_list.visualItemRect(window.role_list.item(1))
    qtbot.mouseClick(window.role_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert "Yard Marshal" in window.role_view.heading.text()


def test_empty_workspace_tells_what_to_do(qtbot, workspace):
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    assert "No content yet" in window.role_view.heading.text()
    assert "drillpad pack import" in window.role_view.heading.text()
