"""`python -m aiolint`."""

import sys

from aiolint.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
