"""Charts drawn with QPainter: a line chart of shares over time and paired bars.

No colour-only signals: every point carries its value as text, the two bar series differ by
fill pattern (solid vs hatched) and are named in a legend. Colours come from the palette, so
dark mode works; sizes come from the widget font, so system font scaling works. Each chart
also describes its data in words (accessibleDescription) for screen readers.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

EMPTY = "No data yet — practise a few times to see your progress"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


class _Chart(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(260, 180)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(360, 240)

    def _frame(self, painter: QPainter) -> QRectF:
        pal = self.palette()
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        fm = painter.fontMetrics()
        painter.drawText(QRectF(8, 4, self.width() - 16, fm.height() + 4), Qt.AlignmentFlag.AlignLeft, self.title)
        left = fm.horizontalAdvance("100 %") + 12
        right = fm.horizontalAdvance("100%") // 2 + 12  # room for the last value label
        return QRectF(left, fm.height() * 2 + 8, self.width() - left - right, self.height() - fm.height() * 4 - 16)

    def _axes(self, painter: QPainter, plot: QRectF) -> None:
        pal = self.palette()
        grid = QPen(pal.color(QPalette.ColorRole.Mid), 1, Qt.PenStyle.DotLine)
        fm = painter.fontMetrics()
        for share in (0.0, 0.5, 1.0):
            y = plot.bottom() - share * plot.height()
            painter.setPen(grid)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(pal.color(QPalette.ColorRole.Text))
            painter.drawText(QRectF(0, y - fm.height() / 2, plot.left() - 6, fm.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{share:.0%}")

    def _empty(self, painter: QPainter) -> None:
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        painter.drawText(self.rect().adjusted(12, 12, -12, -12), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                         EMPTY)


class LineChart(_Chart):
    """Shares (0–1) over labelled steps, e.g. accuracy by week; None leaves a gap."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.points: list[tuple[str, float | None]] = []

    def set_data(self, title: str, points: list[tuple[str, float | None]]) -> None:
        self.title, self.points = title, list(points)
        described = ", ".join(f"{label} {_pct(v)}" for label, v in self.points) or "no data yet"
        self.setAccessibleDescription(f"{title}: {described}")
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        plot = self._frame(painter)
        if not any(v is not None for _, v in self.points):
            self._empty(painter)
            return
        self._axes(painter, plot)
        pal = self.palette()
        fm = painter.fontMetrics()
        n = len(self.points)
        step = plot.width() / max(1, n - 1) if n > 1 else 0
        xy = [(plot.left() + (i * step if n > 1 else plot.width() / 2),
               None if v is None else plot.bottom() - v * plot.height()) for i, (_, v) in enumerate(self.points)]
        line = QPen(pal.color(QPalette.ColorRole.Highlight), 3)
        painter.setPen(line)
        for (x1, y1), (x2, y2) in zip(xy, xy[1:]):
            if y1 is not None and y2 is not None:
                painter.drawLine(QPointF(x1, y1), QPointF(x2, y2))
        widest = max(fm.horizontalAdvance(label) for label, _ in self.points) + 8
        every = max(1, -(-widest * n // max(1, int(plot.width()))))  # thin the labels when they would overlap
        for i, ((label, value), (x, y)) in enumerate(zip(self.points, xy)):
            painter.setPen(pal.color(QPalette.ColorRole.Text))
            if (n - 1 - i) % every == 0:
                painter.drawText(QRectF(x - widest / 2, plot.bottom() + 4, widest, fm.height()),
                                 Qt.AlignmentFlag.AlignHCenter, label)
            if y is None:
                continue
            painter.setBrush(QBrush(pal.color(QPalette.ColorRole.Highlight)))
            painter.drawEllipse(QPointF(x, y), 5, 5)
            painter.drawText(QRectF(x - 30, y - fm.height() - 6, 60, fm.height()), Qt.AlignmentFlag.AlignHCenter,
                             _pct(value))


class PairedBarChart(_Chart):
    """Two shares per category (e.g. how sure you were vs how often you were right), told apart
    by fill pattern and a legend."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.legend: tuple[str, str] = ("", "")
        self.rows: list[tuple[str, float | None, float | None]] = []

    def set_data(self, title: str, legend: tuple[str, str], rows: list[tuple[str, float | None, float | None]]) -> None:
        self.title, self.legend, self.rows = title, legend, list(rows)
        described = "; ".join(f"{c}: {legend[0]} {_pct(a)}, {legend[1]} {_pct(b)}" for c, a, b in self.rows)
        self.setAccessibleDescription(f"{title}: {described or 'no data yet'}")
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        plot = self._frame(painter)
        if not any(b is not None for _, _, b in self.rows):
            self._empty(painter)
            return
        self._axes(painter, plot)
        pal = self.palette()
        fm = painter.fontMetrics()
        fill = pal.color(QPalette.ColorRole.Highlight)
        brushes = (QBrush(fill, Qt.BrushStyle.SolidPattern), QBrush(fill, Qt.BrushStyle.BDiagPattern))
        slot = plot.width() / max(1, len(self.rows))
        width = slot * 0.35
        for i, (category, a, b) in enumerate(self.rows):
            x = plot.left() + i * slot + slot * 0.12
            for j, value in enumerate((a, b)):
                if value is None:
                    continue
                rect = QRectF(x + j * width, plot.bottom() - value * plot.height(), width - 2, value * plot.height())
                painter.setPen(QPen(pal.color(QPalette.ColorRole.Text), 1))
                painter.setBrush(brushes[j])
                painter.drawRect(rect)
                painter.drawText(QRectF(rect.left() - 10, rect.top() - fm.height() - 2, rect.width() + 20,
                                        fm.height()), Qt.AlignmentFlag.AlignHCenter, _pct(value))
            painter.setPen(pal.color(QPalette.ColorRole.Text))
            painter.drawText(QRectF(x, plot.bottom() + 4, width * 2, fm.height()), Qt.AlignmentFlag.AlignHCenter,
                             category)
        y = self.height() - fm.height() - 4
        x = plot.left()
        for j, name in enumerate(self.legend):
            painter.setBrush(brushes[j])
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Text), 1))
            painter.drawRect(QRectF(x, y + 2, 16, fm.height() - 4))
            painter.drawText(QPointF(x + 22, y + fm.ascent()), name)
            x += 22 + fm.horizontalAdvance(name) + 24
