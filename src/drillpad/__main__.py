from drillpad.cli import main

raise SystemExit(main())
