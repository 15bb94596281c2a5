"""Run the ``neurost`` command with ``python -m neurost``."""

import sys

from .cli.main import main

sys.exit(main())
