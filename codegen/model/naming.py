"""Python names for IDL names, mapped mechanically (one rule for every target that needs it).

`snake_case` splits a camelCase or PascalCase name at each lower-to-upper step and where an
acronym meets a capitalised word, then lower-cases it: `requestAdapter` -> `request_adapter`,
`NPUDevice` -> `npu_device`. Digits stay with the word before them, so `conv2d` and
`averagePool2d` read as `conv2d` and `average_pool2d`, not `conv_2_d`. Class names keep their
IDL spelling (`NPUBufferUsage`); only functions, arguments and members are snake_cased.
"""

from __future__ import annotations

import keyword
import re

_ACRONYM_THEN_WORD = re.compile(r"([A-Z]+)([A-Z][a-z])")
_LOWER_THEN_UPPER = re.compile(r"([a-z\d])([A-Z])")


def snake_case(name: str) -> str:
    """`maxBufferSize` -> `max_buffer_size`; `NPUDevice` -> `npu_device`."""
    split = _LOWER_THEN_UPPER.sub(r"\1_\2", _ACRONYM_THEN_WORD.sub(r"\1_\2", name))
    return split.replace("-", "_").lower()


def python_identifier(name: str) -> str:
    """`snake_case(name)`, with `_` appended where that would be a keyword or `self`/`cls`."""
    snake = snake_case(name)
    return snake + "_" if keyword.iskeyword(snake) or snake in ("self", "cls") else snake
