from hpl_sandbox.cli import main

raise SystemExit(main())
