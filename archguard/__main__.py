"""``python -m archguard``. Python puts the working directory first on ``sys.path`` for ``-m``; run
inside an analysed tree, that would let the tree's ``typing.py`` or ``click.py`` shadow what
archguard imports and run. The entry is dropped before anything else is imported. (A tree's own
``archguard.py`` is found before this file can run: use the ``archguard`` command or
``python -P -m archguard`` there.) docs/security.md."""

import os
import sys

if (
    not sys.flags.safe_path
    and sys.path
    and os.path.realpath(sys.path[0] or ".") == os.path.realpath(os.getcwd())
):
    del sys.path[0]

from archguard.cli import run  # after the sys.path guard, on purpose (ruff allows it there)

run()
