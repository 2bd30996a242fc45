"""``aks-wizard secret list|show``: the headless way to read what the secret store holds. The
list shows names and fingerprints only; ``show`` prints one value and audits that it did."""

from __future__ import annotations

import sys

from wizard.session.lock import SessionLocked
from wizard.session.reveal import NoSuchSecret, reveal
from wizard.session.secrets import fingerprint
from wizard.session.store import SessionCorrupt, SessionNotFound, SessionStore

EXIT_USAGE = 2


def run_secret(store: SessionStore, command: str, target: str, name: str = "") -> int:
    try:
        session = store.open(target)
    except (SessionNotFound, SessionCorrupt) as exc:
        print(f"aks-wizard secret: {target}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SessionLocked as exc:
        print(f"aks-wizard secret: {exc} In the TUI, the step that stored the secret shows it (key w).",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        if command == "list":
            for held in session.secrets.names():
                print(f"{held}  {fingerprint(session.secrets.get_bytes(held) or b'')}")
            return 0
        try:
            print(reveal(session, name, via="cli"))
        except NoSuchSecret as exc:
            print(f"aks-wizard secret show: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return 0
    finally:
        session.close()
