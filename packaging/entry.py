"""The packaged executable's entry point (PyInstaller runs this file)."""

import sys

if __name__ == "__main__" and sys.argv[1:2] == ["--model-worker"]:  # the model's own process (llm/process.py)
    from drillpad.llm.worker import main as worker_main

    sys.exit(worker_main())

from drillpad.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
