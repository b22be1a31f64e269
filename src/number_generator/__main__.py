"""``python -m number_generator`` runs the ``number-generator`` command."""

import sys

from .cli import main

sys.exit(main())
