"""The part of the Azure Policy rule language the rehearsal evaluates: ``allOf``, ``anyOf``,
``not``, and ``field`` conditions with the string operators, on the aliases it knows
(``assets/azure/policy-aliases.json``) and the fields ``type``, ``name`` and ``location``.

Semantics follow Azure Policy's definition structure (learn.microsoft.com, "Azure Policy
definition structure: policy rule" and "Author policies for array properties"):

- comparisons of strings are case-insensitive, and a boolean compares as its text
  (``notEquals: "true"`` and ``notEquals: true`` both match ``false``);
- a property that is absent matches ``notEquals``, ``notLike``, ``notContains``, ``notIn`` and
  ``exists: false``, and nothing else;
- a ``[*]`` alias is true only when the condition holds for **every** member of the list
  (an empty list holds vacuously); an absent list is judged as one absent value, the
  cautious reading, so the rehearsal never refuses a resource Azure might let through.

Anything else (``count``, ``value``, template functions other than ``parameters()``) makes a
rule one the rehearsal cannot judge: ``evaluable`` says so and the caller leaves it alone,
rather than refusing what Azure would accept."""

from __future__ import annotations

import fnmatch
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

_ALIASES = Path(__file__).resolve().parents[2] / "assets" / "azure" / "policy-aliases.json"
_LOGICAL = ("allOf", "anyOf", "not")
_OPERATORS = ("equals", "notEquals", "like", "notLike", "contains", "notContains", "in", "notIn", "exists")
_PARAMETER = re.compile(r"^\[parameters\('([^']+)'\)\]$")
_TOP_FIELDS = {"type": "type", "name": "name", "location": "location"}


class NotEvaluable(Exception):
    """The rule uses language the rehearsal does not model."""


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    raw = json.loads(_ALIASES.read_text(encoding="utf-8"))["aliases"]
    return {k.lower(): v for k, v in raw.items()}


def _walk(value: Any, parts: list[str]) -> list[Any]:
    """Every value at ``parts`` below ``value``; ``x[*]`` fans out over a list."""
    if not parts:
        return [value]
    head, rest = parts[0], parts[1:]
    star = head.endswith("[*]")
    key = head[:-3] if star else head
    if not isinstance(value, Mapping):
        return [None]
    found = next((v for k, v in value.items() if k.lower() == key.lower()), None)
    if not star:
        return _walk(found, rest)
    if not isinstance(found, list):
        return [None]  # absent: judged as one absent value (only the "not" operators match it)
    out: list[Any] = []
    for member in found:
        out.extend(_walk(member, rest))
    return out


def field_values(resource: Mapping[str, Any], field: str) -> tuple[list[Any], bool]:
    """(values, is_array): the values a ``field`` names in ``resource``."""
    top = _TOP_FIELDS.get(field.lower())
    if top is not None:
        return [resource.get(top)], False
    path = aliases().get(field.lower())
    if path is None:
        raise NotEvaluable(f"alias {field!r}")
    return _walk(resource, path.split(".")), "[*]" in path


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).lower()


def _resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("["):
        match = _PARAMETER.match(value)
        if match is None:
            raise NotEvaluable(f"expression {value!r}")
        if match.group(1) not in parameters:
            raise NotEvaluable(f"parameter {match.group(1)!r} has no value")
        return parameters[match.group(1)]
    return value


def _compare(operator: str, actual: Any, expected: Any) -> bool:
    if operator == "exists":
        return (actual is not None) == (_text(expected) == "true")
    if actual is None:
        return operator in ("notEquals", "notLike", "notContains", "notIn")
    if operator in ("equals", "notEquals"):
        same = _text(actual) == _text(expected)
        return same if operator == "equals" else not same
    if operator in ("like", "notLike"):
        hit = fnmatch.fnmatchcase(_text(actual), _text(expected))
        return hit if operator == "like" else not hit
    if operator in ("contains", "notContains"):
        hit = _text(expected) in _text(actual)
        return hit if operator == "contains" else not hit
    members = expected if isinstance(expected, list) else [expected]
    hit = _text(actual) in {_text(m) for m in members}
    return hit if operator == "in" else not hit


def matches(condition: Mapping[str, Any], resource: Mapping[str, Any], parameters: Mapping[str, Any]) -> bool:
    """Whether ``condition`` (a policy rule's ``if``) holds for ``resource``. Raises
    ``NotEvaluable`` for language outside what this module models."""
    if "allOf" in condition:
        return all(matches(c, resource, parameters) for c in condition["allOf"])
    if "anyOf" in condition:
        return any(matches(c, resource, parameters) for c in condition["anyOf"])
    if "not" in condition:
        return not matches(condition["not"], resource, parameters)
    if "field" not in condition:
        raise NotEvaluable("a condition without 'field'")
    operator = next((op for op in _OPERATORS if op in condition), None)
    if operator is None:
        raise NotEvaluable(f"operator of {condition!r}")
    field = str(_resolve(condition["field"], parameters))
    expected = _resolve(condition[operator], parameters)
    values, is_array = field_values(resource, field)
    if is_array:
        return all(_compare(operator, v, expected) for v in values)
    return _compare(operator, values[0] if values else None, expected)


def parameter_values(definition: Mapping[str, Any], assignment: Mapping[str, Any]) -> dict[str, Any]:
    """The assignment's parameter values over the definition's defaults."""
    declared = (definition.get("properties") or {}).get("parameters") or {}
    given = (assignment.get("properties") or {}).get("parameters") or {}
    out = {name: spec.get("defaultValue") for name, spec in declared.items()
           if isinstance(spec, Mapping) and "defaultValue" in spec}
    out.update({name: (v or {}).get("value") for name, v in given.items() if isinstance(v, Mapping)})
    return out


def effect_of(definition: Mapping[str, Any], parameters: Mapping[str, Any]) -> str:
    then = ((definition.get("properties") or {}).get("policyRule") or {}).get("then") or {}
    return str(_resolve(then.get("effect", ""), parameters)).lower()
