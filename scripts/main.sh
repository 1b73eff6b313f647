#!/usr/bin/env bash
# The main job: generate everything from idl/webnpu.idl.
# (The service issue extends this to run a real model through the sandboxed NPU service.)
source "$(dirname "$0")/bootstrap.sh"
ensure_venv ""
cd "$ROOT"
say "generating from idl/webnpu.idl"
"$VENV/bin/python" -m codegen idl/webnpu.idl
"$VENV/bin/python" -m codegen idl/webnpu.idl --check
say "done: generated files are up to date"
