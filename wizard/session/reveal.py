"""Showing a stored secret to the operator who asks for it (the break-glass user's temporary
password): never on screen unasked, and every showing is audited - who may have seen it, and
when - with the secret's fingerprint, never its value. The TUI and ``aks-wizard secret show``
both come here."""

from __future__ import annotations

from wizard.session.secrets import fingerprint
from wizard.session.session import Session


class NoSuchSecret(KeyError):
    """The session holds no secret of that name (``names`` lists those it does hold)."""

    def __init__(self, name: str, names: list[str]) -> None:
        super().__init__(name)
        self.name, self.names = name, names

    def __str__(self) -> str:
        held = ", ".join(self.names) or "none"
        return f"this session holds no secret named {self.name!r} (it holds: {held})"


def reveal(session: Session, name: str, via: str) -> str:
    """The secret's value, after auditing that it was shown (``via``: "tui" or "cli")."""
    value = session.secrets.get(name)
    if value is None:
        raise NoSuchSecret(name, session.secrets.names())
    session.record("secret.shown", None, {"name": name, "fingerprint": fingerprint(value), "via": via})
    return value
