"""The NPU service process (GPU-process role).

`python -m python_service.service --control-fd N` runs it (`__main__.py`); the host
(`python_service/host.py`) launches it and hands it one socket per client. Inside: a
`ClientSession` per connection (`client_session.py`: decode the whole frame, check every
handle, then run), per-client `ObjectTable`s (`objects.py`), the command-buffer validator
(`command_validator.py`), graph lowering to ONNX (`lowering.py`), untrusted model checks
(`model_loader.py`), and the onnxruntime executor and adapter list (`executor.py`,
`adapters.py`). Sandboxing arrives with the isolation issue.
"""
