"""The adapter list: one NPUAdapter per onnxruntime execution provider this process can use.

Derived, never configured: what `onnxruntime.get_available_providers()` reports is what the
installed wheel was built with (CPU always; CUDA, DirectML, QNN, ... only in those builds), so
the page sees exactly the devices the service can run on. The order is onnxruntime's own
priority order (accelerators first, CPU last), which is deterministic for a given build.

Importing this module imports onnxruntime (through `executor`, which sets
ORT_DISABLE_TELEMETRY first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from python_service.service.executor import onnxruntime
from python_service.shared.tensors import DEFAULT_LIMITS, Limits

PowerPreference = Literal["default", "high-performance", "low-power"]

CPU_PROVIDER = "CPUExecutionProvider"

# Providers that are not a local device. Azure's EP sends tensors to a remote endpoint: an
# adapter must never move page data off the machine, so it is not offered at all.
_EXCLUDED_PROVIDERS = frozenset({"AzureExecutionProvider"})

# provider -> (architecture, device kind). Architecture names the backend the way
# GPUAdapterInfo.architecture names a GPU family; device is "cpu", "gpu" or "npu".
_KNOWN_PROVIDERS: dict[str, tuple[str, str]] = {
    "CPUExecutionProvider": ("cpu", "cpu"),
    "XnnpackExecutionProvider": ("xnnpack", "cpu"),
    "DnnlExecutionProvider": ("dnnl", "cpu"),
    "CUDAExecutionProvider": ("cuda", "gpu"),
    "TensorrtExecutionProvider": ("tensorrt", "gpu"),
    "NvTensorRTRTXExecutionProvider": ("tensorrt-rtx", "gpu"),
    "ROCMExecutionProvider": ("rocm", "gpu"),
    "MIGraphXExecutionProvider": ("migraphx", "gpu"),
    "DmlExecutionProvider": ("directml", "gpu"),
    "WebGpuExecutionProvider": ("webgpu", "gpu"),
    "OpenVINOExecutionProvider": ("openvino", "npu"),
    "QNNExecutionProvider": ("qnn", "npu"),
    "CoreMLExecutionProvider": ("coreml", "npu"),
    "NnapiExecutionProvider": ("nnapi", "npu"),
    "VitisAIExecutionProvider": ("vitisai", "npu"),
    "CANNExecutionProvider": ("cann", "npu"),
}


@dataclass(frozen=True)
class AdapterInfo:
    """NPUAdapterInfo."""

    vendor: str
    architecture: str
    device: str
    description: str


@dataclass(frozen=True)
class AdapterLimits:
    """The adapter's NPUSupportedLimits: the graph rules' `Limits` and the buffer size cap.

    - max_buffer_size: one buffer is at most one tensor's worth (maxTensorByteLength), so a
      buffer can always back the largest tensor a graph may declare, and no larger.

    The per-client quotas are the session's, not the adapter's: objects.ClientQuotas (objects,
    buffers, graphs, memory, queued work) and command_validator.CommandLimits (dispatch
    bindings, commands per submit, pending submits).
    """

    graph: Limits = field(default_factory=lambda: DEFAULT_LIMITS)
    max_buffer_size: int = DEFAULT_LIMITS.max_tensor_byte_length

    @property
    def max_tensor_rank(self) -> int:
        return self.graph.max_tensor_rank

    @property
    def max_tensor_byte_length(self) -> int:
        return self.graph.max_tensor_byte_length

    @property
    def max_graph_operands(self) -> int:
        return self.graph.max_graph_operands


@dataclass(frozen=True)
class Adapter:
    """One NPUAdapter: an execution provider and what the page may ask of it."""

    provider: str
    info: AdapterInfo
    features: frozenset[str]
    limits: AdapterLimits

    @property
    def is_cpu(self) -> bool:
        return self.info.device == "cpu"

    @property
    def providers(self) -> list[str]:
        """The providers list for InferenceSession: the adapter's own, then CPU as the fallback
        onnxruntime uses for operators the accelerator lacks (what every ORT app does)."""
        if self.provider == CPU_PROVIDER:
            return [CPU_PROVIDER]
        return [self.provider, CPU_PROVIDER]


def _make_adapter(provider: str, version: str, limits: AdapterLimits) -> Adapter:
    architecture, device = _KNOWN_PROVIDERS.get(
        provider, (provider.removesuffix("ExecutionProvider").lower(), "unknown")
    )
    # float16 is only advertised where it is native: the CPU provider implements few float16
    # kernels, so promising it there would make valid graphs fail at session creation.
    features = frozenset({"tensor-float16"}) if device in ("gpu", "npu") else frozenset()
    info = AdapterInfo(
        vendor="onnxruntime",
        architecture=architecture,
        device=device,
        description=f"ONNX Runtime {version} {provider}",
    )
    return Adapter(provider, info, features, limits)


def available_adapters(
    providers: Sequence[str] | None = None, limits: AdapterLimits | None = None
) -> tuple[Adapter, ...]:
    """The adapters of this process, in onnxruntime's priority order; CPU is always present.

    `providers` overrides what onnxruntime reports (for tests of builds we do not have here).
    """
    names = list(onnxruntime.get_available_providers() if providers is None else providers)
    if CPU_PROVIDER not in names:
        # Every onnxruntime build has the CPU provider; keep the guarantee even if a caller's
        # list omits it, so requestAdapter() can always succeed.
        names.append(CPU_PROVIDER)
    version = onnxruntime.__version__
    chosen = limits or AdapterLimits()
    seen: set[str] = set()
    adapters = []
    for name in names:
        if name in _EXCLUDED_PROVIDERS or name in seen:
            continue
        seen.add(name)
        adapters.append(_make_adapter(name, version, chosen))
    return tuple(adapters)


def order_for(
    adapters: Sequence[Adapter], power_preference: PowerPreference = "default"
) -> tuple[Adapter, ...]:
    """The adapters in the order requestAdapter({powerPreference}) would consider them.

    "high-performance" puts accelerators first; "low-power" puts CPU adapters first (no device
    to wake, no driver). "default" behaves like "high-performance": an NPU API exists to reach
    the accelerator. Within each group onnxruntime's order is kept (a stable sort), so the
    result is deterministic.
    """
    if power_preference not in ("default", "high-performance", "low-power"):
        raise ValueError(f"{power_preference!r} is not a valid NPUPowerPreference")
    cpu_first = power_preference == "low-power"
    return tuple(sorted(adapters, key=lambda a: a.is_cpu != cpu_first))


def request_adapter(
    power_preference: PowerPreference = "default", adapters: Sequence[Adapter] | None = None
) -> Adapter:
    """The adapter requestAdapter() returns: the first in `order_for`'s order."""
    return order_for(available_adapters() if adapters is None else adapters, power_preference)[0]
