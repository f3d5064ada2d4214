"""About my data: what DrillPad keeps about you, who can see it, where it goes — and your own
copy as JSON. Transparency, not surveillance."""

from __future__ import annotations

import json
from html import escape

from PySide6.QtCore import QSaveFile, Signal
from PySide6.QtWidgets import QFileDialog, QVBoxLayout, QWidget

from drillpad.ui.widgets.common import big_button, heading, text

KINDS = {"review": "answers to recall prompts and scenario drills (with your answer text and the grade)",
         "lesson.read": "lessons you marked as read", "reflection": "your weekly reflections",
         "demonstration": "on-the-job demonstrations you logged", "review.requested": "reviews you asked for",
         "checkin": "check-ins with your manager", "coaching.plan": "practice plans from your manager",
         "pin.reset": "PIN resets by a manager", "pin.set": "PINs you chose (kept only as a one-way check)",
         "pin.failed": "wrong PINs typed for your profile", "learner.added": "your profile (name and role)", "signoff": "sign-offs by your manager"}

EXPLAIN = """
<p><b>What is collected.</b> Only your practice here: what you answered, how sure you said you were, how long
it took, and the grade. Nothing is collected outside DrillPad, and nothing about other programs or websites.</p>
<p><b>Who can see it.</b> You, on this computer after your PIN, and your manager, who uses it to coach you and to
sign off skills. Other learners on this computer cannot see it.</p>
<p><b>What your PIN does.</b> It keeps coworkers who share this computer out of your profile. It does not keep out
the people who run the computer: IT (an administrator) can read DrillPad's files. If someone typed wrong PINs
for your profile, DrillPad tells you the next time you come in.</p>
<p><b>Where it goes.</b> It is sent as a signed, encrypted evidence bundle (a USB stick, a shared folder or the
site network) to your manager's DrillPad and to your team's other DrillPad workstations, so you can practise on
any of them; each shows it only after your PIN. It is not sent anywhere else, and no AI service outside this
computer ever sees it: the AI model runs here, offline.</p>
<p><b>Who decides.</b> A person does. AI never signs you off; when the checks are unsure, your manager reviews.</p>
"""


class MyDataScreen(QWidget):
    back = Signal()

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.learner_id: str | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading("About my data"))
        layout.addWidget(text(EXPLAIN, rich=True))
        self.counts = text("", rich=True)
        self.counts.setAccessibleName("What is stored about you")
        layout.addWidget(self.counts)
        self.status = text("", selectable=False)
        layout.addWidget(self.status)
        self.export = big_button("Export my data (JSON)…", "Export my data as a JSON file")
        self.export.clicked.connect(self._export)
        layout.addWidget(self.export)
        back = big_button("← Back to today")
        back.clicked.connect(self.back.emit)
        layout.addWidget(back)
        layout.addStretch(1)

    def show_for(self, learner_id: str) -> None:
        self.learner_id = learner_id
        data = self.workspace.my_data(learner_id)
        rows = "".join(f"<li>{n} × {escape(KINDS.get(kind, kind))}</li>" for kind, n in sorted(data["counts"].items()))
        copies = data.get("copies") or []
        where = "".join(f"<li>{escape(c['name'])}</li>" for c in copies)
        self.counts.setText(f"<p><b>Stored about {escape(data['name'])}</b> ({escape(data['role'])}, since "
                            f"{escape(data['since'][:10])}):</p><ul>{rows or '<li>nothing yet</li>'}</ul>"
                            f"<p><b>Copies of your practice are on {len(copies)} machine"
                            f"{'' if len(copies) == 1 else 's'}:</b></p><ul>{where}</ul>")
        self.status.clear()
        self.export.setFocus()

    def export_to(self, path: str) -> None:
        """Write the learner's data atomically (a half-written file never replaces a good one)."""
        data = json.dumps(self.workspace.export_my_data(self.learner_id), indent=2, ensure_ascii=False)
        out = QSaveFile(path)
        if not out.open(QSaveFile.OpenModeFlag.WriteOnly):
            raise OSError(out.errorString())
        out.write(data.encode("utf-8"))
        if not out.commit():
            raise OSError(out.errorString())

    def _export(self) -> None:
        name = self.workspace.learner(self.learner_id).name.replace(" ", "-").lower()
        path, _ = QFileDialog.getSaveFileName(self, "Export my data", f"drillpad-{name}.json", "JSON (*.json)")
        if not path:
            return
        try:
            self.export_to(path)
        except OSError as exc:
            self.status.setText(f"⚠ Could not save: {exc}")
            return
        self.status.setText(f"✓ Saved to {path}")
