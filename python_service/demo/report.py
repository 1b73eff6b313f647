"""What the demo prints: comparisons (with PASS/FAIL) and the timing table."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-4


@dataclass(frozen=True)
class Comparison:
    """The service's output against in-process onnxruntime's, for one workload."""

    name: str
    max_abs_diff: float
    service_top3: list[tuple[int, float]]
    reference_top3: list[tuple[int, float]]

    @property
    def passed(self) -> bool:
        return self.max_abs_diff <= TOLERANCE

    def lines(self) -> list[str]:
        verdict, relation = ("PASS", "<=") if self.passed else ("FAIL", ">")
        return [
            f"  service     top-3: {format_top3(self.service_top3)}",
            f"  onnxruntime top-3: {format_top3(self.reference_top3)}",
            f"{verdict}: {self.name}: max abs diff {self.max_abs_diff:.3g} "
            f"{relation} {TOLERANCE:g}",
        ]


def top3(probabilities: np.ndarray) -> list[tuple[int, float]]:
    """The three most probable classes of a [1, C] output, best first."""
    row = np.asarray(probabilities, np.float64).reshape(-1)
    order = np.argsort(-row, kind="stable")[:3]
    return [(int(i), float(row[i])) for i in order]


def format_top3(entries: list[tuple[int, float]]) -> str:
    return "  ".join(f"class {index} ({p:.4f})" for index, p in entries)


def compare(name: str, service: np.ndarray, reference: np.ndarray) -> Comparison:
    if service.shape != reference.shape:
        diff = float("inf")
    else:
        diff = float(np.max(np.abs(service.astype(np.float64) - reference.astype(np.float64))))
    if np.isnan(diff):
        diff = float("inf")
    return Comparison(name, diff, top3(service), top3(reference))


@dataclass(frozen=True)
class Timings:
    """Seconds: making the runnable graph, its first run, and N steady-state runs."""

    prepare: float
    first: float
    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:10.2f}"


def timing_table(rows: list[tuple[str, str, Timings, Timings]]) -> list[str]:
    """rows: (workload, how the service got it, service timings, in-process timings)."""
    runs = len(rows[0][2].runs) if rows else 0
    header = (
        f"  {'workload':<12} {'path':<26} {'build/load':>10} {'first run':>10} "
        f"{'median/' + str(runs):>10} {'ratio':>7}"
    )
    lines = ["timings in ms (a run = write input + dispatch + read output):", header]
    lines.append("  " + "-" * (len(header) - 2))
    for workload, how, service, local in rows:
        ratio = service.median / local.median if local.median > 0 else float("inf")
        lines.append(
            f"  {workload:<12} {'service, ' + how:<26} {_ms(service.prepare)} "
            f"{_ms(service.first)} {_ms(service.median)} {ratio:6.1f}x"
        )
        lines.append(
            f"  {'':<12} {'onnxruntime in-process':<26} {_ms(local.prepare)} "
            f"{_ms(local.first)} {_ms(local.median)}"
        )
    lines.append("  build/load: graph builder build() or loadModel() vs InferenceSession creation")
    lines.append("  ratio: service median / in-process median (the cost of crossing the process)")
    return lines
