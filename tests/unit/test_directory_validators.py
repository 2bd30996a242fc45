"""Field-level validators of the identity step (checks/directory.py): one accepted and one
refused input each, and the refusal names the field and says why."""

from __future__ import annotations

import pytest

from checks.directory import group_name_error, guid_error, upn_error


def test_an_object_id_must_be_a_guid() -> None:
    assert guid_error("6a1f3c2e-8b4d-4e7a-9c05-2d8e1f4b7a31", "Group id") is None
    message = guid_error("cluster-admins-bu0001a000800", "Group id")
    assert message and message.startswith("Group id") and "GUID" in message and "not a name" in message


@pytest.mark.parametrize("name, why", [("cluster admins", "a space"), ("admins@contoso", "'@'"),
                                       ("admins.team", "'.'"), ("grüppe", "plain ASCII"), ("a" * 65, "at most 64"),
                                       ("", "required")])
def test_a_group_name_must_work_as_a_mail_nickname(name: str, why: str) -> None:
    assert group_name_error("cluster-admins-bu0001a000800", "Group name") is None
    message = group_name_error(name, "Group name")
    assert message and message.startswith("Group name") and why in message


@pytest.mark.parametrize("upn, why", [("admin", "name@domain"), ("admin@localhost", "name@domain"),
                                      ("ad min@contoso.com", "letters, digits")])
def test_a_upn_is_name_at_domain(upn: str, why: str) -> None:
    assert upn_error("bu0001a000800-admin@contoso.onmicrosoft.com", "Break-glass user") is None
    message = upn_error(upn, "Break-glass user")
    assert message and message.startswith("Break-glass user") and why in message
