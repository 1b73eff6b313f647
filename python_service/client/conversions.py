"""WebIDL's value conversions, adapted to Python values (https://webidl.spec.whatwg.org/#es-type-mapping).

The client bindings call these before anything is encoded, so a page-style mistake (a missing
required member, an unknown enum string, a size beyond `unsigned long long`) fails at the call
with the error a browser would throw, and the service only ever sees well-typed requests. The
per-API converters are generated (`python_service/generated/conversions.py`); this module is the
hand-written runtime they are built from.

Python stands in for JavaScript as follows:

- `None` is `undefined` for an optional argument or a dictionary member, and `null` for a
  nullable type.
- Strings must be `str` and numbers `int`/`float` (or anything with `__index__`/`__float__`,
  such as numpy scalars): JavaScript's implicit `ToString`/`ToNumber` of arbitrary objects has no
  good Python meaning, so other values are a TypeError. `boolean` takes any value's truth.
- Dictionaries are mappings keyed by the member's Python name (`mapped_at_creation`) or its IDL
  name (`mappedAtCreation`), or an instance of the generated dataclass; unknown keys are
  ignored, as JavaScript ignores unknown properties.
- Sequences are any iterable except `str`, `bytes`-like and mappings; they convert to tuples.
  Records are mappings with string keys; they convert to dicts, order kept.
- A Python `int` is a `bigint` in a union with `unrestricted double` (it is exact), a `float`
  the double.
- Buffer sources are anything with the buffer protocol (`bytes`, `bytearray`, `memoryview`,
  numpy arrays); they convert to a C-contiguous `memoryview`.
- Interface types accept an instance of the binding class registered for that interface name
  (`register_interface`), or of a class of that name.

Messages follow the sentence shapes of Chromium's bindings (`third_party/blink/renderer/
bindings/core/v8/exception_messages.cc` and the generated dictionary and enum converters):
"Failed to execute 'createBuffer' on 'NPUDevice': Failed to read the 'size' property from
'NPUBufferDescriptor': Required member is undefined."
"""

from __future__ import annotations

import math
import operator
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any


class WebIDLTypeError(TypeError):
    """What a browser throws as `TypeError` from its bindings."""


class RangeError(ValueError):
    """JavaScript's `RangeError`."""


class EnforceRangeError(WebIDLTypeError, RangeError):
    """An `[EnforceRange]` integer outside its type's range.

    WebIDL throws a TypeError here (§3.2.4.9 ConvertToInt step 6.3), so this is a TypeError
    first; it is also a `RangeError`, which is what the value being out of range means in
    Python terms.
    """


# --- context ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """Where a value is being converted, for the message's prefix.

    `prefix` is the chain of "Failed to ..." clauses so far; `parameter` is the 1-based
    argument index when the value is an argument itself (Chromium then says "parameter 2 is
    not of type 'NPUGraph'" rather than "The provided value is not of type ...").
    """

    prefix: str = ""
    parameter: int | None = None

    def message(self, detail: str) -> str:
        return f"{self.prefix}: {detail}" if self.prefix else detail

    def type_error(self, detail: str) -> WebIDLTypeError:
        return WebIDLTypeError(self.message(detail))

    def not_of_type(self, type_name: str) -> WebIDLTypeError:
        if self.parameter is not None:
            return self.type_error(f"parameter {self.parameter} is not of type '{type_name}'.")
        return self.type_error(f"The provided value is not of type '{type_name}'.")

    def argument(self, index: int) -> Context:
        return Context(self.prefix, index + 1)

    def member(self, dictionary: str, member: str) -> Context:
        clause = f"Failed to read the '{member}' property from '{dictionary}'"
        return Context(self.message(clause))

    def element(self) -> Context:
        """An element of a sequence or record: the same prefix, no longer a parameter."""
        return Context(self.prefix)


NO_CONTEXT = Context()


def operation_context(operation: str, interface: str) -> Context:
    return Context(f"Failed to execute '{operation}' on '{interface}'")


def constructor_context(interface: str) -> Context:
    return Context(f"Failed to construct '{interface}'")


def attribute_context(attribute: str, interface: str) -> Context:
    return Context(f"Failed to set the '{attribute}' property on '{interface}'")


def illegal_constructor(interface: str) -> WebIDLTypeError:
    """What `new NPUDevice()` throws: only the implementation creates these objects."""
    return constructor_context(interface).type_error("Illegal constructor")


# --- converters ------------------------------------------------------------------------------


class Converter:
    """One IDL type's conversion: `converter(value, context) -> Python value`.

    `kind` is what a union's conversion order needs to know; `idl_name` goes in messages.
    """

    kind = "any"
    idl_name = "any"
    nullable = False

    def __call__(self, value: Any, context: Context = NO_CONTEXT) -> Any:
        raise NotImplementedError


class AnyConverter(Converter):
    def __init__(self, idl_name: str = "any") -> None:
        self.idl_name = idl_name

    def __call__(self, value, context=NO_CONTEXT):
        return value


# Integer types: (bit width, signed). WebIDL §3.2.4.
INTEGER_TYPES = {
    "byte": (8, True),
    "octet": (8, False),
    "short": (16, True),
    "unsigned short": (16, False),
    "long": (32, True),
    "unsigned long": (32, False),
    "long long": (64, True),
    "unsigned long long": (64, False),
}


def _to_number(value: Any, context: Context, idl_name: str) -> int | float:
    """ToNumber, for the values Python callers pass: exact ints stay ints."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, str) or value is None:
        raise context.type_error(f"Value is not of type '{idl_name}'.")
    try:
        return operator.index(value)
    except TypeError:
        pass
    try:
        return float(value)
    except (TypeError, ValueError):
        raise context.type_error(f"Value is not of type '{idl_name}'.") from None


class IntegerConverter(Converter):
    """ConvertToInt (§3.2.4.9): modulo by default, `[EnforceRange]` checks, `[Clamp]` clamps."""

    kind = "numeric"

    def __init__(self, idl_name: str, *, enforce_range: bool = False, clamp: bool = False):
        self.idl_name = idl_name
        self.bits, self.signed = INTEGER_TYPES[idl_name]
        self.enforce_range = enforce_range
        self.clamp = clamp
        if self.bits == 64:
            # ConvertToInt step 1: 64-bit bounds are JavaScript's safe integers, 2^53 - 1, so
            # [EnforceRange] refuses (and [Clamp] clamps to) what a double cannot hold exactly.
            self.lower, self.upper = (-(2**53) + 1 if self.signed else 0), 2**53 - 1
        elif self.signed:
            self.lower, self.upper = -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        else:
            self.lower, self.upper = 0, (1 << self.bits) - 1

    def __call__(self, value, context=NO_CONTEXT):
        x = _to_number(value, context, self.idl_name)
        if self.enforce_range:
            if isinstance(x, float) and math.isnan(x):
                raise context.type_error(f"Value is not of type '{self.idl_name}'.")
            if isinstance(x, float) and math.isinf(x):
                raise context.type_error(f"Value is infinite and not of type '{self.idl_name}'.")
            n = math.trunc(x)
            if not self.lower <= n <= self.upper:
                raise EnforceRangeError(
                    context.message(f"Value is outside the '{self.idl_name}' value range.")
                )
            return n
        if isinstance(x, float) and math.isnan(x):
            return 0
        if self.clamp:
            if isinstance(x, float):
                if x <= self.lower:
                    return self.lower
                if x >= self.upper:
                    return self.upper
                return round(x)  # round half to even, as [Clamp] specifies
            return min(max(x, self.lower), self.upper)
        if isinstance(x, float) and math.isinf(x):
            return 0
        n = math.trunc(x) % (1 << self.bits)
        if self.signed and n >= 1 << (self.bits - 1):
            n -= 1 << self.bits
        return n


class FloatConverter(Converter):
    """float, unrestricted float, double, unrestricted double (§3.2.5-§3.2.8)."""

    kind = "numeric"

    def __init__(self, idl_name: str):
        self.idl_name = idl_name
        self.unrestricted = idl_name.startswith("unrestricted ")
        self.single = idl_name.endswith("float")

    def __call__(self, value, context=NO_CONTEXT):
        x = float(_to_number(value, context, self.idl_name))
        if not self.unrestricted and not math.isfinite(x):
            raise context.type_error(f"The provided {self.idl_name} value is non-finite.")
        if self.single:
            try:
                x = struct.unpack("<f", struct.pack("<f", x))[0]
            except OverflowError:
                if not self.unrestricted:
                    raise context.type_error(
                        f"The provided {self.idl_name} value is non-finite."
                    ) from None
                x = math.copysign(math.inf, x)
        return x


class BigIntConverter(Converter):
    """bigint (§3.2.9): an exact Python int; a float is a TypeError, as ToBigInt's is."""

    kind = "bigint"
    idl_name = "bigint"

    def __call__(self, value, context=NO_CONTEXT):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, (float, str)) or value is None:
            raise context.type_error(f"Cannot convert {value!r} to a BigInt.")
        try:
            return operator.index(value)
        except TypeError:
            raise context.type_error(f"Cannot convert {value!r} to a BigInt.") from None


class BooleanConverter(Converter):
    kind = "boolean"
    idl_name = "boolean"

    def __call__(self, value, context=NO_CONTEXT):
        return bool(value)


class StringConverter(Converter):
    """DOMString, ByteString and USVString (§3.2.10-§3.2.12)."""

    kind = "string"

    def __init__(self, idl_name: str = "DOMString"):
        self.idl_name = idl_name

    def __call__(self, value, context=NO_CONTEXT):
        if not isinstance(value, str):
            raise context.type_error(f"Value is not of type '{self.idl_name}'.")
        if self.idl_name == "USVString":
            return usv_string(value)
        if self.idl_name == "ByteString" and any(ord(ch) > 0xFF for ch in value):
            raise context.type_error("Value is not a valid ByteString.")
        return value


def usv_string(value: str) -> str:
    """Lone surrogates become U+FFFD; a surrogate pair written as two code points is joined."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class EnumConverter(Converter):
    """An enumeration (§3.2.18): the string must be one of the values."""

    kind = "string"

    def __init__(self, idl_name: str, values: Iterable[str]):
        self.idl_name = idl_name
        self.values = frozenset(values)

    def __call__(self, value, context=NO_CONTEXT):
        if not isinstance(value, str) or value not in self.values:
            shown = value if isinstance(value, str) else _js_string(value)
            raise context.type_error(
                f"The provided value '{shown}' is not a valid enum value of type {self.idl_name}."
            )
        return value


def _js_string(value: Any) -> str:
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class DictionaryConverter(Converter):
    """A dictionary type (§3.2.17), by its generated converter function."""

    kind = "dictionary"

    def __init__(self, idl_name: str, convert: Callable[[Any, Context], Any]):
        self.idl_name = idl_name
        self.convert = convert

    def __call__(self, value, context=NO_CONTEXT):
        return self.convert(value, context)


class DictionarySource:
    """Reads a dictionary's members from what the caller passed, in the order they are asked for.

    The generated converter asks for every member, inherited first then each dictionary's own
    by name (the order WebIDL converts them in), so a later member's error is only reported
    when the earlier ones converted.
    """

    __slots__ = ("_value", "_context")

    def __init__(self, value: Any, idl_name: str, context: Context):
        if value is None:
            value = {}  # undefined (and null) convert to an empty dictionary
        elif is_dataclass(value) and not isinstance(value, type):
            # A generated dictionary dataclass (or any dataclass): its fields by Python name.
            value = {f.name: getattr(value, f.name) for f in fields(value)}
        elif not isinstance(value, Mapping):
            raise context.not_of_type(idl_name)
        self._value = value
        self._context = context

    def get(
        self,
        declared_in: str,
        idl_name: str,
        py_name: str,
        convert: Converter,
        *,
        required: bool = False,
        default: Any = None,
    ) -> Any:
        value = self._value.get(py_name)
        if value is None and py_name != idl_name:
            value = self._value.get(idl_name)
        context = self._context.member(declared_in, idl_name)
        if value is None and not (convert.nullable and _has_key(self._value, py_name, idl_name)):
            if required:
                raise context.type_error("Required member is undefined.")
            if default is None:
                return None
            value = default
        return convert(value, context)


def _has_key(mapping: Mapping, *keys: str) -> bool:
    return any(key in mapping for key in keys)


class SequenceConverter(Converter):
    """sequence<T> and FrozenArray<T> (§3.2.26): any non-string iterable, to a tuple."""

    kind = "sequence"

    def __init__(self, element: Converter, idl_name: str = "sequence"):
        self.element = element
        self.idl_name = idl_name

    def __call__(self, value, context=NO_CONTEXT):
        if not is_sequence_like(value):
            if context.parameter is not None:
                raise context.type_error(
                    f"parameter {context.parameter} is not iterable or does not have a callable "
                    "Symbol.iterator."
                )
            raise context.type_error(
                "The object must have a callable @@iterator property."
                if value is not None
                else "The provided value cannot be converted to a sequence."
            )
        inner = context.element()
        return tuple(self.element(item, inner) for item in value)


def is_sequence_like(value: Any) -> bool:
    if isinstance(value, (str, bytes, bytearray, memoryview, Mapping)):
        return False
    return isinstance(value, Iterable)


class RecordConverter(Converter):
    """record<K, V> (§3.2.27): a mapping with string keys, to a dict in the mapping's order."""

    kind = "record"

    def __init__(self, key: Converter, value: Converter, idl_name: str = "record"):
        self.key = key
        self.value = value
        self.idl_name = idl_name

    def __call__(self, value, context=NO_CONTEXT):
        if not isinstance(value, Mapping):
            raise context.not_of_type(self.idl_name)
        inner = context.element()
        return {self.key(k, inner): self.value(v, inner) for k, v in value.items()}


# Binding classes by interface name: `isinstance` against these.
_INTERFACES: dict[str, type] = {}


def register_interface(name: str) -> Callable[[type], type]:
    """Class decorator: this class implements the IDL interface `name`."""

    def register(cls: type) -> type:
        _INTERFACES[name] = cls
        return cls

    return register


def interface_class(name: str) -> type:
    """The binding class registered for the IDL interface `name`."""
    return _INTERFACES[name]


def implements(value: Any, interface: str) -> bool:
    cls = _INTERFACES.get(interface)
    if cls is not None:
        return isinstance(value, cls)
    return any(base.__name__ == interface for base in type(value).__mro__)


class InterfaceConverter(Converter):
    """An interface type (§3.2.19): an instance of the binding class."""

    kind = "interface"

    def __init__(self, idl_name: str):
        self.idl_name = idl_name

    def __call__(self, value, context=NO_CONTEXT):
        if not implements(value, self.idl_name):
            raise context.not_of_type(self.idl_name)
        return value


class CallbackConverter(Converter):
    kind = "callback"

    def __init__(self, idl_name: str):
        self.idl_name = idl_name

    def __call__(self, value, context=NO_CONTEXT):
        if not callable(value):
            raise context.type_error(f"The provided callback is not a function ({self.idl_name}).")
        return value


class BufferSourceConverter(Converter):
    """ArrayBuffer, views and their unions: anything with the buffer protocol, as a memoryview."""

    kind = "buffer"

    def __init__(self, idl_name: str = "BufferSource"):
        self.idl_name = idl_name

    def __call__(self, value, context=NO_CONTEXT):
        if isinstance(value, str):
            raise context.not_of_type(self.idl_name)
        try:
            view = memoryview(value)
        except TypeError:
            raise context.not_of_type(self.idl_name) from None
        if not view.c_contiguous:
            raise context.type_error("The provided buffer is not contiguous.")
        return view


class NullableConverter(Converter):
    """T? (§3.2.22): None is null; anything else converts as T."""

    nullable = True

    def __init__(self, inner: Converter):
        self.inner = inner
        self.kind = inner.kind
        self.idl_name = inner.idl_name + "?"

    def __call__(self, value, context=NO_CONTEXT):
        return None if value is None else self.inner(value, context)


class UnionConverter(Converter):
    """A union (§3.2.23), its conversion order reduced to the member kinds Python values have:
    interfaces and buffers by type, then dictionaries for mappings, sequences for other
    iterables, booleans, numbers (an `int` to `bigint` first when present, a `float` to the
    numeric type), strings; otherwise a TypeError naming the union."""

    kind = "union"

    def __init__(self, idl_name: str, members: Iterable[Converter]):
        self.idl_name = idl_name
        self.members = tuple(members)
        self.nullable = any(m.nullable for m in self.members)

    def _first(self, *kinds: str) -> Converter | None:
        """The first member of the first of `kinds` the union has."""
        for kind in kinds:
            for m in self.members:
                if m.kind == kind:
                    return m
        return None

    def __call__(self, value, context=NO_CONTEXT):
        if value is None and self.nullable:
            return None
        for m in self.members:
            if m.kind == "interface" and implements(value, m.idl_name):
                return value
        buffer = self._first("buffer")
        if buffer is not None and not isinstance(value, str):
            try:
                memoryview(value)
            except TypeError:
                pass
            else:
                return buffer(value, context)
        dictionary = self._first("dictionary")
        if isinstance(value, Mapping) or (value is None and dictionary is not None):
            member = dictionary or self._first("record")
            if member is not None:
                return member(value, context)
        if is_sequence_like(value):
            member = self._first("sequence")
            if member is not None:
                return member(value, context)
        if isinstance(value, bool):
            member = self._first("boolean")
            if member is not None:
                return member(value, context)
        if isinstance(value, int) and not isinstance(value, bool):
            member = self._first("bigint", "numeric")
            if member is not None:
                return member(value, context)
        if isinstance(value, (int, float)):
            member = self._first("numeric", "bigint")
            if member is not None:
                return member(value, context)
        if isinstance(value, str):
            member = self._first("string")
            if member is not None:
                return member(value, context)
        if callable(value):
            member = self._first("callback")
            if member is not None:
                return member(value, context)
        raise context.not_of_type(self.idl_name)


# --- arguments -------------------------------------------------------------------------------


class Arguments:
    """An operation's arguments, positional or by Python name, converted in declaration order.

    Like a browser, a missing required argument is "N argument(s) required, but only M
    present."; an optional one left out (or None) takes its default, or None without one.
    Unlike a browser, an argument Python does not know (an extra positional, a misspelt
    keyword) is a TypeError rather than ignored: in Python that is always a mistake.
    """

    __slots__ = ("_args", "_kwargs", "_context", "_names")

    def __init__(
        self,
        args: tuple,
        kwargs: Mapping[str, Any],
        context: Context,
        names: tuple[str, ...],
        required: int,
        variadic: bool = False,
    ):
        if not variadic and len(args) > len(names):
            raise context.type_error(
                f"{len(names)} argument{'s' if len(names) != 1 else ''} expected, "
                f"but {len(args)} present."
            )
        for key in kwargs:
            if key not in names or (variadic and key == names[-1]):
                raise context.type_error(f"Unknown argument '{key}'.")
            if names.index(key) < len(args):
                raise context.type_error(f"Argument '{key}' given by position and by name.")
        present = sum(1 for i, n in enumerate(names[:required]) if i < len(args) or n in kwargs)
        if present < required:
            raise context.type_error(
                f"{required} argument{'s' if required != 1 else ''} required, "
                f"but only {present} present."
            )
        self._args = args
        self._kwargs = kwargs
        self._context = context
        self._names = names

    def get(self, index: int, convert: Converter, *, optional: bool = False, default=None):
        name = self._names[index]
        if index < len(self._args):
            value = self._args[index]
            given = True
        else:
            given = name in self._kwargs
            value = self._kwargs.get(name)
        context = self._context.argument(index)
        if optional and value is None and not (given and convert.nullable):
            if default is None:
                return None
            value = default
        return convert(value, context)

    def rest(self, index: int, convert: Converter) -> tuple:
        """A variadic argument: every positional from `index` on."""
        return tuple(
            convert(value, self._context.argument(index + i))
            for i, value in enumerate(self._args[index:])
        )
