"""The frozen program's entry point: the same as the ``matac-desk`` command."""

import sys

from matac_desk.app import main

if __name__ == "__main__":
    sys.exit(main())
