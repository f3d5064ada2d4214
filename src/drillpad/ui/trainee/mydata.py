"""About my data: what DrillPad keeps about you, who can see it, where it goes — and your own
copy as JSON. Transparency, not surveillance."""

from __future__ import annotations

import json
from pathlib import Path
from html import escape

from PySide6.QtCore import QSaveFile, QStandardPaths, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QVBoxLayout, QWidget

from drillpad.core.dates import day_text
from drillpad.ui.widgets.common import big_button, heading, scrolling_body, text
from drillpad.ui.trainee.pin import PIN_PROMISE

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
<p><b>What your PIN does.</b> {PIN_PROMISE} IT (an administrator) can read DrillPad's files. If someone typed wrong PINs
for your profile, DrillPad tells you the next time you come in.</p>
<p><b>Where it goes.</b> It is sent as a signed, encrypted evidence bundle (a USB stick, a shared folder or the
site network) to your manager's DrillPad and to your team's other DrillPad workstations, so you can practise on
any of them; each shows it only after your PIN. From there, only if your organisation keeps learning records in
an LRS (a learning record store), your manager's DrillPad sends it one record per checked fact (see below). It is
not sent anywhere else, and no AI service outside this computer ever sees it: the AI model runs here, offline.</p>
<p><b>Who decides.</b> A person does. AI never signs you off; when the checks are unsure, your manager reviews.</p>
""".replace("{PIN_PROMISE}", PIN_PROMISE)


LRS_FACTS = {"drill": "each scenario drill's score, pass or fail, and which steps were met (not your answer text)",
             "recall": "recall answers right or wrong, and how sure you were (not your answer text)",
             "lesson": "lessons completed and the reading time", "reflection": "that you wrote a weekly reflection",
             "reflection_text": "the text of your reflections", "demonstration": "demonstrations logged (not the note)",
             "plan": "practice plans from your manager", "checkin": "weekly check-ins",
             "signoff": "sign-offs, signed by your site", "names": "your name"}


def lrs_explanation(policy) -> str:
    """Exactly what the organisation's LRS receives, from the IT policy in force (docs/lrs.md). Without an LRS it
    imports nothing (the screen is built on the main thread just after the first paint)."""
    if not policy.lrs_url:
        return ("<p><b>Your organisation's learning records.</b> This computer's IT policy names no LRS. If your "
                "manager's DrillPad has one, it sends scores and outcomes of checked practice, with you as a code "
                "rather than your name, and never your answer text; the LRS section of DrillPad's documentation "
                "lists every item.</p>")
    from drillpad.lrs.statements import DEFAULT_SEND

    send = list(policy.lrs_send) if policy.lrs_send is not None else list(DEFAULT_SEND)
    facts = "".join(f"<li>{escape(LRS_FACTS[k])}</li>" for k in send if k in LRS_FACTS)
    who = ("by name" if "names" in send else "as a code made from your learner id with a secret of your organisation "
           "— not by name or e-mail")
    senders = ("Your manager's DrillPad sends it what passed its checks, and — as IT allows on this site — this "
               "computer also sends what you do here, when it syncs (the same records, so each is kept once);"
               if policy.lrs_from_workstation else
               "Your manager's DrillPad (never this computer) sends it only what passed its checks,")
    return (f"<p><b>Your organisation's learning records.</b> This site's IT policy names the LRS at "
            f"<b>{escape(policy.lrs_url)}</b>. {senders} and you appear there {who}. What may be sent:</p>"
            f"<ul>{facts}</ul>")


def export_folder() -> str:
    """Where "Export my data" starts: the user's Documents folder, else their home (never DrillPad's own folder)."""
    for location in (QStandardPaths.StandardLocation.DocumentsLocation, QStandardPaths.StandardLocation.HomeLocation):
        folder = QStandardPaths.writableLocation(location)
        if folder and Path(folder).is_dir():
            return folder
    return str(Path.home())


class MyDataScreen(QWidget):
    back = Signal()

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.learner_id: str | None = None
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("About my data"), 1)
        back = big_button("← Back to today", "Back to today (Esc)")
        back.clicked.connect(self.back.emit)
        top.addWidget(back)
        outer.addLayout(top)
        _, layout = scrolling_body(outer)
        layout.addWidget(text(EXPLAIN, rich=True))
        self.lrs = text(lrs_explanation(workspace.policy.policy), rich=True)
        self.lrs.setAccessibleName("What goes to the organisation's learning record store")
        layout.addWidget(self.lrs)
        self.counts = text("", rich=True)
        self.counts.setAccessibleName("What is stored about you")
        layout.addWidget(self.counts)
        layout.addStretch(1)
        self.status = text("", selectable=False)
        outer.addWidget(self.status)
        self.export = big_button("⤓ Export my data (JSON)…", "Export my data as a JSON file")
        self.export.clicked.connect(self._export)
        outer.addWidget(self.export)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back.emit)  # Esc goes back, as on every sub-screen

    def show_for(self, learner_id: str) -> None:
        self.learner_id = learner_id
        data = self.workspace.my_data(learner_id)
        rows = "".join(f"<li>{n} × {escape(KINDS.get(kind, kind))}</li>" for kind, n in sorted(data["counts"].items()))
        copies = data.get("copies") or []
        where = "".join(f"<li>{escape(c['name'])}</li>" for c in copies)
        self.counts.setText(f"<p><b>Stored about {escape(data['name'])}</b> ({escape(data['role'])}, since "
                            f"{escape(day_text(data['since'], year=True))}):</p><ul>{rows or '<li>nothing yet</li>'}</ul>"
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
        name = self.workspace.profiles.learner(self.learner_id).name.replace(" ", "-").lower()
        start = str(Path(export_folder()) / f"drillpad-{name}.json")
        owner = self.learner_id
        path, _ = QFileDialog.getSaveFileName(self, "Export my data", start, "JSON (*.json)")
        session = self.workspace.profiles.session
        if not path or session is None or session["learner"] != owner:
            return  # locked while the dialog was open (the system's own dialog outlives a lock): export nothing
        try:
            self.export_to(path)
        except OSError as exc:
            self.status.setText(f"⚠ Could not save: {exc}")
            return
        self.status.setText(f"✓ Saved to {path}")
