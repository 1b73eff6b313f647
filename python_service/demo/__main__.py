"""`python -m python_service.demo`: see the package docstring."""

from __future__ import annotations

import sys

from python_service.demo.runner import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
