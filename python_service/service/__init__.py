"""The out-of-process service: the GPU-process role that validates and executes.

More arrives with issue 3 (transport, object tables, command-buffer validation); for now it
holds the lowering of validated graphs to ONNX for onnxruntime.
"""
