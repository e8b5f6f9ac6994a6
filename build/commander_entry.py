"""The frozen app's entry point: the same `commander` command as an installed one.

With COMMANDER_BUNDLE_CHECK=1 it prints what it finds at run time instead (bundle_check.py
compares that with the source); otherwise the check costs one environment look-up.
"""

import os
import sys


def run() -> int:
    if os.environ.get("COMMANDER_BUNDLE_CHECK") == "1":
        import json

        import bundle_check

        print(json.dumps(bundle_check.report(), indent=2))
        return 0
    from commander_app.cli import main

    return main()


sys.exit(run())
