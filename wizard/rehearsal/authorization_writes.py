"""What Microsoft.Authorization refuses when a deployment writes a policy assignment or a role
assignment. These are the provider's own validations, so they fail the resource's operation
during the deployment (after preflight passed), as they do in Azure.

Policy assignments:

- the definition or initiative must exist (``PolicyDefinitionNotFound`` /
  ``PolicySetDefinitionNotFound``); one the same deployment writes earlier counts;
- assigning a ``deployIfNotExists`` or ``modify`` policy needs a managed identity:
  ``ResourceIdentityRequired`` "... Policy assignments must include a resource identity when
  assigning 'Modify' policy definitions." (the wording quoted in Azure/azure-cli#13150);
- a parameter without a default needs a value: ``MissingPolicyParameter``.

Role assignments (the errors ARM's users meet, quoted in the AKS baselines' issue trackers and
https://aka.ms/docs-principaltype):

- the name must be a GUID (``InvalidRoleAssignmentId``); the role must exist
  (``RoleDefinitionDoesNotExist``);
- the principal must exist in the tenant (``PrincipalNotFound``). An identity this same
  deployment creates has not replicated to Entra ID yet, so without ``principalType`` the
  assignment fails exactly as it often does live; with it, ARM skips the lookup;
- an existing assignment's principal, role and scope cannot change
  (``RoleAssignmentUpdateNotPermitted``), and one role for one principal at one scope exists
  once (``RoleAssignmentExists``): why the wizard names assignments deterministically;
- a custom role may be assigned once a deployment has written it.

Custom role definitions: the name is unique in the directory, across subscriptions
(``RoleDefinitionWithSameNameExists`` "A role definition cannot be updated with a name that
already exists.", as Azure/ARO-RP#1346 quotes it; danielsollondon/azvmimagebuilder#25 is Image
Builder's own quick starts meeting it)."""

from __future__ import annotations

import re
from typing import Any, Mapping

from wizard.rehearsal.role_catalog import BUILT_IN_ROLES

POLICY_ASSIGNMENT = "microsoft.authorization/policyassignments"
POLICY_SET = "microsoft.authorization/policysetdefinitions"
ROLE_ASSIGNMENT = "microsoft.authorization/roleassignments"
ROLE_DEFINITION = "microsoft.authorization/roledefinitions"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_NEEDS_IDENTITY = {"deployifnotexists": "DeployIfNotExists", "modify": "Modify"}
PRINCIPAL_TYPE_HINT = ("If you are creating this principal and then immediately assigning a role, this error might "
                       "be related to a replication delay. In this case, set the role assignment principalType "
                       "property to a value, such as ServicePrincipal, User, or Group. See "
                       "https://aka.ms/docs-principaltype")


def _props(body: Mapping[str, Any]) -> Mapping[str, Any]:
    props = body.get("properties")
    return props if isinstance(props, Mapping) else {}


class Writes:
    """The subscription as a deployment's writes see it: the model, plus what the same
    deployment writes before (``planned``: resource id, lower case -> state)."""

    def __init__(self, model: Any, scenario: Any, planned: Mapping[str, Mapping[str, Any]]) -> None:
        self.model = model
        self.scenario = scenario
        self.planned = planned

    def find(self, rid: str) -> Mapping[str, Any] | None:
        return self.planned.get(rid.lower()) or self.model.resource(rid)

    # -- policy assignments ------------------------------------------------------------
    def _definitions(self, target: str) -> list[Mapping[str, Any]] | None:
        """The definitions an assignment applies (None: the target does not exist). Built-in
        definitions are taken as existing and judged no further."""
        if target.lower().startswith("/providers/microsoft.authorization/"):
            return []
        found = self.find(target)
        if found is None:
            return None
        if str(found.get("type", "")).lower() != POLICY_SET:
            return [found]
        members = [self.find(str(m.get("policyDefinitionId", ""))) for m in _props(found).get("policyDefinitions") or []]
        return [m for m in members if m is not None]

    def policy_assignment_error(self, name: str, body: Mapping[str, Any]) -> dict[str, Any] | None:
        target = str(_props(body).get("policyDefinitionId", ""))
        definitions = self._definitions(target)
        if definitions is None:
            kind = "policy set definition" if "/policysetdefinitions/" in target.lower() else "policy definition"
            code = "PolicySetDefinitionNotFound" if kind == "policy set definition" else "PolicyDefinitionNotFound"
            return {"code": code, "message": f"The {kind} '{target.rsplit('/', 1)[-1]}' could not be found."}
        identity = str((body.get("identity") or {}).get("type", "None"))
        for definition in definitions:
            effect = str((_props(definition).get("policyRule") or {}).get("then", {}).get("effect", "")).lower()
            if effect in _NEEDS_IDENTITY and identity.lower() in ("", "none"):
                return {"code": "ResourceIdentityRequired",
                        "message": f"The policy assignment '{name}' request is invalid. Policy assignments must "
                                   f"include a resource identity when assigning '{_NEEDS_IDENTITY[effect]}' policy "
                                   "definitions."}
        if len(definitions) == 1 and str(definitions[0].get("type", "")).lower() != POLICY_SET:
            given = _props(body).get("parameters") or {}
            for param, spec in (_props(definitions[0]).get("parameters") or {}).items():
                if isinstance(spec, Mapping) and "defaultValue" not in spec and param not in given:
                    return {"code": "MissingPolicyParameter",
                            "message": f"The policy assignment '{name}' has no value for the parameter '{param}' "
                                       f"of policy definition '{definitions[0].get('name')}'."}
        return None

    # -- role assignments --------------------------------------------------------------
    def _known_principals(self) -> set[str]:
        known = {str(self.scenario.user["oid"]).lower()}
        directory = self.model.data.get("directory") or {}
        for kind in ("users", "groups"):
            known.update(directory.get(kind, {}).keys())
        known.update(str(entry.get("principalId", "")).lower() for entry in self.scenario.role_assignments)
        with self.model.lock:
            resources = list(self.model.data["resources"].values())
        for res in resources:
            principal = (res.get("identity") or {}).get("principalId") or _props(res).get("principalId")
            if principal and str(res.get("type", "")).lower() != ROLE_ASSIGNMENT:
                known.add(str(principal).lower())
        return known

    def role_assignment_error(self, rid: str, name: str, body: Mapping[str, Any]) -> dict[str, Any] | None:
        props = _props(body)
        if not _GUID.match(name):
            return {"code": "InvalidRoleAssignmentId",
                    "message": f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."}
        role = str(props.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower()
        if role not in BUILT_IN_ROLES and self.find(str(props.get("roleDefinitionId", ""))) is None:
            return {"code": "RoleDefinitionDoesNotExist",
                    "message": f"The specified role definition with ID '{role}' does not exist."}
        principal = str(props.get("principalId", "")).lower()
        if principal not in self._known_principals() and not props.get("principalType"):
            return {"code": "PrincipalNotFound",
                    "message": f"Principal {principal.replace('-', '')} does not exist in the directory "
                               f"{self.scenario.tenant_id}. Check that you have the correct principal ID. "
                               + PRINCIPAL_TYPE_HINT}
        scope = rid.lower().split("/providers/microsoft.authorization/roleassignments/")[0]
        existing = self.model.resource(rid)
        if existing is not None:
            before = _props(existing)
            if (str(before.get("principalId", "")).lower(), str(before.get("roleDefinitionId", "")).lower()) != \
                    (principal, str(props.get("roleDefinitionId", "")).lower()):
                return {"code": "RoleAssignmentUpdateNotPermitted",
                        "message": "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."}
            return None
        with self.model.lock:
            others = [(k, v) for k, v in self.model.data["resources"].items()
                      if str(v.get("type", "")).lower() == ROLE_ASSIGNMENT]
        for key, other in others:
            same_scope = key.split("/providers/microsoft.authorization/roleassignments/")[0] == scope
            o = _props(other)
            if same_scope and str(o.get("principalId", "")).lower() == principal and \
                    str(o.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower() == role:
                return {"code": "RoleAssignmentExists", "message": "The role assignment already exists."}
        return None


    # -- custom role definitions -------------------------------------------------------
    def role_definition_error(self, rid: str, name: str, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """A role's name is unique in the tenant, built-in roles included
        (``RoleDefinitionWithSameNameExists``); its id must be a GUID."""
        if not _GUID.match(name):
            return {"code": "RoleDefinitionIdMustBeGuid", "message": f"The role definition ID '{name}' is not valid. "
                                                                      "The role definition ID must be a GUID."}
        wanted = str(_props(body).get("roleName", "")).lower()
        taken = {str(r["roleName"]).lower() for r in BUILT_IN_ROLES.values()}
        with self.model.lock:
            taken |= {str(_props(v).get("roleName", "")).lower() for k, v in self.model.data["resources"].items()
                      if str(v.get("type", "")).lower() == ROLE_DEFINITION and k != rid.lower()}
        if wanted in taken:
            return {"code": "RoleDefinitionWithSameNameExists",
                    "message": "A role definition cannot be updated with a name that already exists."}
        return None


def write_error(writes: Writes, rid: str, rtype: str, name: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
    """Microsoft.Authorization's refusal of one write, or None."""
    kind = rtype.lower()
    if kind == ROLE_DEFINITION:
        return writes.role_definition_error(rid, name.rsplit("/", 1)[-1], state)
    if kind == POLICY_ASSIGNMENT:
        return writes.policy_assignment_error(name.rsplit("/", 1)[-1], state)
    if kind == ROLE_ASSIGNMENT:
        return writes.role_assignment_error(rid, name.rsplit("/", 1)[-1], state)
    return None
