"""The polyfill bridge: pages in an unmodified browser reach the real NPU service over a loopback
WebSocket (docs/bridge.md). `python -m python_service.bridge` runs it."""

from python_service.bridge.server import Bridge, BridgeConfig, running_bridge

__all__ = ["Bridge", "BridgeConfig", "running_bridge"]
