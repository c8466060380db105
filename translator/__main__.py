"""`python -m translator` runs the netpolx CLI."""

from __future__ import annotations

import sys

from translator.cli import main

if __name__ == "__main__":
    sys.exit(main())
