"""The jump box's operator accounts: parsed from the step's ``users`` decision and written as
the cloud-init document the cluster step hands to the jump box's scale set.

The document is public data (login names and public keys only), so it may sit in the step's
outputs and the audit log. It follows the regulated reference's jumpBoxCloudInit.yml: each user
with password login locked and no sudo unless decided; unlike the reference it does not keep
the image's ``default`` user, so only the named operators can log in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from checks.ssh_keys import KeyProblem, PublicKey, login_error, parse_public_key, read_public_key
from wizard.engine.contract import Finding, StepContext

HEADER = "#cloud-config"
REHEARSAL_KEY = Path(__file__).resolve().parents[1] / "assets" / "rehearsal" / "opsuser01.pub"
_LOCAL_KEYS = ("~/.ssh/id_ed25519.pub", "~/.ssh/id_rsa.pub")
MAX_USERS = 10


@dataclass(frozen=True)
class JumpboxUser:
    login: str
    key: PublicKey


def default_users(ctx: StepContext) -> str:
    """Live: the operator's own key, when ~/.ssh has one. A rehearsal always starts from a
    public key shipped for rehearsals (its private half was never kept, so nobody can log in
    with it), so a rehearsal's decisions do not depend on the machine it ran on."""
    if ctx.mode == "rehearsal":
        return f"opsuser01={REHEARSAL_KEY}"
    for candidate in _LOCAL_KEYS:
        if Path(candidate).expanduser().is_file():
            return f"opsuser01={candidate}"
    return ""


def rehearsal_fingerprint() -> str:
    return read_public_key(str(REHEARSAL_KEY)).fingerprint


def parse_users(value: Any) -> list[JumpboxUser]:
    """``login=key-or-path`` entries separated by commas or new lines; ``ValueError`` with
    every problem, each naming its entry by number (never a key's text)."""
    entries = [e.strip() for e in str(value or "").replace("\n", ",").split(",") if e.strip()]
    if not entries:
        raise ValueError("Give at least one user as login=path of a .pub file (e.g. opsuser01=~/.ssh/id_ed25519.pub); "
                         "create a key with ssh-keygen -t ed25519.")
    if len(entries) > MAX_USERS:
        raise ValueError(f"At most {MAX_USERS} users; the jump box is for a few operators.")
    users, problems, seen = [], [], set()
    for number, entry in enumerate(entries, start=1):
        login, sep, key = entry.partition("=")
        login = login.strip()
        if not sep or not key.strip():
            problems.append(f"user {number}: write it as login=path of a .pub file")
            continue
        bad = login_error(login)
        if bad:
            problems.append(f"user {number}: {bad}")
            continue
        if login in seen:
            problems.append(f"user {number}: {login} is listed twice")
            continue
        seen.add(login)
        try:
            users.append(JumpboxUser(login, read_public_key(key)))
        except KeyProblem as exc:
            problems.append(f"user {number} ({login}): {exc}")
    if problems:
        raise ValueError("; ".join(problems) + ".")
    return users


def users_error(value: Any, ctx: StepContext) -> str | None:
    try:
        users = parse_users(value)
    except ValueError as exc:
        return str(exc)
    if ctx.mode != "rehearsal":
        shipped = rehearsal_fingerprint()
        for user in users:
            if user.key.fingerprint == shipped:
                return (f"{user.login}: that is the rehearsal's public key, whose private half was never kept: nobody "
                        "could log in with it. Give your own (ssh-keygen -t ed25519 makes one).")
    return None


def cloud_init(users: list[JumpboxUser], sudo: bool) -> str:
    accounts = [{"name": u.login, "shell": "/bin/bash", "lock_passwd": True,
                 "sudo": "ALL=(ALL) NOPASSWD:ALL" if sudo else False,
                 "ssh_authorized_keys": [u.key.line]} for u in users]
    return HEADER + "\n" + yaml.safe_dump({"users": accounts, "ssh_pwauth": False, "disable_root": True},
                                          sort_keys=False, width=4096)


def check_cloud_init(document: str) -> Finding:
    """What cloud-init itself requires (the header line, a YAML mapping), and what the
    baseline requires (users with public keys only, password login off)."""
    if not document.startswith(HEADER + "\n"):
        return Finding.fail(f"The cloud-init document does not start with '{HEADER}': cloud-init would ignore it.",
                            "This is the wizard's own document; report it as a bug.")
    try:
        parsed = yaml.safe_load(document)
    except yaml.YAMLError as exc:
        return Finding.fail(f"The cloud-init document is not valid YAML: {exc}", "Report it as a bug.")
    if not isinstance(parsed, dict) or not isinstance(parsed.get("users"), list) or not parsed["users"]:
        return Finding.fail("The cloud-init document has no users.", "Add a user (press 2 to edit the decisions).")
    problems, prints = [], {}
    for user in parsed["users"]:
        keys = user.get("ssh_authorized_keys") if isinstance(user, dict) else None
        if not keys or not isinstance(keys, list):
            problems.append(f"{user!r:.40} has no SSH key")
            continue
        for key in keys:
            try:
                prints[str(user["name"])] = parse_public_key(str(key)).fingerprint
            except KeyProblem as exc:
                problems.append(f"{user.get('name')}: {exc}")
        if user.get("lock_passwd") is not True:
            problems.append(f"{user.get('name')} may log in with a password")
    if parsed.get("ssh_pwauth") is not False:
        problems.append("SSH password authentication is not switched off")
    if problems:
        return Finding.fail("The cloud-init document is not safe: " + "; ".join(problems) + ".",
                            "Edit the users (press 2) and run the checks again.", problems=problems)
    return Finding.ok(f"cloud-init document valid: {len(prints)} user{'s' if len(prints) != 1 else ''} with public "
                      "keys only, password login off.", fingerprints=prints, bytes=len(document.encode()))

