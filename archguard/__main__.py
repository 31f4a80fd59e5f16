"""``python -m archguard``. Python puts the working directory first on ``sys.path`` for ``-m``; run
inside an analysed tree, its ``click.py`` or ``json.py`` would be imported in place of the real
ones, running the tree's code. So that entry goes before anything else is imported (only
``archguard/__init__.py``, which imports nothing, has run). docs/security.md."""

import os
import sys

if not sys.flags.safe_path and sys.path and os.path.realpath(sys.path[0] or ".") == os.path.realpath(os.getcwd()):
    del sys.path[0]

from archguard.cli import main  # noqa: E402 - after the sys.path guard, on purpose

main()
