"""Charts drawn with QPainter: a line chart of shares over time and paired bars.

No colour-only signals: every point carries its value as text, the two bar series differ by
fill pattern (solid vs hatched) and are named in a legend. Colours come from the palette, so
dark mode works; sizes come from the widget font, so system font scaling works. Each chart
also describes its data in words (accessibleDescription) for screen readers.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

EMPTY = "No data yet — practise a few times to see your progress"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


class _Chart(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(360, max(240, self.fontMetrics().height() * 13))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Taller with a larger font: the title, value labels, three axis labels and the legend all need room."""
        return QSize(260, max(180, self.fontMetrics().height() * 12))

    footer_lines = 1  # lines under the plot: the x labels (and a legend)
    label_lines = 1  # lines of value labels a bar at 100 % needs above the plot

    def title_rect(self) -> QRectF:
        """The title, wrapped to the chart's width (a large font or a narrow chart never clips it)."""
        fm = self.fontMetrics()
        width = max(1, self.width() - 16)
        lines = fm.boundingRect(QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), self.title).height()
        return QRectF(8, 4, width, max(fm.height(), lines) + 2)

    def plot_rect(self) -> QRectF:
        fm = self.fontMetrics()
        left = fm.horizontalAdvance("100 %") + 12
        right = fm.horizontalAdvance("100%") // 2 + 12  # room for the last value label
        top = self.title_rect().bottom() + fm.height() * self.label_lines + 8  # value labels above 100 %
        bottom = self.height() - (fm.height() + 4) * self.footer_lines - 8
        return QRectF(left, top, max(1.0, self.width() - left - right), max(1.0, bottom - top))

    def _frame(self, painter: QPainter) -> QRectF:
        pal = self.palette()
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        painter.drawText(self.title_rect(), Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap, self.title)
        return self.plot_rect()

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

    label_lines = 2  # a pair of close values: the second label goes above the first

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.legend: tuple[str, str] = ("", "")
        self.rows: list[tuple[str, float | None, float | None]] = []

    def set_data(self, title: str, legend: tuple[str, str], rows: list[tuple[str, float | None, float | None]]) -> None:
        self.title, self.legend, self.rows = title, legend, list(rows)
        described = "; ".join(f"{c}: {legend[0]} {_pct(a)}, {legend[1]} {_pct(b)}" for c, a, b in self.rows)
        self.setAccessibleDescription(f"{title}: {described or 'no data yet'}")
        self.update()

    @property
    def footer_lines(self) -> int:  # the categories, and the legend on one line or two
        fm = self.fontMetrics()
        wide = 8 + sum(22 + fm.horizontalAdvance(name) + 24 for name in self.legend) - 24
        return 2 if self.width() - 8 >= wide else 3

    def texts(self) -> list[tuple[str, QRectF]]:
        """Every text the chart draws, where it draws it (the value labels of a pair never overlap: the second
        moves up when they would); paintEvent draws exactly these."""
        fm = self.fontMetrics()
        plot = self.plot_rect()
        out = [(self.title, self.title_rect())]
        self.value_indices: set[int] = set()  # which of them are value labels (drawn in value_font)
        slot = plot.width() / max(1, len(self.rows))
        width = slot * 0.35
        vm = QFontMetrics(self.value_font())
        for i, (category, a, b) in enumerate(self.rows):
            x = plot.left() + i * slot + slot * 0.12
            placed: list[QRectF] = []  # the pair's labels: the second moves up when it would touch the first
            for j, value in enumerate((a, b)):
                if value is None:
                    continue
                label = _pct(value)
                w = vm.horizontalAdvance(label) + 4
                centre = x + j * width + (width - 2) / 2
                rect = QRectF(centre - w / 2, plot.bottom() - value * plot.height() - vm.height() - 2, w, vm.height())
                for other in placed:
                    if rect.intersects(other):
                        rect.moveBottom(other.top() - 1)
                placed.append(rect)
                self.value_indices.add(len(out))
                out.append((label, rect))
            out.append((category, QRectF(x, plot.bottom() + 4, width * 2, fm.height())))
        for j, (name, key) in enumerate(self.legend_boxes()):
            out.append((name, QRectF(key.right() + 6, key.top() - 2, fm.horizontalAdvance(name) + 2, fm.height())))
        return out

    def value_font(self) -> QFont:
        """The widget's font, smaller when a slot is narrow: a value label is at most the distance between the
        centres of neighbouring pairs' bars (0.65 of a slot), so they never touch (a large font, a narrow chart)."""
        font = QFont(self.font())
        slot = self.plot_rect().width() / max(1, len(self.rows))
        while font.pointSizeF() > 6 and QFontMetrics(font).horizontalAdvance("100%") + 4 > slot * 0.64:
            font.setPointSizeF(font.pointSizeF() - 0.5)
        return font

    def legend_boxes(self) -> list[tuple[str, QRectF]]:
        fm = self.fontMetrics()
        x, y = 8.0, self.plot_rect().bottom() + fm.height() + 8
        boxes = []
        for name in self.legend:
            if boxes and x + 22 + fm.horizontalAdvance(name) > self.width() - 8:  # no room: the next line
                x, y = 8.0, y + fm.height() + 4
            boxes.append((name, QRectF(x, y + 2, 16, fm.height() - 4)))
            x += 22 + fm.horizontalAdvance(name) + 24
        return boxes

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        plot = self._frame(painter)
        if not any(b is not None for _, _, b in self.rows):
            self._empty(painter)
            return
        self._axes(painter, plot)
        pal = self.palette()
        fill = pal.color(QPalette.ColorRole.Highlight)
        brushes = (QBrush(fill, Qt.BrushStyle.SolidPattern), QBrush(fill, Qt.BrushStyle.BDiagPattern))
        slot = plot.width() / max(1, len(self.rows))
        width = slot * 0.35
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Text), 1))
        for i, (_category, a, b) in enumerate(self.rows):
            x = plot.left() + i * slot + slot * 0.12
            for j, value in enumerate((a, b)):
                if value is None:
                    continue
                painter.setBrush(brushes[j])
                painter.drawRect(QRectF(x + j * width, plot.bottom() - value * plot.height(), width - 2,
                                        value * plot.height()))
        for j, (_name, key) in enumerate(self.legend_boxes()):
            painter.setBrush(brushes[j])
            painter.drawRect(key)
        texts = self.texts()
        small = self.value_font()
        for n, (label, rect) in enumerate(texts[1:], start=1):
            painter.setFont(small if n in self.value_indices else self.font())
            painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter, label)
