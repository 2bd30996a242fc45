"""Carrying out a step's Microsoft Entra ID objects through Microsoft Graph: preview by reading
the directory, then - once approved - create (or adopt) each object, in order.

Graph has no what-if and no deployments, so what ARM gives the ARM steps is built here:

- **Nothing before approval.** The preview only reads (GET); the plan it shows is hashed and
  the approval is bound to that hash, so changed decisions need a new preview.
- **Idempotent.** Before each create the intent is audited and saved (``directory.creating``),
  then the object is looked up by its unique handle (mailNickname, UPN). A retry or a resume
  that finds an object it meant to create adopts it as its own instead of creating a second
  one; Graph would happily create a duplicate security group (it does not enforce unique
  mailNicknames for them). An object found *without* that intent is someone else's: refused.
- **Recorded for cleanup.** Each object is in the step's state and the audit log with its
  object id and whether this session created it; cleanup removes only those.
- **Secrets.** A user's temporary password is generated here, stored in the 0600 secret store
  before the request that uses it, and only its fingerprint is audited."""

from __future__ import annotations

import hashlib
import json
import secrets
import string
from typing import TYPE_CHECKING, Any, Callable

from wizard.azure.errors import AzureFailure
from wizard.azure.graph import GraphError
from wizard.engine.arm import AzureCallFailed
from wizard.engine.contract import (SIGNED_IN_USER, DirectoryObject, DirectoryObjects, EntraGroup, EntraMembership,
                                    EntraUser, PlannedChange, Preview, PropertyDelta, StepContext)
from wizard.engine.events import ActionProgress, Notice
from wizard.session.secrets import fingerprint
from wizard.session.state import StepStatus

if TYPE_CHECKING:  # pragma: no cover
    from wizard.engine.runner import StepRunner

GRAPH_OBJECT = "https://graph.microsoft.com/v1.0/directoryObjects/"
NOTES = ("Microsoft Graph has no what-if: this preview reads the directory to say what will be created or adopted. "
         "Nothing is written before you approve.",)
PASSWORD_LENGTH = 20
ALREADY_MEMBER = "One or more added object references already exist"


class PlanChanged(Exception):
    """The decisions changed since the approved preview."""


def _failure(exc: GraphError, resource: str, remedy: str = "") -> AzureCallFailed:
    return AzureCallFailed(AzureFailure(exc.code, exc.message, resource, remedy, status=exc.status,
                                        correlation_id=exc.request_id))


def _quoted(value: str) -> str:
    return value.replace("'", "''")


def temporary_password() -> str:
    """20 characters from all four classes Entra counts (three are required); the user must
    change it at first sign-in."""
    alphabet = string.ascii_letters + string.digits + "!#%+-.:=?@_~"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(PASSWORD_LENGTH))
        if (any(c.islower() for c in candidate) and any(c.isupper() for c in candidate)
                and any(c.isdigit() for c in candidate) and any(not c.isalnum() for c in candidate)):
            return candidate


class DirectoryStep:
    """One step's directory objects, driven by its runner (session, state, sink, Azure)."""

    def __init__(self, runner: "StepRunner", action: DirectoryObjects) -> None:
        self.runner = runner
        self.action = action

    @property
    def records(self) -> dict[str, dict[str, Any]]:
        return self.runner.state.directory

    def _graph(self) -> Any:
        azure = self.runner.azure
        assert azure is not None, "a directory step needs an Azure session"
        return azure.graph()

    def wanted(self, ctx: StepContext) -> list[DirectoryObject]:
        return [o for o in self.action.objects if o.wanted(ctx)]

    # -- the plan ------------------------------------------------------------------------
    def plan(self, ctx: StepContext) -> list[dict[str, Any]]:
        """What the step will ask Graph for, without secrets: the preview's hash is of this."""
        out: list[dict[str, Any]] = []
        for obj in self.wanted(ctx):
            if isinstance(obj, EntraGroup):
                adopt = obj.adopt_id(ctx)
                out.append({"key": obj.key, "kind": "group", "adopt": adopt} if adopt else
                           {"key": obj.key, "kind": "group", "displayName": obj.display_name(ctx),
                            "mailNickname": obj.mail_nickname(ctx), "description": obj.description(ctx)})
            elif isinstance(obj, EntraUser):
                out.append({"key": obj.key, "kind": "user", "userPrincipalName": obj.user_principal_name(ctx),
                            "displayName": obj.display_name(ctx), "mailNickname": obj.mail_nickname(ctx)})
            else:
                out.append({"key": obj.key, "kind": "member", "group": obj.group, "member": obj.member})
        return out

    def plan_sha256(self, ctx: StepContext) -> str:
        text = json.dumps(self.plan(ctx), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    # -- preview ---------------------------------------------------------------------------
    def preview(self, ctx: StepContext) -> Preview:
        graph = self._graph()
        changes = [self._preview_one(graph, obj, ctx) for obj in self.wanted(ctx)]
        return Preview(tuple(changes), template_sha256=self.plan_sha256(ctx), notes=NOTES)

    def _preview_one(self, graph: Any, obj: DirectoryObject, ctx: StepContext) -> PlannedChange:
        done = self.records.get(obj.key, {})
        rid = f"entra/{obj.key}"
        if isinstance(obj, EntraGroup):
            adopt = obj.adopt_id(ctx)
            if adopt:
                group = self._get(graph, f"groups/{adopt}", obj.key)
                return PlannedChange("Adopt", rid, "Microsoft.Graph/groups", str(group.get("displayName")),
                                     reason=f"existing group {adopt}: used as it is, never changed or deleted")
            name, nickname = obj.display_name(ctx), obj.mail_nickname(ctx)
            kept = self._already_made(graph, obj.key, "group", "groups", "mailNickname", nickname, name)
            if kept is not None:
                return kept
            return PlannedChange("Create", rid, "Microsoft.Graph/groups", name, deltas=(
                PropertyDelta("displayName", "Create", after=name), PropertyDelta("mailNickname", "Create", after=nickname),
                PropertyDelta("securityEnabled", "Create", after=True),
                PropertyDelta("mailEnabled", "Create", after=False),
                PropertyDelta("owners", "Create", after="you (the signed-in user)")))
        if isinstance(obj, EntraUser):
            upn = obj.user_principal_name(ctx)
            kept = self._already_made(graph, obj.key, "user", "users", "userPrincipalName", upn, upn)
            if kept is not None:
                return kept
            return PlannedChange("Create", rid, "Microsoft.Graph/users", upn, deltas=(
                PropertyDelta("displayName", "Create", after=obj.display_name(ctx)),
                PropertyDelta("accountEnabled", "Create", after=True),
                PropertyDelta("passwordProfile.forceChangePasswordNextSignIn", "Create", after=True),
                PropertyDelta("passwordProfile.password", "Create",
                              after="generated when the step runs; kept in the session's secret store")))
        label = f"{self._name_of(obj.member, ctx)} → {self._name_of(obj.group, ctx)}"
        if done.get("status") == "done":
            return PlannedChange("NoChange", rid, "Microsoft.Graph/groups/members", label,
                                 reason="added earlier by this session")
        return PlannedChange("Create", rid, "Microsoft.Graph/groups/members", label)

    def _already_made(self, graph: Any, key: str, kind: str, collection: str, handle: str, value: str,
                      name: str) -> PlannedChange | None:
        """NoChange for an object this session made (recorded, or found after an interrupted
        create whose intent was recorded); None when it is still to be made. An object with
        that handle that is not the session's is refused: adopt it instead."""
        done = self.records.get(key, {})
        rtype = f"Microsoft.Graph/{collection}"
        if done.get("status") == "done" and done.get(handle) == value:
            return PlannedChange("NoChange", f"entra/{key}", rtype, name,
                                 reason=f"created earlier by this session ({done['id']})")
        found = self._find(graph, collection, handle, value, key)
        if found and done.get("status") == "creating":
            return PlannedChange("NoChange", f"entra/{key}", rtype, name,
                                 reason="created by an interrupted attempt of this session; it will be kept")
        if found:
            raise self._taken(kind, f"{handle} {value}", found[0], key)
        return None

    def _taken(self, kind: str, handle: str, found: dict[str, Any], key: str) -> AzureCallFailed:
        return AzureCallFailed(AzureFailure(
            "DirectoryObjectExists", f"A {kind} with {handle} already exists (object id {found.get('id')}) and was "
            "not created by this session.", f"entra/{key}",
            "Adopt it instead: in the TUI press 2 and give its object id in the adopt field; headless, put the id in "
            "the answers. Or choose another name."))

    def _get(self, graph: Any, path: str, key: str) -> dict[str, Any]:
        try:
            return dict(graph.get(path))
        except GraphError as exc:
            raise _failure(exc, f"entra/{key}", "Check the object id in the decisions (press 2).") from None

    def _find(self, graph: Any, collection: str, prop: str, value: str, key: str) -> list[dict[str, Any]]:
        try:
            body = graph.get(f"{collection}?$filter={prop} eq '{_quoted(value)}'")
        except GraphError as exc:
            raise _failure(exc, f"entra/{key}") from None
        return list(body.get("value", []))

    # -- deploy ----------------------------------------------------------------------------
    def deploy(self, ctx: StepContext) -> dict[str, Any]:
        runner = self.runner
        approved = (runner.state.preview or {}).get("template_sha256")
        if approved and approved != self.plan_sha256(ctx):
            raise AzureCallFailed(AzureFailure(
                "PreviewOutdated", "The decisions changed since the preview you approved.", "",
                "Preview again (p) and approve what it shows."))
        runner.state.status = StepStatus.RUNNING
        runner.session.save()
        graph = self._graph()
        me = str(graph.me()["id"])
        wanted = self.wanted(ctx)
        ids: dict[str, str] = {SIGNED_IN_USER: me}
        for index, obj in enumerate(wanted):
            runner.sink(ActionProgress(runner.step.id, self._describe(obj, ctx), index / max(len(wanted), 1)))
            ids[obj.key] = self._carry_out(graph, obj, ctx, me, ids)
        runner.sink(ActionProgress(runner.step.id, "Directory objects ready.", 1.0))
        outputs = self.action.outputs(ids, ctx)
        runner.session.record("action.completed", runner.step.id, {"outputs": outputs})
        return outputs

    def _describe(self, obj: DirectoryObject, ctx: StepContext) -> str:
        if isinstance(obj, EntraGroup):
            adopt = obj.adopt_id(ctx)
            return f"Adopting group {adopt}…" if adopt else f"Creating group {obj.display_name(ctx)}…"
        if isinstance(obj, EntraUser):
            return f"Creating user {obj.user_principal_name(ctx)}…"
        return f"Adding {self._name_of(obj.member, ctx)} to {self._name_of(obj.group, ctx)}…"

    def _name_of(self, key: str, ctx: StepContext) -> str:
        """How an object of this action reads in a sentence: its name, or an adopted group's id."""
        obj = next((o for o in self.action.objects if o.key == key), None)
        if isinstance(obj, EntraGroup):
            return obj.adopt_id(ctx) or obj.display_name(ctx)
        if isinstance(obj, EntraUser):
            return obj.user_principal_name(ctx)
        return "you (the signed-in user)" if key == SIGNED_IN_USER else key

    def _carry_out(self, graph: Any, obj: DirectoryObject, ctx: StepContext, me: str, ids: dict[str, str]) -> str:
        if isinstance(obj, EntraGroup):
            return self._group(graph, obj, ctx, me)
        if isinstance(obj, EntraUser):
            return self._user(graph, obj, ctx)
        return self._membership(graph, obj, ids)

    def _note(self, key: str, record: dict[str, Any], kind: str) -> None:
        """Save the record in state and audit it (audit first, as every session write)."""
        self.records[key] = record
        self.runner.session.record(kind, self.runner.step.id, {"key": key, **record})

    def _group(self, graph: Any, obj: EntraGroup, ctx: StepContext, me: str) -> str:
        adopt = obj.adopt_id(ctx)
        if adopt:
            group = self._get(graph, f"groups/{adopt}", obj.key)
            self._note(obj.key, {"kind": "group", "id": str(group["id"]), "displayName": group.get("displayName"),
                                 "created_by_session": False, "status": "done"}, "directory.adopted")
            return str(group["id"])
        nickname = obj.mail_nickname(ctx)
        return self._create(obj.key, "group", "mailNickname", nickname, lambda: graph.post("groups", {
            "displayName": obj.display_name(ctx), "mailNickname": nickname, "description": obj.description(ctx),
            "mailEnabled": False, "securityEnabled": True, "owners@odata.bind": [GRAPH_OBJECT + me]}),
            lambda: self._find(graph, "groups", "mailNickname", nickname, obj.key),
            {"displayName": obj.display_name(ctx), "mailNickname": nickname, "owners": [me]},
            "You may not create security groups in this tenant. Ask a Groups Administrator to create it, then adopt "
            "it by object id (press 2); the checks say which rights are missing.")

    def _user(self, graph: Any, obj: EntraUser, ctx: StepContext) -> str:
        upn = obj.user_principal_name(ctx)
        store = self.runner.session.secrets
        password = store.get(obj.password_secret) or temporary_password()
        store.put(obj.password_secret, password)  # before the request: a crash after it must not lose it
        made = self._create(obj.key, "user", "userPrincipalName", upn, lambda: graph.post("users", {
            "accountEnabled": True, "displayName": obj.display_name(ctx), "mailNickname": obj.mail_nickname(ctx),
            "userPrincipalName": upn,
            "passwordProfile": {"password": password, "forceChangePasswordNextSignIn": True}}),
            lambda: self._find(graph, "users", "userPrincipalName", upn, obj.key),
            {"userPrincipalName": upn, "displayName": obj.display_name(ctx),
             "stored_as": obj.password_secret, "password_fingerprint": fingerprint(password)},
            "Creating users needs the User Administrator role. Ask an administrator, or skip the break-glass user "
            "in the decisions (press 2).")
        session = self.runner.session
        self.runner.sink(Notice(self.runner.step.id, f"{upn}: its temporary password is in the session's secret store "
                                f"(not shown). To see it: aks-wizard secret show {session.id} {obj.password_secret} "
                                "- or press w on this step in the TUI."))
        return made

    def _create(self, key: str, kind: str, handle: str, value: str, post: Callable[[], Any],
                find: Callable[[], list[dict[str, Any]]], facts: dict[str, Any], denied_remedy: str) -> str:
        done = self.records.get(key, {})
        if done.get("status") == "done" and done.get(handle) == value:
            return str(done["id"])
        found = find()
        if found and done.get("status") == "creating":  # made by an attempt that stopped before recording it
            self._note(key, {"kind": kind, "id": str(found[0]["id"]), **facts, "created_by_session": True,
                             "status": "done", "recovered": True}, "directory.created")
            return str(found[0]["id"])
        if found:
            raise self._taken(kind, f"{handle} {value}", found[0], key)
        self._note(key, {"kind": kind, **facts, "status": "creating"}, "directory.creating")
        try:
            made = post()
        except GraphError as exc:
            raise _failure(exc, f"entra/{key}", denied_remedy if exc.status == 403 else "") from None
        self._note(key, {"kind": kind, "id": str(made["id"]), **facts, "created_by_session": True, "status": "done"},
                   "directory.created")
        return str(made["id"])

    def _membership(self, graph: Any, obj: EntraMembership, ids: dict[str, str]) -> str:
        group, member = ids[obj.group], ids[obj.member]
        done = self.records.get(obj.key, {})
        if done.get("status") == "done" and done.get("group") == group and done.get("member") == member:
            return f"{group}/{member}"
        already = False
        try:
            graph.post(f"groups/{group}/members/$ref", {"@odata.id": GRAPH_OBJECT + member})
        except GraphError as exc:
            if not (exc.status == 400 and ALREADY_MEMBER in exc.message):
                raise _failure(exc, f"entra/{obj.key}") from None
            already = True  # a retry after the add went through: Graph says so with a 400
        ours = not already or bool(self.records.get(obj.member, {}).get("created_by_session"))
        self._note(obj.key, {"kind": "member", "group": group, "member": member, "created_by_session": ours,
                             "already_member": already, "status": "done"}, "directory.member-added")
        return f"{group}/{member}"
