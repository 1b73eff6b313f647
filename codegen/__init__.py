"""The WebNPU code generator: WebIDL -> resolved model -> bindings, wire protocol, patches."""
