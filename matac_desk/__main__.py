"""``python -m matac_desk`` is the same as ``matac-desk``."""

import sys

from .app import main

sys.exit(main())
