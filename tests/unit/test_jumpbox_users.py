"""The jump box users decision and the cloud-init document it becomes."""

from __future__ import annotations

from pathlib import Path

import yaml
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ed25519

from steps.jumpbox_users import REHEARSAL_KEY, check_cloud_init, cloud_init, default_users, parse_users, users_error
from wizard.engine.contract import StepContext


def _ctx(mode: str) -> StepContext:
    return StepContext("jumpbox-image", {}, {}, mode)


def _pub(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.pub"
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    path.write_text(key.public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode() + f" {name}\n")
    return path


def test_two_users_become_a_cloud_init_document_with_keys_only(tmp_path: Path) -> None:
    users = parse_users(f"opsuser01={_pub(tmp_path, 'a')}, opsuser02={_pub(tmp_path, 'b')}")
    document = cloud_init(users, sudo=False)
    parsed = yaml.safe_load(document)
    assert document.startswith("#cloud-config\n")
    assert [u["name"] for u in parsed["users"]] == ["opsuser01", "opsuser02"]
    assert all(u["lock_passwd"] is True and u["sudo"] is False for u in parsed["users"])
    assert parsed["ssh_pwauth"] is False and "default" not in document
    assert check_cloud_init(document).status.value == "pass"


def test_every_bad_entry_is_named_by_number(tmp_path: Path) -> None:
    error = users_error(f"root={_pub(tmp_path, 'a')}, opsuser02, opsuser03=/nope.pub", _ctx("rehearsal")) or ""
    assert "user 1: login name 'root'" in error and "user 2: write it as login=" in error
    assert "user 3 (opsuser03): no file at /nope.pub" in error


def test_the_rehearsal_key_is_the_rehearsal_default_and_refused_live() -> None:
    value = default_users(_ctx("rehearsal"))
    assert value == f"opsuser01={REHEARSAL_KEY}"
    assert users_error(value, _ctx("rehearsal")) is None
    assert "private half was never kept" in (users_error(value, _ctx("live")) or "")


def test_a_document_that_lets_passwords_in_fails_the_check(tmp_path: Path) -> None:
    document = cloud_init(parse_users(f"opsuser01={_pub(tmp_path, 'a')}"), sudo=True)
    assert check_cloud_init(document.replace("lock_passwd: true", "lock_passwd: false")).status.value == "fail"
    assert check_cloud_init(document.replace("#cloud-config\n", "")).status.value == "fail"
    assert check_cloud_init(document.replace("ssh_pwauth: false", "ssh_pwauth: true")).status.value == "fail"
