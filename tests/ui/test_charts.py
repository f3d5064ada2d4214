"""The progress charts render offscreen for every shape of data, describe themselves in words,
tell their series apart by shape and pattern, and follow the palette (dark mode)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage, QPalette

from drillpad.ui.widgets.charts import EMPTY, LineChart, PairedBarChart

BLUE = QColor(0, 90, 200)  # the Highlight colour in these tests, so its pixels can be counted
WEEKS = [("week of 2 Mar", 0.6), ("week of 9 Mar", 0.8)]
CONFIDENCE = [("1", 0.25, 0.4), ("2", 0.5, 0.55), ("3", 0.75, 0.7), ("4", 0.95, 0.9)]
LEGEND = ("how sure you were", "how often you were right")


def light(widget) -> None:
    pal = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, QColor("#f4f4f4")), (QPalette.ColorRole.Base, QColor("white")),
                         (QPalette.ColorRole.Text, QColor("black")), (QPalette.ColorRole.Highlight, BLUE)):
        pal.setColor(role, colour)
    widget.setPalette(pal)


def dark(widget) -> None:
    pal = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, QColor("#202124")), (QPalette.ColorRole.Base, QColor("#121212")),
                         (QPalette.ColorRole.Text, QColor("#f0f0f0")), (QPalette.ColorRole.Mid, QColor("#606060")),
                         (QPalette.ColorRole.Highlight, BLUE)):
        pal.setColor(role, colour)
    widget.setPalette(pal)


def render(qtbot, chart, palette=light) -> QImage:
    qtbot.addWidget(chart)
    palette(chart)
    chart.resize(400, 240)
    image = chart.grab().toImage()
    assert not image.isNull()
    assert (image.width(), image.height()) == (400, 240)
    return image


def count(image: QImage, colour: QColor) -> int:
    rgb = colour.rgb()
    return sum(1 for y in range(image.height()) for x in range(image.width()) if image.pixel(x, y) == rgb)


def colours(image: QImage) -> set[int]:
    return {image.pixel(x, y) for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)}


def line(title: str, points) -> LineChart:
    chart = LineChart()
    chart.set_data(title, points)
    return chart


def bars(title: str, rows) -> PairedBarChart:
    chart = PairedBarChart()
    chart.set_data(title, LEGEND, rows)
    return chart


MANY = [(f"w{n}", (n % 5) / 4) for n in range(12)]
GAPS = [("w1", 0.5), ("w2", None), ("w3", None), ("w4", 0.9), ("w5", None)]


@pytest.mark.parametrize("points", [[], [("w1", 0.7)], MANY, GAPS, [("w1", None), ("w2", None)]],
                         ids=["empty", "one point", "many points", "gaps", "only gaps"])
def test_line_chart_renders_every_shape_of_data(qtbot, points):
    image = render(qtbot, line("Answers right, by week", points))
    assert len(colours(image)) > 2  # more than a blank background: title, axes or the empty-state text
    has_values = any(v is not None for _, v in points)
    assert (count(image, BLUE) > 0) == has_values  # markers only where there are values


@pytest.mark.parametrize("rows", [[], [("1", 0.25, 0.5)], CONFIDENCE, [("1", None, 0.5), ("2", 0.5, None)]],
                         ids=["empty", "one category", "many categories", "missing values"])
def test_paired_bar_chart_renders_every_shape_of_data(qtbot, rows):
    image = render(qtbot, bars("How sure vs. how often right", rows))
    assert len(colours(image)) > 2
    assert (count(image, BLUE) > 0) == bool(rows)


def test_without_values_a_chart_shows_the_empty_state_instead_of_an_empty_plot(qtbot):
    assert EMPTY == "No data yet — practise a few times to see your progress"
    empty = render(qtbot, line("Answers right", []))
    assert render(qtbot, line("Answers right", [("w1", None), ("w2", None)])) == empty
    assert render(qtbot, line("Answers right", [("w1", 0.5)])) != empty
    assert render(qtbot, bars("How sure", [])) == render(qtbot, bars("How sure", [("1", 0.5, None)]))


def test_both_charts_ask_for_at_least_320_by_200(qtbot):
    for chart in (LineChart(), PairedBarChart()):
        qtbot.addWidget(chart)
        hint = chart.sizeHint()
        assert hint.width() >= 320 and hint.height() >= 200


def test_line_chart_describes_its_data_in_words(qtbot):
    chart = line("Accuracy by week", WEEKS)
    qtbot.addWidget(chart)
    said = chart.accessibleDescription().replace(" %", "%")
    assert said == "Accuracy by week: week of 2 Mar 60%, week of 9 Mar 80%"
    chart.set_data("Accuracy by week", [("week of 2 Mar", 0.6), ("week of 9 Mar", None)])
    assert "week of 9 Mar" in chart.accessibleDescription() and "80" not in chart.accessibleDescription()
    chart.set_data("Accuracy by week", [])
    assert chart.accessibleDescription() == "Accuracy by week: no data yet"


def test_paired_bar_chart_names_both_series_for_each_category(qtbot):
    chart = bars("How sure vs. how often right", CONFIDENCE[:2])
    qtbot.addWidget(chart)
    said = chart.accessibleDescription().replace(" %", "%")
    assert said == ("How sure vs. how often right: 1: how sure you were 25%, how often you were right 40%; "
                    "2: how sure you were 50%, how often you were right 55%")


def test_the_two_bar_series_differ_by_pattern_not_only_colour(qtbot):
    # The same full-height bar, once in the first (solid) series and once in the second (hatched).
    solid = count(render(qtbot, bars("x", [("1", 1.0, 0.0)])), BLUE)
    hatched = count(render(qtbot, bars("x", [("1", 0.0, 1.0)])), BLUE)
    assert 0 < hatched < solid * 0.8


@pytest.mark.parametrize("make", [lambda: line("Answers right", WEEKS), lambda: bars("How sure", CONFIDENCE)],
                         ids=["line", "bars"])
def test_dark_palette_changes_the_background_and_the_ink(qtbot, make):
    bright = render(qtbot, make(), light)
    night = render(qtbot, make(), dark)
    corner_light, corner_dark = QColor(bright.pixel(1, 1)), QColor(night.pixel(1, 1))
    assert corner_light != corner_dark
    assert corner_light.lightness() > 200 and corner_dark.lightness() < 60
    # text and axes are drawn in the palette's Text colour: light ink on the dark background
    assert count(night, QColor("#f0f0f0")) > 0 and count(night, QColor("black")) == 0


@pytest.mark.parametrize("points", [12.0, 18.0])  # the app's font, and 150 % of it
def test_paired_bar_texts_neither_overlap_nor_leave_the_chart(qtbot, points):
    from PySide6.QtGui import QFont

    chart = PairedBarChart()
    qtbot.addWidget(chart)
    font = QFont(chart.font())
    font.setPointSizeF(points)
    chart.setFont(font)
    chart.set_data("How sure you were vs. how often right", ("how sure", "how often right"), CONFIDENCE)
    chart.resize(300, chart.minimumSizeHint().height())  # a third of a 910-px window, as tall as it asks
    assert chart.plot_rect().height() / 2 >= chart.fontMetrics().height()  # 0 %, 50 %, 100 % do not touch
    texts = chart.texts()
    inside = chart.rect().toRectF()
    assert all(inside.contains(rect) for _label, rect in texts), [(t, r) for t, r in texts if not inside.contains(r)]
    for i, (a, ra) in enumerate(texts):
        for b, rb in texts[i + 1:]:
            assert not ra.intersects(rb), (a, b)
    assert not chart.grab().toImage().isNull()
