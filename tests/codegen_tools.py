"""The real tools the code generator's tests run on its output (g++, clang-format, gn, node,
git): a test that needs a missing one fails, never skips, saying how to install it."""

from __future__ import annotations

import shutil

import pytest


def require_tool(name: str, package: str | None = None) -> str:
    """The tool's path; fails the test when it is missing. `package` is the apt package that
    installs it, when not named as the tool."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed: install it with `apt-get install {package or name}` "
            "(scripts/bootstrap.sh does this for scripts/test.sh)"
        )
    return path
