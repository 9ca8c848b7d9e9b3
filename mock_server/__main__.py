"""``python -m mock_server`` is ``vista-mock``."""

import sys

from .cli import main

sys.exit(main())
