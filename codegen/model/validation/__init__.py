"""Semantic validation of a WebIDL definition set: what the grammar alone cannot check.

`validate(definitions, sink)` adds one diagnostic per problem to `sink`, in source order; bad
input never raises. Each rule is a function named after the rule, citing the part of the
standard (https://webidl.spec.whatwg.org/) it enforces, in a module of its family:

- `names`: unknown types, duplicate definitions, members and arguments, partials and
  `includes` targets, constructors in partial interfaces, inheritance, enum values, callback
  interface operations.
- `types`: nullable and union types, `undefined`, attribute types, typedef cycles.
- `annotated_types`: [Clamp] and [EnforceRange].
- `arguments`: dictionary arguments, variadic and async_iterable arguments.
- `values`: default values, constant values and types, required members with defaults.
- `overloads`: overload sets (with `distinguishability`, the standard's algorithms).
- `exposure`: [Exposed] and [Global].

Errors and warnings. Every rule is enforced as the standard states it. Where the web
platform's own IDL (@webref/idl) breaks a rule and browsers ship that IDL anyway, the shape it
breaks the rule in is reported as a *warning*: the message says what the standard forbids,
the IDL is still accepted, and `--werror` makes it an error. Everything else that breaks the
rule stays an error: a warning covers what is shipped, not the whole rule. Each warning is
documented at its rule, with the web platform file that motivates it:

- `names.unknown_types`: a [LegacyWindowAlias] name used as a type (SVG).
- `types.nullable_types`: a nullable dictionary as a dictionary member's type (reporting,
  intersection-observer, webxr-dom-overlays); a union of two indistinguishable interfaces
  (one inheriting from the other), enums or dictionaries (css-typed-om, digital-credentials,
  secure-payment-confirmation).
- `types.attribute_types`: a nullable dictionary as an attribute's type (webxr-dom-overlays).
- `overloads.overloads`: overloads whose optionality differs before the distinguishing
  argument (urlpattern).
- `values.default_values`: `null` as the default of a dictionary member of a non-nullable
  interface or dictionary type (push-api, css-layout-api); `{}` as the default of a record
  (webgpu, webtransport); either also through a union member of such a type.

tests/webref_expected_failures.toml lists exactly which web platform files warn, and where.
Names other specifications define in prose (CSSOM's `CSSOMString`, HTML's `WindowProxy`) are
known types, not warnings: they are defined, just not in an IDL block.

The rules share a `context.Context`, filled by `collect.collect` in one walk over the definitions
(references, unions, argument lists, typedef resolutions, each interface's mixins), and a
`typesystem.TypeSystem`; both memoise what they compute, so the web platform validates in tens
of milliseconds. Dependencies run one way: rules -> context, collect -> typesystem,
distinguishability. Messages are lowercase sentences without a final period that quote names
as '...'.
"""

from __future__ import annotations

from collections.abc import Callable

from codegen.diagnostics import DiagnosticSink
from codegen.gcpause import paused_gc
from codegen.model.index import DefinitionSet
from codegen.model.validation import (
    annotated_types,
    arguments,
    exposure,
    names,
    overloads,
    types,
    values,
)
from codegen.model.validation.collect import collect
from codegen.model.validation.context import Context

__all__ = ["RULES", "validate"]

# In the order they run; diagnostics at one location keep this order.
RULES: tuple[Callable[[Context], None], ...] = (
    names.unknown_types,
    names.duplicate_definitions,
    names.duplicate_members,
    names.duplicate_arguments,
    names.partial_targets,
    names.includes_targets,
    names.inheritance,
    types.typedef_cycles,
    names.duplicate_enum_values,
    arguments.dictionary_arguments,
    types.nullable_types,
    values.required_member_defaults,
    overloads.overloads,
    names.partial_constructors,
    exposure.exposure,
    values.default_values,
    values.constant_types,
    types.undefined_types,
    types.attribute_types,
    annotated_types.type_annotations,
    arguments.variadic_arguments,
    names.callback_interface_operations,
)


def validate(definitions: DefinitionSet, sink: DiagnosticSink) -> None:
    """Report every semantic problem of the definition set to `sink`, in source order."""
    first = len(sink.diagnostics)
    with paused_gc():  # see codegen/gcpause.py: the pass builds no cycles
        context = Context(definitions, sink)
        collect(context)
        for rule in RULES:
            rule(context)
    if len(sink.diagnostics) - first > 1:
        order = {idl.path: i for i, idl in enumerate(definitions.files)}
        sink.diagnostics[first:] = sorted(
            sink.diagnostics[first:],
            key=lambda d: (order.get(d.loc.file, len(order)), d.loc.line, d.loc.column),
        )
