"""WebNN's tensor layouts in tests: a layout names its dimensions by letter (nchw/nhwc for
images; oihw, hwio, ohwi, ihwo for conv2d filters)."""

from __future__ import annotations

import numpy as np


def reorder(array: np.ndarray, source: str, target: str) -> np.ndarray:
    """`array`, laid out as `source`, in `target`'s dimension order (a contiguous copy)."""
    return np.ascontiguousarray(np.transpose(array, [source.index(d) for d in target]))
