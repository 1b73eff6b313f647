"""`python -m fuzz run|replay|minimize|list`: see fuzz/cli.py and fuzz/README.md."""

import sys

from fuzz.cli import main

sys.exit(main())
