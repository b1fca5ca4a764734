"""Runs the threatlint bundled with the VS Code extension: `python -I launch.py ARGS` is `threatlint ARGS`.

bundled/libs (filled at package time by scripts/bundle_server.py) goes first on
sys.path, so the interpreter needs nothing installed; -I keeps PYTHONPATH and
the user's site-packages from putting another threatlint or dependency first.
"""
import os
import platform
import sys

if sys.version_info < (3, 10):
    sys.exit(f"threatlint needs Python 3.10 or newer; {sys.executable} is Python {platform.python_version()}")

LIBS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "libs")
if not os.path.isfile(os.path.join(LIBS, "threatlint", "__init__.py")):
    sys.exit(f"threatlint: the extension's bundled server is missing ({LIBS}); reinstall the extension")
sys.path.insert(0, LIBS)

from threatlint.cli import main  # noqa: E402

sys.exit(main())
