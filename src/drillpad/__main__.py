import sys

if sys.argv[1:2] == ["--model-worker"]:  # the model's own process (see drillpad.llm.process)
    from drillpad.llm.worker import main as worker_main

    raise SystemExit(worker_main())

from drillpad.cli import main  # noqa: E402

raise SystemExit(main())
