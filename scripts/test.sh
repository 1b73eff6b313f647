#!/usr/bin/env bash
# Install what the tests need (Python packages in .venv, node + the npm corpus), then run:
# ruff (lint and format), and pytest. Extra arguments go to pytest.
source "$(dirname "$0")/bootstrap.sh"
ensure_venv test
ensure_node
ensure_clang_format
ensure_gn
ensure_git
ensure_cxx
ensure_python_headers
ensure_strace
ensure_chromium
ensure_zip
cd "$ROOT"
say "ruff check"
"$VENV/bin/ruff" check .
say "ruff format --check"
"$VENV/bin/ruff" format --check .
say "pytest"
exec "$VENV/bin/python" -m pytest "$@"
