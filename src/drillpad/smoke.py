"""`drillpad --smoke`: prove an installed DrillPad works on this machine, offline, in seconds.

On a fresh temporary data dir (never the user's) it imports the bundled demo packs, runs a
scenario drill through the deterministic grader, opens the trainee window offscreen, streams a
few tokens from the bundled model, and — when the evidence module is present — exports a
signed bundle and verifies it. It prints each check and exits 0 only if all passed. IT runs it
after installing; CI runs it on the packaged build.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from drillpad.paths import Paths, resources_dir


def run_smoke(*, model: bool = True, out: Callable[[str], None] = print) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="drillpad-smoke-"))
    failures = 0

    def check(name: str, fn: Callable[[], str]) -> None:
        nonlocal failures
        started = time.perf_counter()
        try:
            detail = fn()
        except Exception as exc:  # noqa: BLE001 - every failure is reported, then the next check runs
            failures += 1
            out(f"FAIL {name}: {type(exc).__name__}: {exc}")
            return
        out(f"ok   {name} ({(time.perf_counter() - started) * 1000:.0f} ms): {detail}")

    from drillpad.workspace import Workspace

    out(f"DrillPad smoke test — install folder {resources_dir()}, temporary data dir {tmp}")
    ws = Workspace(Paths.resolve(tmp / "data", env={}))
    try:
        def demo() -> str:
            results = ws.install_demo()
            return ", ".join(f"{r.pack_id} {r.version}" for r in results) + f"; learners: {len(ws.profiles.learners())}"

        def drill() -> str:
            g, _ = ws.submit_drill("Sam Ortiz", "jam-at-c2", "Hit the e-stop, lock out the isolator with my padlock "
                                   "and tag, then press the start button to prove it is dead.", 3)
            if not g.passed:
                raise AssertionError(f"a correct answer did not pass: {g.to_contract()}")
            return f"graded {len(g.criteria)} criteria, score {g.score:.2f}, passed"

        def window() -> str:
            from PySide6.QtWidgets import QApplication

            from drillpad.llm.fake import FakeEngine
            from drillpad.ui.app import MainWindow

            app = QApplication.instance() or QApplication([])
            w = MainWindow(ws, engine_factory=lambda: FakeEngine(unavailable="smoke test"), pregenerate=False)
            w.show()
            app.processEvents()
            tiles = len(w.profiles.tiles)
            w.close()
            return f"trainee window opened offscreen with {tiles} learner tile(s)"

        def tokens() -> str:
            engine = ws.ai.open_engine()
            info = engine.load().result(timeout=120)
            if engine.reason:
                raise RuntimeError(engine.reason)
            try:
                text = "".join(engine.stream("Say hello to a warehouse worker.", max_tokens=8))
            finally:
                engine.close()
            return f"{info.name} ({(info.sha256 or '')[:19]}…) streamed {text.strip()[:40]!r}"

        check("demo packs import", demo)
        check("drill graded by the deterministic grader", drill)
        check("trainee window", window)
        if model:
            check("bundled model streams tokens", tokens)
        try:
            from drillpad.evidence import smoke as evidence_smoke  # type: ignore[attr-defined]
        except ImportError:
            out("skip signed evidence bundle: this build has no evidence module")
        else:
            check("signed evidence bundle exported and verified", lambda: evidence_smoke.check(ws, tmp))
    finally:
        ws.close()
        shutil.rmtree(tmp, ignore_errors=True)
    out("smoke test passed" if not failures else f"smoke test FAILED: {failures} check(s)")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(run_smoke(model="--no-model" not in sys.argv))
