"""Seed inputs per target, made from the code's own encoders (so they follow the schema), and
the seed directories others keep: the wire-trace corpus (`fuzz/corpus/<target>/`, recorded
from the integration tests) and the regression inputs (`fuzz/regressions/<target>/`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fuzz.harness import ROOT


def seed_dirs(target: str) -> list[Path]:
    """Existing seed directories for `target` (either spelling of the target's name)."""
    names = (target, f"fuzz_{target}")
    candidates = [
        ROOT / "fuzz" / kind / name for kind in ("corpus", "regressions") for name in names
    ]
    return [p for p in candidates if p.is_dir() and any(p.iterdir())]


def _wire_decoder() -> list[bytes]:
    from fuzz.fuzz_wire_decoder import MODES
    from fuzz.wire_values import Entropy, ValueBuilder, message_specs
    from python_service.generated import wire as gen
    from python_service.wire import runtime as rt

    builder = ValueBuilder(lambda _interface, e: rt.Handle(1 + e.below(2), 1))
    frame, first, stream = (
        MODES.index("frame"),
        MODES.index("first_frame"),
        MODES.index("command_stream"),
    )
    seeds = []
    for spec in message_specs():
        for salt in range(2):
            message = builder.build(spec.fields, spec.cls, Entropy(bytes([salt * 7] * 64)))
            w = rt.MessageWriter()
            if spec.command:
                message.encode(w)
                seeds.append(bytes((stream, 0)) + w.finish()[0])
                continue
            if salt:
                gen.ConnectionHello(gen.SCHEMA_HASH).encode(w)
            if spec.cls.EXPECTS_REPLY:
                message.encode(w, 1)
            else:
                message.encode(w)
            seeds.append(bytes((first if salt else frame, 0)) + w.finish()[0])
    return seeds


def _service_actions() -> list[bytes]:
    import random

    from fuzz.actions import RECIPES, Action, action_named, serialize

    rng = random.Random(0)
    return [
        serialize(
            [Action(action_named(n), bytes(rng.getrandbits(8) for _ in range(16))) for n in recipe]
        )  # fmt: skip
        for recipe in RECIPES
    ]


def _graph() -> list[bytes]:
    return [b"", bytes(range(64)), bytes(64), b"\x01\x02\x03" * 20]


def _model_loader() -> list[bytes]:
    from fuzz.palette import model_bytes
    from fuzz.wire_values import Entropy

    return [model_bytes(Entropy(bytes([i, i, i, 0]))) for i in range(6)]


def _webidl() -> list[bytes]:
    text = (ROOT / "idl" / "webnpu.idl").read_bytes()
    return [text[i : i + 2048] for i in range(0, min(len(text), 16384), 2048)] + [
        b"interface A { attribute long x; };",
        b'dictionary D { required DOMString s = "x"; };',
        b"[Exposed=Window] interface B : A { Promise<undefined> f(optional D d = {}); };",
    ]


GENERATORS: dict[str, Callable[[], list[bytes]]] = {
    "wire_decoder": _wire_decoder,
    "service_actions": _service_actions,
    "graph": _graph,
    "model_loader": _model_loader,
    "webidl": _webidl,
}


def write_seeds(target: str, directory: Path) -> int:
    """Write `target`'s generated seeds into `directory` (named by content); how many."""
    import hashlib

    directory.mkdir(parents=True, exist_ok=True)
    seeds = GENERATORS.get(target, list)()
    for seed in seeds:
        (directory / f"seed-{hashlib.sha1(seed).hexdigest()[:16]}").write_bytes(seed)
    return len(seeds)
