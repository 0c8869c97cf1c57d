"""A fast yes/no JSON Schema check, compiled from the contract schemas into closures.

``jsonschema`` takes ~0.3 ms per progress step; a benchmark pushes thousands per second
through the mock. So the mocks ask this compiled check first and call ``jsonschema`` only
when it says "invalid", to explain why (and ``jsonschema`` stays the authority: if it finds
no error, the payload is valid). Supports the subset of draft 2020-12 our contracts use and
raises :class:`Unsupported` for anything else, so a schema using more simply gets no fast
path (:func:`fast_check_or_none`). ``format`` and ``content*`` are annotations here, as they
are for ``jsonschema`` without a format checker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from referencing import Registry
    from referencing._core import Resolver

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset({
    "$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default",
    "format", "contentMediaType", "contentEncoding", "contentSchema", "deprecated",
    "readOnly", "writeOnly",
})
_OBJECT_KEYS = frozenset({"properties", "required", "additionalProperties", "unevaluatedProperties"})


class Unsupported(ValueError):
    """The schema uses a keyword (or form) this compiler does not implement."""


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, int | float)
    raise Unsupported(f"type {name!r}")


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return type(a) in (int, float, str, type(None)) and a == b


class _Compiler:
    def compile(self, schema: Any, resolver: Resolver) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, dict):
            raise Unsupported("schema is not an object")
        checks: list[Check] = []
        for key, arg in schema.items():
            if key in _ANNOTATIONS or key in _OBJECT_KEYS or key in ("then", "else"):
                continue
            if key == "if":
                checks.append(self._conditional(schema, resolver))
                continue
            checks.append(self._keyword(key, arg, resolver))
        if _OBJECT_KEYS & schema.keys():
            checks.append(self._object(schema, resolver))
        if not checks:
            return lambda value: True
        if len(checks) == 1:
            return checks[0]
        return lambda value: all(check(value) for check in checks)

    def _ref(self, ref: str, resolver: Resolver) -> tuple[Any, Resolver]:
        resolved = resolver.lookup(ref)
        return resolved.contents, resolved.resolver

    def _keyword(self, key: str, arg: Any, resolver: Resolver) -> Check:  # noqa: C901, PLR0911, PLR0912
        if key == "$ref":
            target, inner = self._ref(arg, resolver)
            return self.compile(target, inner)
        if key == "type":
            names = [arg] if isinstance(arg, str) else list(arg)
            for name in names:
                _is_type(None, name)  # raises Unsupported for unknown names
            return lambda value: any(_is_type(value, n) for n in names)
        if key == "enum":
            options = list(arg)
            return lambda value: any(_equal(value, o) for o in options)
        if key == "const":
            return lambda value: _equal(value, arg)
        if key == "pattern":
            search = re.compile(arg).search
            return lambda value: not isinstance(value, str) or search(value) is not None
        if key in ("minLength", "maxLength"):
            bound = int(arg)
            if key == "minLength":
                return lambda value: not isinstance(value, str) or len(value) >= bound
            return lambda value: not isinstance(value, str) or len(value) <= bound
        if key in ("minimum", "maximum"):
            def numeric(value: Any) -> bool:
                return isinstance(value, int | float) and not isinstance(value, bool)
            if key == "minimum":
                return lambda value: not numeric(value) or value >= arg
            return lambda value: not numeric(value) or value <= arg
        if key in ("minItems", "maxItems"):
            bound = int(arg)
            if key == "minItems":
                return lambda value: not isinstance(value, list) or len(value) >= bound
            return lambda value: not isinstance(value, list) or len(value) <= bound
        if key == "items":
            item = self.compile(arg, resolver)
            return lambda value: not isinstance(value, list) or all(item(v) for v in value)
        if key in ("anyOf", "allOf", "oneOf"):
            subs = [self.compile(s, resolver) for s in arg]
            if key == "anyOf":
                return lambda value: any(s(value) for s in subs)
            if key == "allOf":
                return lambda value: all(s(value) for s in subs)
            return lambda value: sum(1 for s in subs if s(value)) == 1
        if key == "not":
            sub = self.compile(arg, resolver)
            return lambda value: not sub(value)
        raise Unsupported(f"keyword {key!r}")

    def _conditional(self, schema: dict[str, Any], resolver: Resolver) -> Check:
        condition = self.compile(schema["if"], resolver)
        then = self.compile(schema.get("then", True), resolver)
        otherwise = self.compile(schema.get("else", True), resolver)
        return lambda value: then(value) if condition(value) else otherwise(value)

    def _object(self, schema: dict[str, Any], resolver: Resolver) -> Check:
        props = {name: self.compile(sub, resolver) for name, sub in schema.get("properties", {}).items()}
        required = tuple(schema.get("required", ()))
        closed: frozenset[str] | None = None
        extra: Check | None = None
        additional = schema.get("additionalProperties", True)
        if additional is False:
            closed = frozenset(props)
        elif additional is not True:
            extra = self.compile(additional, resolver)
        if schema.get("unevaluatedProperties", True) is not True:
            if schema["unevaluatedProperties"] is not False or "additionalProperties" in schema:
                raise Unsupported("unevaluatedProperties other than false")
            closed = frozenset(self._evaluated(schema, resolver))

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for name in required:
                if name not in value:
                    return False
            for name, item in value.items():
                sub = props.get(name)
                if sub is not None:
                    if not sub(item):
                        return False
                elif closed is not None and name not in closed:
                    return False
                elif extra is not None and not extra(item):
                    return False
            return True

        return check

    def _evaluated(self, schema: dict[str, Any], resolver: Resolver) -> set[str]:
        """Property names a schema evaluates, when that is static (properties through $ref)."""
        for key in schema:
            if key in ("anyOf", "oneOf", "allOf", "not", "if", "then", "else", "patternProperties",
                       "dependentSchemas", "additionalProperties"):
                raise Unsupported(f"unevaluatedProperties with {key}")
        names = set(schema.get("properties", {}))
        if "$ref" in schema:
            target, inner = self._ref(schema["$ref"], resolver)
            names |= self._evaluated(target, inner)
        return names


def fast_check(schema: dict[str, Any], registry: Registry) -> Check:
    """Compile ``schema`` (whose ``$id`` is in ``registry``) into a yes/no check."""
    resolver = registry.resolver(base_uri=schema.get("$id", ""))
    return _Compiler().compile(schema, resolver)


def fast_check_or_none(schema: dict[str, Any], registry: Registry) -> Check | None:
    try:
        return fast_check(schema, registry)
    except Unsupported:
        return None
