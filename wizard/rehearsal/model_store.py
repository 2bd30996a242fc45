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
from wizard.rehearsal.resource_ids import ResourceIdError, parse_resource_id

MODEL_FILE = "rehearsal-model.json"


class SubscriptionModel:
    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / MODEL_FILE
        self.lock = threading.RLock()
        self.data: dict[str, Any] = {"resourceGroups": {}, "resources": {}, "deployments": {}, "providers": {}}
        if self.path.exists():
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            self.data.update(loaded)

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

    def resources_in_group(self, sub: str, rg: str) -> list[dict[str, Any]]:
        prefix = f"/subscriptions/{sub}/resourcegroups/{rg}/".lower()
        with self.lock:
            return [copy.deepcopy(v) for k, v in sorted(self.data["resources"].items())
                    if k.startswith(prefix) and len(parse_resource_id(v["id"]).types) == 1]

    def apply_resource(self, state: dict[str, Any]) -> None:
        """Create or update a resource as its deployment operation finishes (idempotent)."""
        rtype = state["type"].lower()
        with self.lock:
            if rtype == "microsoft.resources/resourcegroups":
                sub = parse_resource_id(state["id"]).subscription_id
                self.put_resource_group(sub, state["name"], str(state.get("location", "")), state.get("tags"))
                return
            self.data["resources"][state["id"].lower()] = copy.deepcopy(state)
            parsed = parse_resource_id(state["id"])
            parent_id = parsed.parent_id
            if parent_id and parent_id.lower() in self.data["resources"]:
                self._reflect_child(self.data["resources"][parent_id.lower()], parsed.types[-1], state)

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
        changed = False
        with self.lock:
            for record in list(self.data["deployments"].values()):
                if record.get("finished"):
                    continue
                elapsed = (now - record["startWall"]) * record["pace"]
                applied = set(record.setdefault("applied", []))
                for entry, state in sched.resource_states(record["schedule"], elapsed):
                    if state == "Succeeded" and entry["id"].lower() not in applied:
                        self.apply_resource(entry["state"])
                        if entry["type"].lower() == "microsoft.resources/deployments":
                            self._record_nested(record, entry)
                        record["applied"].append(entry["id"].lower())
                        changed = True
                overall, finish = sched.deployment_state(record["schedule"], elapsed)
                if overall != "Running":
                    record["finished"] = True
                    record["finalState"] = overall
                    record["finishAzureSeconds"] = finish
                    changed = True
        return changed

    def _record_nested(self, parent: dict[str, Any], entry: dict[str, Any]) -> None:
        """A nested deployment is itself a deployment you can GET afterwards, as in ARM."""
        nested = {
            "id": entry["id"], "name": entry["state"]["name"], "startWall": parent["startWall"],
            "pace": parent["pace"], "schedule": [], "applied": [], "finished": True, "finalState": "Succeeded",
            "finishAzureSeconds": entry["end"], "startAzureSeconds": entry["start"],
            "outputs": entry["state"].get("properties", {}).get("outputs", {}), "parameters": {},
            "mode": "Incremental", "correlationId": parent.get("correlationId"), "templateHash": "",
            "location": None, "nested": True,
        }
        self.data["deployments"][entry["id"].lower()] = nested
