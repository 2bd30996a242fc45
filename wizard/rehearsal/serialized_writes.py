"""Writes Azure serialises on a shared parent: while one deployment writes a rule collection
group of a firewall policy, another deployment's write to the same policy fails with
Microsoft.Network's ``AnotherOperationInProgress`` (the policy and its rule collection groups
are updated one at a time; Bicep authors chain their groups with dependsOn for this reason,
and deployment scripts retry on that code after a wait). Two steps of this wizard meet it
when they run side by side: the spoke's AKS egress rules and the jump box build's rules both
go into the hub's policy.

The overlap is judged when a deployment is submitted, in wall time, against every deployment
still running: the later write of an overlapping pair fails. The wording of the message is
this module's; the code and the 400 are Microsoft.Network's."""

from __future__ import annotations

from typing import Any, Iterable

SERIALIZED_CHILDREN = ("microsoft.network/firewallpolicies/rulecollectiongroups",)


def _parent(rid: str) -> str:
    return rid.lower().rsplit("/", 2)[0]


def _windows(schedule: Iterable[dict[str, Any]], start_wall: float, pace: float) -> list[tuple[str, float, float]]:
    return [(_parent(e["id"]), start_wall + e["start"] / pace, start_wall + e["end"] / pace)
            for e in schedule if e["type"].lower() in SERIALIZED_CHILDREN and not e.get("error")]


def mark_conflicts(schedule: list[dict[str, Any]], start_wall: float, pace: float,
                   running: Iterable[dict[str, Any]]) -> None:
    """Fail each serialised write of ``schedule`` that overlaps one of a running deployment."""
    busy = [w for record in running for w in _windows(record.get("schedule") or [], record["startWall"],
                                                       record["pace"])]
    for entry in schedule:
        if entry["type"].lower() not in SERIALIZED_CHILDREN or entry.get("error"):
            continue
        parent = _parent(entry["id"])
        begins, ends = start_wall + entry["start"] / pace, start_wall + entry["end"] / pace
        if any(p == parent and begins < other_end and other_begin < ends for p, other_begin, other_end in busy):
            entry["error"] = {"code": "AnotherOperationInProgress", "target": entry["id"],
                              "message": f"Another operation on this or a dependent resource is in progress: "
                                         f"firewall policy {parent.rsplit('/', 1)[-1]} is being updated by another "
                                         "deployment. Retry the operation once it completes."}
