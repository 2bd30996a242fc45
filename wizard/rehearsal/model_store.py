"""The rehearsal subscription model: resource groups, resources, deployments, providers.

It is plain JSON-able data behind one lock, saved atomically after every change so a
rehearsal survives a restart of the wizard. Deployments keep their wall-clock start; their
progress is recomputed from it (see ``deployment_schedule``) whenever the model is touched."""

from __future__ import annotations

import copy
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from wizard.rehearsal import deployment_schedule as sched
from wizard.rehearsal import gitops, network_rules, node_resource_group
from wizard.rehearsal import image_builder
from wizard.rehearsal.resource_ids import ResourceIdError, parse_resource_id
from wizard.rehearsal.template_evaluation import DEPLOYMENT_TYPE

MODEL_FILE = "rehearsal-model.json"


class SubscriptionModel:
    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / MODEL_FILE
        self.lock = threading.RLock()
        self.data: dict[str, Any] = {"resourceGroups": {}, "resources": {}, "deployments": {}, "providers": {},
                                     "declared": {}, "operations": {}, "builds": {}}
        self.fresh = not self.path.exists()
        if not self.fresh:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            self.data.update(loaded)

    def seed(self, sub: str, groups: list[dict[str, Any]]) -> None:
        """Resource groups the scenario's subscription already has (a new model only)."""
        if not self.fresh:
            return
        for group in groups:
            self.put_resource_group(sub, str(group["name"]), str(group["location"]), group.get("tags"))

    # -- persistence -----------------------------------------------------------------------
    def save(self) -> None:
        """temp file + os.replace: a crash mid-write never leaves half a model behind."""
        with self.lock:
            text = json.dumps(self.data, indent=1, sort_keys=True)
            fd, tmp = tempfile.mkstemp(prefix=".rehearsal-model-", dir=str(self.path.parent))
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp, self.path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise

    # -- resource groups ---------------------------------------------------------------------
    def resource_group(self, sub: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            return copy.deepcopy(self.data["resourceGroups"].get(f"{sub}/{name}".lower()))

    def resource_groups(self, sub: str) -> list[dict[str, Any]]:
        prefix = f"{sub}/".lower()
        with self.lock:
            return [copy.deepcopy(v) for k, v in sorted(self.data["resourceGroups"].items()) if k.startswith(prefix)]

    def put_resource_group(self, sub: str, name: str, location: str, tags: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
        key = f"{sub}/{name}".lower()
        with self.lock:
            existing = self.data["resourceGroups"].get(key)
            body = {"id": f"/subscriptions/{sub}/resourceGroups/{existing['name'] if existing else name}",
                    "name": existing["name"] if existing else name, "type": "Microsoft.Resources/resourceGroups",
                    "location": location.replace(" ", "").lower(), "tags": tags or {},
                    "properties": {"provisioningState": "Succeeded"}}
            self.data["resourceGroups"][key] = body
            return copy.deepcopy(body), existing is None

    # -- resources ---------------------------------------------------------------------------
    def resource(self, rid: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.data["resources"].get(rid.rstrip("/").lower())
            if found is not None:
                return copy.deepcopy(found)
            try:
                parsed = parse_resource_id(rid)
            except ResourceIdError:
                return None
            if parsed.resource_type.lower() == "microsoft.resources/resourcegroups":
                return self.resource_group(parsed.subscription_id, parsed.name)
            if parsed.parent_id is None:
                return None
            parent = self.data["resources"].get(parsed.parent_id.lower())
            child_list = (parent or {}).get("properties", {}).get(parsed.types[-1], [])
            for child in child_list if isinstance(child_list, list) else []:
                if str(child.get("name", "")).lower() == parsed.name.lower():
                    return copy.deepcopy(child)
            return None

    def _make_node_group(self, cluster: dict[str, Any]) -> None:
        """AKS's own node resource group, scale sets and kubelet identity (caller holds the lock)."""
        group, location, tags, made = node_resource_group.made_by_aks(cluster)
        sub = parse_resource_id(cluster["id"]).subscription_id
        if self.resource_group(sub, group) is None:
            self.put_resource_group(sub, group, location, tags)
        for resource in made:
            self.data["resources"].setdefault(resource["id"].lower(), copy.deepcopy(resource))

    def resources_in_group(self, sub: str, rg: str) -> list[dict[str, Any]]:
        prefix = f"/subscriptions/{sub}/resourcegroups/{rg}/".lower()
        with self.lock:
            return [copy.deepcopy(v) for k, v in sorted(self.data["resources"].items())
                    if k.startswith(prefix) and len(parse_resource_id(v["id"]).types) == 1]

    def declared(self, rid: str) -> dict[str, Any] | None:
        """What the last deployment's template said about a resource (without what Azure
        added at creation): the ``before`` what-if compares a new template with."""
        with self.lock:
            found = self.data["declared"].get(rid.rstrip("/").lower())
            return copy.deepcopy(found) if found is not None else None

    def apply_resource(self, state: dict[str, Any], declared: dict[str, Any] | None = None) -> None:
        """Create or update a resource as its deployment operation finishes (idempotent).
        A PUT replaces the resource: what the template no longer declares is gone."""
        rtype = state["type"].lower()
        with self.lock:
            if declared is not None:
                self.data["declared"][state["id"].lower()] = copy.deepcopy(declared)
            if rtype == "microsoft.resources/resourcegroups":
                sub = parse_resource_id(state["id"]).subscription_id
                self.put_resource_group(sub, state["name"], str(state.get("location", "")), state.get("tags"))
                return
            self.data["resources"][state["id"].lower()] = copy.deepcopy(state)
            written = [self.data["resources"][state["id"].lower()]]
            if rtype == "microsoft.containerservice/managedclusters" and \
                    (state.get("properties") or {}).get("nodeResourceGroup"):
                self._make_node_group(state)
            if rtype == network_rules.PEERING:  # both sides' state changes once the second exists
                written = network_rules.settle_peerings(self.data["resources"], state) or written
            for child in written:
                parsed = parse_resource_id(child["id"])
                parent_id = parsed.parent_id
                if parent_id and parent_id.lower() in self.data["resources"]:
                    self._reflect_child(self.data["resources"][parent_id.lower()], parsed.types[-1], child)

    @staticmethod
    def _reflect_child(parent: dict[str, Any], child_key: str, state: dict[str, Any]) -> None:
        """A subnet deployed on its own also shows up in its VNet's ``properties.subnets``."""
        children = parent.setdefault("properties", {}).setdefault(child_key, [])
        entry = {"id": state["id"], "name": state["name"], "type": state["type"],
                 "properties": copy.deepcopy(state.get("properties", {}))}
        for i, child in enumerate(children):
            if str(child.get("name", "")).lower() == state["name"].lower():
                children[i] = entry
                return
        children.append(entry)

    # -- providers ---------------------------------------------------------------------------
    def provider_override(self, sub: str, namespace: str) -> dict[str, Any] | None:
        with self.lock:
            return copy.deepcopy(self.data["providers"].get(f"{sub}/{namespace}".lower()))

    def set_provider(self, sub: str, namespace: str, record: dict[str, Any]) -> None:
        with self.lock:
            self.data["providers"][f"{sub}/{namespace}".lower()] = record

    # -- deployments -------------------------------------------------------------------------
    def deployment(self, deployment_id: str) -> dict[str, Any] | None:
        with self.lock:
            return self.data["deployments"].get(deployment_id.lower())

    def put_deployment(self, record: dict[str, Any]) -> None:
        with self.lock:
            self.data["deployments"][record["id"].lower()] = record

    def deployments_under(self, scope_prefix: str) -> list[dict[str, Any]]:
        prefix = scope_prefix.lower()
        with self.lock:
            return [d for k, d in self.data["deployments"].items() if k.startswith(prefix)]

    def advance(self, now: float | None = None) -> bool:
        """Apply every finished resource of every unfinished deployment; True if anything changed."""
        now = time.time() if now is None else now
        changed = self._finish_deletions(now)
        with self.lock:
            changed = image_builder.settle(self.data["resources"], self.data.setdefault("builds", {}), now) or changed
            for record in list(self.data["deployments"].values()):
                if record.get("finished"):
                    continue
                elapsed = (now - record["startWall"]) * record["pace"]
                applied = set(record.setdefault("applied", []))
                for entry, state in sched.resource_states(record["schedule"], elapsed):
                    if state == "Succeeded" and entry["id"].lower() not in applied:
                        if entry["type"].lower() != DEPLOYMENT_TYPE:  # deployment_views shows those
                            self.apply_resource(entry["state"], entry.get("declared"))
                        record["applied"].append(entry["id"].lower())
                        changed = True
                overall, finish = sched.deployment_state(record["schedule"], elapsed)
                if overall == "Succeeded" and record.get("completeGroup"):
                    self._delete_undeclared(record)
                if overall != "Running":
                    record["finished"] = True
                    record["finalState"] = overall
                    record["finishAzureSeconds"] = finish
                    changed = True
            changed = gitops.settle(self.data["resources"], self.data.setdefault("gitops", {}), now) or changed
        return changed

    def all_deployments(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.data["deployments"].values())

    # -- deletion ----------------------------------------------------------------------------
    def _delete_undeclared(self, record: dict[str, Any]) -> None:
        declared = {e["id"].lower() for e in record["schedule"]}
        prefix = str(record["completeGroup"]).lower() + "/"
        for key in [k for k in self.data["resources"] if k.startswith(prefix)]:
            top = "/".join(key.split("/")[:9])  # /subscriptions/s/resourcegroups/g/providers/ns/type/name
            if top not in declared and key in self.data["resources"]:
                self.delete_resource(self.data["resources"][key]["id"])

    def delete_resource(self, rid: str) -> bool:
        """Remove a resource and its children (and its entry in a parent's list)."""
        key = rid.rstrip("/").lower()
        with self.lock:
            gone = [k for k in self.data["resources"] if k == key or k.startswith(key + "/")]
            for k in gone:
                del self.data["resources"][k]
                self.data["declared"].pop(k, None)
            parsed = parse_resource_id(rid)
            parent = self.data["resources"].get((parsed.parent_id or "").lower())
            if parent is not None:
                children = parent.get("properties", {}).get(parsed.types[-1])
                if isinstance(children, list):
                    children[:] = [c for c in children if str(c.get("name", "")).lower() != parsed.name.lower()]
            for peering in network_rules.disconnect_orphans(self.data["resources"]):
                peering_id = parse_resource_id(peering["id"])
                owner = self.data["resources"].get((peering_id.parent_id or "").lower())
                if owner is not None:
                    self._reflect_child(owner, peering_id.types[-1], peering)
            return bool(gone)

    def start_group_delete(self, sub: str, name: str, token: str, due: float) -> None:
        """ARM deletes a group asynchronously: it reads Deleting until everything in it is gone."""
        with self.lock:
            group = self.data["resourceGroups"][f"{sub}/{name}".lower()]
            group["properties"]["provisioningState"] = "Deleting"
            self.put_operation(token, {"kind": "deleteGroup", "group": f"{sub}/{name}".lower(),
                                       "groupId": group["id"], "due": due})

    def put_operation(self, token: str, record: dict[str, Any], keep: int = 200) -> None:
        """Async operations answered at their Location URL; the oldest finished ones are
        dropped so a long rehearsal does not grow the model without bound."""
        with self.lock:
            ops = self.data["operations"]
            ops[token] = record
            finished = [k for k, v in ops.items() if k != token and (v.get("done") or v.get("kind") == "whatIf")]
            for k in finished[:max(len(ops) - keep, 0)]:
                del ops[k]

    def operation(self, token: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.data["operations"].get(token)
            return copy.deepcopy(found) if found is not None else None

    def _finish_deletions(self, now: float) -> bool:
        changed = False
        with self.lock:
            for op in self.data["operations"].values():
                if op.get("kind") != "deleteGroup" or op.get("done") or now < op["due"]:
                    continue
                prefix = op["groupId"].lower() + "/"
                for k in [k for k in self.data["resources"] if k.startswith(prefix)]:
                    del self.data["resources"][k]
                    self.data["declared"].pop(k, None)
                for k in [k for k in self.data["deployments"] if k.startswith(prefix)]:
                    del self.data["deployments"][k]
                self.data["resourceGroups"].pop(op["group"], None)
                op["done"] = True
                changed = True
        return changed
