"""The out-of-process NPU service (GPU-process pattern): host, sandboxed service, client.

Arrives with the service issue; the generated wire codec and client bindings will live in
`python_service/generated/`.
"""
