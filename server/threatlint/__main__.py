from threatlint.cli import main

raise SystemExit(main())
