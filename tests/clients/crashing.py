"""A client process that dies on its first request, after logging a secret to stderr."""

import os
import sys

for _line in sys.stdin:
    print(f"fatal: cannot use secret {os.environ['VISTA_CLIENT_SECRET']}", file=sys.stderr, flush=True)
    sys.exit(3)
