"""The Blink target lays out its C++ itself (codegen/targets/call_layout.py, cpp_layout.py):
generation must not need clang-format, and what it writes must be what clang-format writes.

The oracle is the real clang-format, on statements shaped like the generated bodies but with
names of many lengths, so the layouts land on both sides of every break the model decides.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from codegen.targets import cpp_layout
from codegen.targets.call_layout import Statement, call
from tests.blink.conftest import ROOT
from tests.codegen_tools import require_tool


def _statements() -> list[Statement]:
    out: list[Statement] = []
    for n in range(25):  # longer names overflow in a callee, which never breaks
        name = "Object" + "x" * n
        convert = call(f"mojo::ConvertTo<webnpu::mojom::blink::{name}Ptr>", "descriptor")
        bind = call(
            "WTF::BindOnce",
            f"&{name}::OnRequest",
            "WrapWeakPersistent(this)",
            "WrapPersistent(resolver)",
        )
        out += [
            Statement(call(f"remote_->Create{name}", "handle.Clone()", "pipe.Receiver()", convert)),
            Statement(call(f"remote_->Map{name}", "mode", "offset", "size", bind)),
            Statement(call(f"remote_->Done{name}", bind)),
            Statement(call(f"remote_->Push{name}", convert)),
            Statement(
                call(f"MakeGarbageCollected<{name}>", "GetContext()", "std::move(h)", "pipe"),
                lead="return ",
            ),
            Statement(
                call(f"MakeGarbageCollected<Resolver<{name}>>", "script_state", "state.Get()"),
                target="auto* resolver",
            ),
            Statement(call(f"Supplement<{name}>::From<Navigator>", "host"), target="auto* s"),
            Statement(
                call(
                    "commands_.push_back",
                    call(
                        f"webnpu::mojom::blink::Command::New{name}",
                        call(f"webnpu::mojom::blink::{name}::New", "a->handle()", "b", "c"),
                    ),
                )
            ),
            Statement(
                call(
                    "exception_state.ThrowDOMException",
                    "DOMExceptionCode::kNotSupportedError",
                    f'"{name}() is not generated"',
                )
            ),
            Statement(
                call(
                    "remote_.Bind",
                    f"std::move({name.lower()})",
                    call("context->GetTaskRunner", "TaskType::kInternalDefault"),
                )
            ),
        ]
    return out


def test_statements_are_laid_out_as_clang_format_lays_them_out(tmp_path):
    statements = _statements()
    functions = ["\n".join(["void F() {", *cpp_layout.statement(s, 2), "}"]) for s in statements]
    source = tmp_path / "layout.cc"
    source.write_text("\n\n".join(functions) + "\n")
    formatted = subprocess.run(
        [require_tool("clang-format"), "--style=Chromium", str(source)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wrong = [
        f"ours:\n{ours}\nclang-format:\n{theirs}"
        for ours, theirs in zip(functions, formatted.rstrip("\n").split("\n\n"), strict=True)
        if ours != theirs
    ]
    assert not wrong, "\n\n".join(wrong[:5])
    assert any(len(f.splitlines()) > 4 for f in functions)  # the sweep does reach breaks


@pytest.mark.parametrize(
    ("parameters", "initializers", "body"),
    [
        (["Navigator& host"], ["Supplement<Navigator>(host)"], []),
        (
            ["ExecutionContext* context"],
            ["ExecutionContextClient(context)", "remote_(context)"],
            [],
        ),
        (["webnpu::mojom::blink::NPUSupportedLimitsPtr data"], ["data_(std::move(data))"], []),
        (["int a"], ["first_member_(a)", "second_member_(a)", "third_member_with_a_name_(a)"], []),
        (["const String& type", "const NPUUncapturedErrorEventInit* initializer"], [], []),
        (["ExecutionContext* context"], ["remote_(context)"], ["  remote_.Reset();"]),
    ],
)
def test_constructors_are_laid_out_as_clang_format_lays_them_out(
    tmp_path, parameters, initializers, body
):
    qualified = "NPUUncapturedErrorEvent::NPUUncapturedErrorEvent"
    text = "\n".join(cpp_layout.constructor(qualified, parameters, initializers, body)) + "\n"
    source = tmp_path / "constructor.cc"
    source.write_text(text)
    check = subprocess.run(
        [require_tool("clang-format"), "--dry-run", "-Werror", "--style=Chromium", str(source)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, text + check.stderr


def test_generation_does_not_need_clang_format():
    # With no clang-format reachable, the blink target still writes exactly what is checked in.
    env = {"PATH": "/nonexistent", "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "codegen", "idl/webnpu.idl", "--targets", "blink", "--check"],
        cwd=ROOT,
        env={**env, "HOME": os.environ.get("HOME", "/")},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
