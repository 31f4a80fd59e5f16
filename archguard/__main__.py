"""``python -m archguard``. Python puts the working directory first on ``sys.path`` for ``-m``; run
inside an analysed tree, that would let the tree's ``typing.py`` or ``click.py`` shadow what
archguard imports and run. The entry is dropped before anything else is imported. (A tree's own
``archguard.py`` is found before this file can run: use the ``archguard`` command or
``python -P -m archguard`` there.)"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from archguard.cli import main  # after the sys.path guard, on purpose (ruff allows it there)

main()
