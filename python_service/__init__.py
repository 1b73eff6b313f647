"""The out-of-process NPU service (GPU-process pattern): host, sandboxed service, client.

Being built with the service issue. Here so far: `ipc` (framed channel with fd passing,
sealed shared memory), `shared` (graph rules both sides apply), `service` (lowering to ONNX,
the onnxruntime executor, adapters, model loading). The generated wire codec and client
bindings will live in `python_service/generated/`; see docs/wire.md.
"""
