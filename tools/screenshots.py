#!/usr/bin/env python3
"""Screenshots of every trainee screen (`make screenshots`, run under Xvfb at 1366×768).

Builds a fresh demo data dir (a week of practice for Sam Ortiz, so the charts have data),
drives the real window like a user and saves one PNG per screen into the folder given
(default docs/screenshots). The model is the real one when it is installed.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QPushButton

from drillpad.clock import FixedClock
from drillpad.paths import Paths
from drillpad.ui.app import MainWindow
from drillpad.workspace import DEMO_PIN, Workspace

LEARNER = "Sam Ortiz"


def practise(ws: Workspace, clock: FixedClock) -> None:
    """A week of short sessions: lessons, then recall prompts and drills, some right, some not."""
    answers = {"jam-at-c2": "Hit the e-stop, lock out the isolator with my padlock and tag, press start to test it.",
               "spill-aisle-14": "Stop the pallet jack and cone off the aisle, check the label."}
    for day in range(12):
        for item in ws.today(LEARNER).items:
            if item.kind == "lesson":
                ws.read_lesson(LEARNER, item.item_id, 120)
            elif item.kind == "prompt":
                good = day >= 2 or day % 2
                answer = ws.prompt(item.item_id)["answer"] if good else "not sure"
                ws.answer_prompt(LEARNER, item.item_id, answer, 3 if good else 2, 40)
            else:
                answer = ws.drill(item.item_id).model_answer if day >= 3 else answers.get(item.item_id, "ask someone")
                ws.submit_drill(LEARNER, item.item_id, answer, 3, 150)
        clock.advance(timedelta(days=1))


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), 12.0))
    app.setFont(font)
    clock = FixedClock(datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))
    data = Path(tempfile.mkdtemp(prefix="drillpad-shots-"))
    ws = Workspace(Paths.resolve(data, env={}), clock=clock)
    ws.install_demo()
    practise(ws, clock)
    window = MainWindow(ws, pregenerate=False)
    window.resize(1366, 740)
    window.show()
    shots: list[str] = []

    def shot(name: str) -> None:
        app.processEvents()
        path = out / f"{name}.png"
        window.grab().save(str(path))
        shots.append(path.name)

    def button(screen, label: str) -> QPushButton:
        return next(b for b in screen.findChildren(QPushButton) if b.text() == label)

    def run() -> None:
        shot("01-who-is-practising")
        window._choose(ws.learner(LEARNER).id)
        window.pin.entry.setText(DEMO_PIN[:2])
        shot("02-pin")
        window.pin.entry.setText(DEMO_PIN)
        window.pin._submit()
        shot("03-today")
        drill_items = [i for i in ws.today(LEARNER).items if i.kind == "drill"]
        lesson_id = ws.db.execute("SELECT id FROM lessons WHERE tree IS NOT NULL AND pack_id = ?",
                                  [ws.learner(LEARNER).pack_id]).fetchone()[0]
        window.lesson.show_lesson(lesson_id, ws.learner(LEARNER).pack_id)
        window.stack.setCurrentWidget(window.lesson)
        shot("04-lesson")
        prompt_id = ws.db.execute("SELECT id FROM prompts WHERE pack_id = ? LIMIT 1",
                                  [ws.learner(LEARNER).pack_id]).fetchone()[0]
        window.recall.show_prompt(window.learner_id, prompt_id, ws.learner(LEARNER).pack_id)
        window.stack.setCurrentWidget(window.recall)
        window.recall.answer.setPlainText("Stop, cone it off and tell the shift lead on channel 2.")
        window.recall.confidence.set_value(3)
        window.recall._check()
        shot("05-recall-result")
        window.drill.show_drill(window.learner_id, drill_items[0].item_id if drill_items else "jam-at-c2")
        window.stack.setCurrentWidget(window.drill)
        shot("06-drill")
        window.drill.answer.setPlainText("I press the e-stop and then pull the carton out by hand.")
        window.drill.confidence.set_value(3)
        window.drill._submit()
        shot("07-drill-feedback")
        window._show_progress()
        shot("08-my-progress")
        window._show_data()
        shot("09-about-my-data")
        window.lock()
        shot("10-locked")
        print("\n".join(f"{out / s}" for s in shots))
        window.close()
        app.quit()

    QTimer.singleShot(800, run)
    app.exec()
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots")))
