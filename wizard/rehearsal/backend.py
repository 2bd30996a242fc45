"""RehearsalBackend: a local, HTTPS stand-in for Azure Resource Manager and Microsoft Graph.

The real SDK clients talk to it unchanged (only base_url and the CA bundle differ), which is
what makes a rehearsal honest: the wizard's code paths are the live ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wizard.rehearsal import (routes_authorization, routes_capacity, routes_deployments, routes_directory,
                              routes_gateway_health, routes_graph, routes_image_builder, routes_keyvault,
                              routes_providers, routes_registry, routes_resources, routes_run_command,
                              routes_subscription_resources, routes_subscriptions, source_registries)
from wizard.rehearsal import defender, vault_data
from wizard.rehearsal.credential import RehearsalCredential
from wizard.rehearsal.faults import Fault, FaultPlan
from wizard.rehearsal.http_server import HttpsServer
from wizard.rehearsal.journal import Journal
from wizard.rehearsal.model_store import SubscriptionModel
from wizard.rehearsal.router import Router
from wizard.rehearsal.scenario import Scenario, load_scenario
from wizard.rehearsal.tls import ensure_tls_files
from wizard.rehearsal.tokens import load_key
from wizard.rehearsal.world import World

JOURNAL_FILE = "rehearsal-journal.jsonl"


def build_router() -> Router:
    """Order matters: specific routes first, the generic resource route last."""
    router = Router()
    for module in (routes_graph, routes_directory, routes_subscription_resources, routes_subscriptions, routes_capacity, routes_authorization,
                   routes_deployments, routes_image_builder, routes_keyvault, routes_registry, routes_run_command,
                   routes_gateway_health,
                   source_registries, routes_providers, routes_resources):
        module.register(router)
    return router


class RehearsalBackend:
    def __init__(self, state_dir: Path, scenario: str | Path | dict[str, Any] | None = None,
                 pace: float = 60.0) -> None:
        if pace <= 0:
            raise ValueError("pace must be positive (Azure seconds per real second)")
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.scenario: Scenario = load_scenario(scenario)
        self.pace = float(pace)
        self.faults = FaultPlan()
        for spec in self.scenario.faults:
            self.faults.add(Fault.from_dict(dict(spec)))
        self.latency_s: float = 0.0
        self.journal = Journal(self.state_dir / JOURNAL_FILE)
        self._model = SubscriptionModel(self.state_dir)
        self._model.seed(self.scenario.default_subscription_id, list(self.scenario.raw.get("resourceGroups", [])))
        defender.seed(self._model, self.scenario, self.scenario.default_subscription_id)
        self._world = World(self.scenario, self._model, self.faults, self.pace)
        self._server: HttpsServer | None = None
        self._frontend: Any = None  # the App Gateway front end (app_gateway_frontend), once started
        self.ca_path: Path = self.state_dir / "rehearsal-ca.pem"
        self.signing_key: bytes = load_key(self.state_dir)
        self._world.signing_key = self.signing_key
        self._world.vault_key = vault_data.load_key(self.state_dir)

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("RehearsalBackend.start() has not been called")
        return f"https://127.0.0.1:{self._server.port}"

    @property
    def model(self) -> SubscriptionModel:
        return self._model

    def start(self) -> "RehearsalBackend":
        if self._server is not None:
            return self
        tls = ensure_tls_files(self.state_dir)
        self.ca_path = tls.ca_cert
        self._server = HttpsServer(self._world, build_router(), self.journal, tls, self)
        self._world.base_url = self.base_url
        self._server.start()
        from wizard.rehearsal.app_gateway_frontend import GatewayFrontend

        self._frontend = GatewayFrontend(self._world).start()
        return self

    @property
    def frontend_address(self) -> str:
        """host:port where the rehearsal's Application Gateways answer HTTPS (SNI picks one)."""
        return self._frontend.address if self._frontend is not None else ""

    def credential(self) -> RehearsalCredential:
        user, tenant = self.scenario.user, self.scenario.tenant
        return RehearsalCredential(oid=user["oid"], upn=user["userPrincipalName"], name=user["displayName"],
                                   tenant_id=tenant["id"], key=self.signing_key)

    def stop(self) -> None:
        if self._frontend is not None:
            self._frontend.stop()
            self._frontend = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        with self._model.lock:
            self._model.advance()
            self._model.save()

    def __enter__(self) -> "RehearsalBackend":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
