"""The workload from the internet's side: an HTTPS request to the listener host at App
Gateway's public IP, with SNI, as a browser would send it after the hosts-file line.

The certificate is not validated against a trust store (the wizard's own are self-signed);
it is pinned instead: the one served must be step 2's listener certificate, byte for byte
(SHA-256 of its DER form). Then the page must come back, and the reference's WAF test (an
SQL-injection pattern in the query string) must be refused with 403. In a rehearsal the same
requests go to the rehearsal's gateway front end on 127.0.0.1 (``Endpoints.public_frontend``)."""

from __future__ import annotations

import hashlib
import http.client
import re
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from wizard.engine.contract import Finding, StepContext

TIMEOUT = 15.0
WAF_TEST = "/?id=1%27%20OR%20%271%27%3D%271"  # id=1' OR '1'='1, as the reference's validation sends it


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    fingerprint: str  # SHA-256 of the served certificate (DER), hex
    tls: str


def _where(ctx: StepContext) -> tuple[str, int]:
    given = ctx.azure.endpoints.public_frontend if ctx.azure is not None else ""
    if given:
        host, port = given.rsplit(":", 1)
        return host, int(port)
    return str(ctx.output("spoke", "app_gateway_public_ip", "")), 443


def request(ctx: StepContext, path: str) -> Answer:
    """One GET of ``path`` on the listener host; raises OSError or ssl.SSLError when no TLS
    session comes up (no listener for the name, nothing at the address)."""
    host = str(ctx.output("tls-certificates", "public_host", ""))
    address = _where(ctx)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE  # pinned below, to step 2's certificate
    with socket.create_connection(address, timeout=TIMEOUT) as raw, tls.wrap_socket(raw, server_hostname=host) as s:
        served = s.getpeercert(binary_form=True) or b""
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: aks-wizard\r\nConnection: close\r\n\r\n"
                  .encode())
        response = http.client.HTTPResponse(s)  # type: ignore[arg-type]
        response.begin()
        body = response.read(256 * 1024).decode("utf-8", "replace")
        return Answer(response.status, body, hashlib.sha256(served).hexdigest(), str(s.version()))


def listener_fingerprint(ctx: StepContext) -> str:
    path = Path(str(ctx.output("tls-certificates", "listener_certificate_path", "")))
    pem = path.read_text(encoding="utf-8")
    first = pem.split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(first)).hexdigest()


def _title(body: str) -> str:
    found = re.search(r"<title>(.*?)</title>", body, re.IGNORECASE | re.DOTALL)
    return found.group(1).strip() if found else ""


def _unreachable(ctx: StepContext, exc: Exception) -> Finding:
    host, (address, port) = ctx.output("tls-certificates", "public_host", ""), _where(ctx)
    return Finding.fail(f"No HTTPS answer for {host} at {address}:{port}: {exc}.",
                        "Check the gateway's listener for that host name (step 8) and that its certificate is in Key "
                        "Vault; from this machine, port 443 to the gateway's IP must be open. Then verify again (d).",
                        address=f"{address}:{port}", host=host, error=str(exc))


def check_https(ctx: StepContext) -> Finding:
    try:
        wanted = listener_fingerprint(ctx)
    except (OSError, ValueError) as exc:
        return Finding.fail(f"Step 2's listener certificate cannot be read: {exc}.", "Run step 2 again (it keeps "
                            "its files), then verify again (d).")
    try:
        answer = request(ctx, "/")
    except (OSError, ssl.SSLError) as exc:
        return _unreachable(ctx, exc)
    evidence = {"status": answer.status, "served_sha256": answer.fingerprint, "expected_sha256": wanted,
                "tls": answer.tls, "title": _title(answer.body)}
    if answer.fingerprint != wanted:
        return Finding.fail("The gateway served a certificate that is not step 2's listener certificate.",
                            "The listener reads the Key Vault secret of step 8; deploy step 8 again so it holds step "
                            "2's PFX, then verify again (d).", **evidence)
    if answer.status != 200:
        return Finding.fail(f"The gateway answered {answer.status} ({_title(answer.body) or 'no title'}): the "
                            "backend did not serve the page.", "A 502 is the backend: see the backend-health "
                            "check's probe log; then verify again (d).", **evidence)
    return Finding.ok(f"HTTPS {answer.tls} with step 2's certificate (SHA-256 {wanted[:16]}…); the app answered "
                      f"200 \"{_title(answer.body)}\".", **evidence)


def check_waf(ctx: StepContext) -> Finding:
    try:
        answer = request(ctx, WAF_TEST)
    except (OSError, ssl.SSLError) as exc:
        return _unreachable(ctx, exc)
    evidence = {"request": WAF_TEST, "status": answer.status, "title": _title(answer.body)}
    if answer.status == 403:
        return Finding.ok(f"The WAF refused the SQL-injection test ({WAF_TEST}) with 403.", **evidence)
    return Finding.fail(f"The SQL-injection test was not refused: {answer.status}.", "The WAF policy must be "
                        "Enabled in Prevention mode (step 8's gateway); then verify again (d).", **evidence)
