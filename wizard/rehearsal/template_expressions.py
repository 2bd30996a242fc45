"""Parsing ARM template language expressions ("[concat('a', parameters('b'))]").

Only the syntax lives here (tokens -> a tiny AST); what the functions mean is in
``template_functions``. Keeping them apart lets validation report a syntax error and an
unknown function differently, as ARM does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union


class TemplateError(Exception):
    """An ARM template problem, carrying the ARM error code it maps to."""

    def __init__(self, message: str, code: str = "InvalidTemplate", target: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.target = code, message, target


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple["Node", ...]


@dataclass(frozen=True)
class Member:
    """``base.name`` (``key`` is a Literal) or ``base[expr]``."""

    base: "Node"
    key: "Node"


Node = Union[Literal, Call, Member]

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<punct>[(),.\[\]])
""", re.VERBOSE)


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[[")


def unescape_literal(value: str) -> str:
    """A string starting with ``[[`` is a literal that starts with ``[``."""
    return value[1:] if value.startswith("[[") else value


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise TemplateError(f"The template language expression '{text}' is not valid: "
                                f"unexpected character at position {pos}.")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _expect(self, value: str) -> None:
        tok = self._peek()
        if tok is None or tok[1] != value:
            raise TemplateError(f"The template language expression '{self.text}' is not valid: "
                                f"expected '{value}'.")
        self.pos += 1

    def parse(self) -> Node:
        node = self._expr()
        if self._peek() is not None:
            raise TemplateError(f"The template language expression '{self.text}' is not valid: "
                                f"unexpected '{self._peek()[1]}'.")  # type: ignore[index]
        return node

    def _expr(self) -> Node:
        node = self._primary()
        while (tok := self._peek()) is not None and tok[1] in (".", "["):
            self.pos += 1
            if tok[1] == ".":
                name = self._peek()
                if name is None or name[0] != "ident":
                    raise TemplateError(f"The template language expression '{self.text}' is not valid: "
                                        "expected a property name after '.'.")
                self.pos += 1
                node = Member(node, Literal(name[1]))
            else:
                key = self._expr()
                self._expect("]")
                node = Member(node, key)
        return node

    def _primary(self) -> Node:
        tok = self._peek()
        if tok is None:
            raise TemplateError(f"The template language expression '{self.text}' is not valid: it ends early.")
        kind, value = tok
        self.pos += 1
        if kind == "string":
            return Literal(value[1:-1].replace("''", "'"))
        if kind == "number":
            return Literal(float(value) if "." in value else int(value))
        if kind == "ident":
            nxt = self._peek()
            if nxt is not None and nxt[1] == "(":
                self.pos += 1
                args: list[Node] = []
                if (close := self._peek()) is not None and close[1] == ")":
                    self.pos += 1
                    return Call(value, ())
                while True:
                    args.append(self._expr())
                    sep = self._peek()
                    if sep is None:
                        raise TemplateError(f"The template language expression '{self.text}' is not valid: "
                                            "missing ')'.")
                    self.pos += 1
                    if sep[1] == ")":
                        return Call(value, tuple(args))
                    if sep[1] != ",":
                        raise TemplateError(f"The template language expression '{self.text}' is not valid: "
                                            f"unexpected '{sep[1]}'.")
            if value.lower() in ("true", "false"):
                return Literal(value.lower() == "true")
            if value.lower() == "null":
                return Literal(None)
        raise TemplateError(f"The template language expression '{self.text}' is not valid: "
                            f"unexpected '{value}'.")


_CACHE: dict[str, Node] = {}


def parse_expression(text: str) -> Node:
    """Parse the inside of ``[...]``; cached because copy loops re-evaluate the same strings."""
    node = _CACHE.get(text)
    if node is None:
        node = _Parser(text).parse()
        if len(_CACHE) < 5000:
            _CACHE[text] = node
    return node
