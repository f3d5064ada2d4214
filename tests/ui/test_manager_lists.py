"""The manager desk's long lists are Qt model/views: a site's thousands of attempts waiting for review open
as one page (no widget or item per row), and the next page comes as the list scrolls."""

from __future__ import annotations

import uuid
from datetime import timedelta

from PySide6.QtWidgets import QListWidget, QTableWidget, QWidget

from drillpad.clock import to_iso
from drillpad.store import events as event_store
from drillpad.ui.manager import desk as desk_ui
from drillpad.ui.manager.lists import PAGE

WAITING = 3000


def _waiting_attempts(ws, learner_id: str, n: int) -> None:
    device = str(uuid.uuid4())
    ws.db.execute("INSERT INTO devices (id, name, is_self, created_at) VALUES (?, 'bay 3', 0, ?)",
                  [device, to_iso(ws.clock.now())])
    start = ws.clock.now() - timedelta(days=n)
    event_store.apply(ws.db, [event_store.Event(
        str(uuid.uuid4()), device, i + 1, learner_id, "review",
        {"pack": "mini-dock", "task": "jam", "item_kind": "drill", "item": "jam-c1", "score": 0.5, "correct": False,
         "confidence": 3, "rating": 2, "attempt": i + 1, "missed": ["lockout"], "needs_review": True,
         "grade": {"criteria": {"stop": {"met": True}, "lockout": {"met": False}}}, "answer": f"answer {i}"}, to_iso(start + timedelta(days=i))) for i in range(n)])


def test_thousands_waiting_for_review_open_as_one_page_without_a_widget_per_row(qtbot, workspace, minipack):
    workspace.import_pack(minipack)
    ana = workspace.profiles.add_learner("Ana Lima", "dock-hand")
    _waiting_attempts(workspace, ana.id, WAITING)
    screen = desk_ui.ManagerScreen(workspace, keys=None)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    asked = []
    real = screen.desk.needs_review
    screen.desk.needs_review = lambda offset=0, limit=None: asked.append((offset, limit)) or real(offset, limit)

    screen.tabs.setCurrentWidget(screen.review)
    review = screen.review
    assert screen.tabs.tabText(1) == f"Needs &review ({WAITING})"
    assert asked == [(0, PAGE)] and review.model.rowCount() == PAGE  # one page read, not the whole queue
    assert review.model.index(0).data().startswith("Ana Lima · ") and review.boxes  # the oldest, shown in detail
    widgets = len(review.list.findChildren(QWidget))
    for tab in (screen.team, screen.review, screen.devices):  # the long lists (calibration shows 8 answers)
        assert not tab.findChildren(QListWidget) and not tab.findChildren(QTableWidget), tab

    review.list.scrollToBottom()  # the view asks the model for the next page
    qtbot.waitUntil(lambda: review.model.rowCount() == 2 * PAGE)
    assert asked == [(0, PAGE), (PAGE, PAGE)]
    assert len(review.list.findChildren(QWidget)) == widgets  # more rows, no more widgets
    last = review.model.index(review.model.rowCount() - 1).data(desk_ui.Qt.ItemDataRole.UserRole)
    assert last.answer == f"answer {2 * PAGE - 1}"  # in order, no gap or repeat between pages
