"""``python -m backtests`` is the same as ``regime-bt``."""

import sys

from backtests.cli import main

sys.exit(main())
