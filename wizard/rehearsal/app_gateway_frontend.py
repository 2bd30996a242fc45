"""The rehearsal's Application Gateway front end, served for real on 127.0.0.1.

Live, the workload step's last checks talk to the gateway's public IP on 443. In a
rehearsal they talk to this server instead, which does what the gateway does with the
deployed configuration: it picks the HTTPS listener whose host name matches the client's
SNI and presents that listener's certificate, read from the Key Vault secret the listener
names (sealed in the rehearsal: ``vault_data``); its WAF policy, when enabled in Prevention
mode, refuses a request matching a rule (``assets/rehearsal/waf-rules.json``) with the
gateway's own 403 page; otherwise the request goes to the backend pool through the cluster
model, and the app's page comes back, or a 502 when the backend does not answer. The PFX
is turned into PEM files only for the moment OpenSSL loads them, in a 0600 temporary
folder that is removed at once."""

from __future__ import annotations

import base64
import json
import os
import re
import ssl
import tempfile
import threading
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote_plus, urlsplit

from wizard.rehearsal import kube_traffic, vault_data
from wizard.rehearsal.routes_gateway_health import gateway_source, part_named, reach_backend
from wizard.rehearsal.world import World

RULES = Path(__file__).resolve().parents[2] / "assets" / "rehearsal" / "waf-rules.json"
GATEWAYS = "microsoft.network/applicationgateways"
VAULTS = "microsoft.keyvault/vaults"
SERVER = "Microsoft-Azure-Application-Gateway/v2"


@lru_cache(maxsize=1)
def waf() -> Mapping[str, Any]:
    return json.loads(RULES.read_text(encoding="utf-8"))


def _props(r: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (r or {}).get("properties") or {}


def _listener(world: World, host: str) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    """The gateway and HTTPS listener that answer for ``host`` (SNI)."""
    with world.model.lock:
        gateways = [r for r in world.model.data["resources"].values() if str(r.get("type", "")).lower() == GATEWAYS]
    for gateway in gateways:
        for listener in _props(gateway).get("httpListeners") or []:
            lp = _props(listener)
            if str(lp.get("protocol", "")).lower() == "https" and str(lp.get("hostName", "")).lower() == host.lower():
                return gateway, listener
    return None


def _pfx(world: World, gateway: Mapping[str, Any], listener: Mapping[str, Any]) -> bytes | None:
    """The listener certificate's PFX, from the vault secret its sslCertificate names."""
    cert = part_named(_props(gateway), "sslCertificates", _props(listener).get("sslCertificate"))
    uri = urlsplit(str(_props(cert).get("keyVaultSecretId", "")))
    vault_name, parts = (uri.hostname or "").split(".")[0], [p for p in uri.path.split("/") if p]
    if len(parts) < 2 or parts[0] != "secrets":
        return None
    with world.model.lock:
        vault = next((r for r in world.model.data["resources"].values() if str(r.get("type", "")).lower() == VAULTS
                      and str(r.get("name", "")).lower() == vault_name.lower()), None)
        if vault is None or world.model.resource(f"{vault['id']}/secrets/{parts[1]}") is None:
            return None
        value = vault_data.unseal(world.model.data, world.vault_key, f"{vault['id']}/secrets/{parts[1]}")
    return base64.b64decode(value) if value else None


def _context_for(pfx: bytes) -> ssl.SSLContext:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, pkcs12

    key, cert, chain = pkcs12.load_key_and_certificates(pfx, None)
    if key is None or cert is None:
        raise ValueError("the listener PFX holds no key and certificate")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # the gateway's predefined TLS policy: 1.2 and up
    with tempfile.TemporaryDirectory(prefix="agw-") as folder:
        os.chmod(folder, 0o700)
        path = Path(folder) / "listener.pem"
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
            handle.write(cert.public_bytes(Encoding.PEM))
            for extra in chain or []:
                handle.write(extra.public_bytes(Encoding.PEM))
        context.load_cert_chain(str(path))
    return context


def blocked(world: World, gateway: Mapping[str, Any], target: str) -> Mapping[str, Any] | None:
    """The WAF rule a request matches, when the gateway's policy is enabled in Prevention mode."""
    with world.model.lock:
        policy = world.model.resource(str((_props(gateway).get("firewallPolicy") or {}).get("id", "")))
    settings = _props(policy).get("policySettings") or {}
    if settings.get("state") != "Enabled" or settings.get("mode") != "Prevention":
        return None
    decoded = unquote_plus(target)
    return next((r for r in waf()["rules"] if re.search(r["pattern"], decoded, re.IGNORECASE)), None)


def _backend(world: World, gateway: Mapping[str, Any], listener: Mapping[str, Any]) -> kube_traffic.Reach:
    props = _props(gateway)
    rule = next((r for r in props.get("requestRoutingRules") or []
                 if part_named(props, "httpListeners", _props(r).get("httpListener")) is listener), None)
    if rule is None:
        return kube_traffic.Reach(False, "no routing rule for the listener")
    pool = part_named(props, "backendAddressPools", _props(rule).get("backendAddressPool"))
    settings = _props(part_named(props, "backendHttpSettingsCollection", _props(rule).get("backendHttpSettings")))
    with world.model.lock:
        source = gateway_source(world.model, props)
    said = "no backend address"
    for address in _props(pool).get("backendAddresses") or []:
        reach = reach_backend(world, source, str(address.get("ipAddress", "")), int(settings.get("port", 443)),
                              str(settings.get("hostName", "")))
        if reach is not None and reach.arrived:
            return reach
        said = reach.why if reach is not None else f"nothing listens at {address.get('ipAddress')}"
    return kube_traffic.Reach(False, said)


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return  # the rehearsal's journal is for ARM and Graph; the gateway's access log is not modelled

    def _send(self, status: int, body: str, content_type: str = "text/html") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Server", SERVER if status >= 400 else "Kestrel")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        world = self.server.world
        host = getattr(self.connection.context, "listener_host", "")
        found = _listener(world, host) if host else None
        if found is None or self.headers.get("Host", "").split(":")[0].lower() != host.lower():
            self._send(404, waf()["not_found_page"])
            return
        gateway, listener = found
        if blocked(world, gateway, self.path) is not None:
            self._send(403, waf()["forbidden_page"])
            return
        reach = _backend(world, gateway, listener)
        if not reach.arrived:
            self._send(502, waf()["bad_gateway_page"])
            return
        self._send(200, kube_traffic.page(), "text/html; charset=utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, world: World) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.world = world
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.sni_callback = self._pick
        self._contexts: dict[str, ssl.SSLContext] = {}

    def _pick(self, sock: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> int | None:
        found = _listener(self.world, name or "") if name else None
        pfx = _pfx(self.world, *found) if found else None
        if pfx is None:
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        cached = self._contexts.get(name or "")
        if cached is None or getattr(cached, "pfx", b"") != pfx:
            try:
                cached = _context_for(pfx)
            except ValueError:
                return ssl.ALERT_DESCRIPTION_INTERNAL_ERROR
            cached.pfx = pfx  # type: ignore[attr-defined]
            cached.listener_host = name  # type: ignore[attr-defined]
            self._contexts[name or ""] = cached
        sock.context = cached
        return None

    def finish_request(self, request: Any, client_address: Any) -> None:
        """The TLS handshake in the connection's own thread, so a slow client blocks no other."""
        try:
            wrapped = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(wrapped, client_address)


class GatewayFrontend:
    """Started and stopped with the rehearsal backend; ``address`` is what the checks call."""

    def __init__(self, world: World) -> None:
        self._server = _Server(world)
        self._thread = threading.Thread(target=self._server.serve_forever, name="agw-frontend", daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "GatewayFrontend":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
