"""The resolved model: definition set (`index`) -> validation (`validation`) -> IR (`ir`, `build`).

Import from the submodules. Nothing is imported here, so that `--validate-only` does not pay
for building the IR's classes it never uses.
"""
