from openclaw_deepinfra.cli.main import main

raise SystemExit(main())
