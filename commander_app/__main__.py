import sys

from commander_app.cli import main

sys.exit(main())
