"""Models for the manager desk's long lists (Qt model/view): the view draws only the rows on screen, and
a paged list asks for its next page only when the view scrolls near its end (``canFetchMore``/``fetchMore``).
No widget or item object is made per row; a year of a big site's attempts opens as fast as one page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

PAGE = 100
Index = QModelIndex | QPersistentModelIndex


class PagedListModel(QAbstractListModel):
    """Rows from ``fetch(offset, limit)`` a page at a time; ``render(row)`` is the text shown (and read out)."""

    def __init__(self, fetch: Callable[[int, int], Sequence[Any]], render: Callable[[Any], str], page: int = PAGE):
        super().__init__()
        self._fetch, self._render, self.page = fetch, render, page
        self.rows: list[Any] = []
        self._done = False

    def reload(self) -> None:
        """Back to the first page (after the data changed)."""
        self.beginResetModel()
        self.rows, self._done = [], False
        self.endResetModel()
        if self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._done

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._done:
            return
        more = list(self._fetch(len(self.rows), self.page))
        self._done = len(more) < self.page
        if more:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
            self.rows.extend(more)
            self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._render(self.rows[index.row()])
        if role == Qt.ItemDataRole.UserRole:
            return self.rows[index.row()]
        return None


class RowsTableModel(QAbstractTableModel):
    """A table over rows already in memory (the team, the devices): *cell(row, column, role)* gives each cell's
    display text, background or tooltip; the view asks only for the cells it draws."""

    def __init__(self, cell: Callable[[Any, int, int], Any]):
        super().__init__()
        self._cell = cell
        self.rows: list[Any] = []
        self.headers: list[str] = []
        self.row_headers: list[str] = []

    def set_rows(self, rows: Sequence[Any], headers: Sequence[str], row_headers: Sequence[str] = ()) -> None:
        self.beginResetModel()
        self.rows, self.headers, self.row_headers = list(rows), list(headers), list(row_headers)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            role = Qt.ItemDataRole.DisplayRole
        return self._cell(self.rows[index.row()], index.column(), role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        names = self.headers if orientation == Qt.Orientation.Horizontal else self.row_headers
        return names[section] if 0 <= section < len(names) else None
