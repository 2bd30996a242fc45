"""What ARM and Graph check before any handler runs: the bearer token, then the api-version.

Both services refuse with their own error shapes, so the wizard meets the same codes and
messages in rehearsal as live: ARM's ``{"error": {code, message}}`` with a WWW-Authenticate
challenge, Graph's ``{"error": {code, message, innerError}}``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from wizard.rehearsal.api_versions import check_request
from wizard.rehearsal.http_types import ArmError, Response
from wizard.rehearsal.tokens import ARM_AUDIENCES, GRAPH_AUDIENCES, TokenProblem, verify

# Codes and messages as ARM sends them (quoted in Azure SDK and tool issues: missing header,
# bad header format, invalid token, expiry, audience, issuer).
_ARM_REFUSALS = {
    "missing": ("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."),
    "header": ("AuthenticationFailedInvalidHeader",
               "Authentication failed. The 'Authorization' header is provided in an invalid format."),
    "malformed": ("InvalidAuthenticationToken", "The access token is invalid."),
    "signature": ("InvalidAuthenticationToken", "The access token is invalid."),
    "tenant": ("InvalidAuthenticationTokenTenant", "The access token is from the wrong issuer '{detail}'. It must "
               "match the tenant associated with this subscription. Please use correct authority to get the token."),
}
_CHALLENGE = {"missing": "The authentication failed because of missing 'Authorization' header."}
_GRAPH_REFUSALS = {
    "missing": "Access token is empty.",
    "header": "Access token is empty.",
    "malformed": "IDX14100: JWT is not well formed, there are no dots (.).",
    "signature": "Access token validation failure. Invalid signature.",
    "expired": "Access token has expired or is not yet valid.",
    "audience": "Access token validation failure. Invalid audience.",
    "tenant": "Access token validation failure. Invalid issuer.",
}


def is_graph(path: str) -> bool:
    return path.lower().startswith(("/v1.0/", "/beta/"))


def _utc(epoch: float) -> str:
    """ARM writes these times the US way: 8/17/2017 10:54:41 PM."""
    moment = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return f"{moment.month}/{moment.day}/{moment.year} {moment.strftime('%I:%M:%S %p').lstrip('0')}"


def _arm_refusal(problem: TokenProblem, tenant_id: str) -> Response:
    if problem.kind == "expired":
        try:
            expiry = _utc(float(problem.detail))
        except ValueError:
            expiry = problem.detail
        code, message = "ExpiredAuthenticationToken", (
            f"The access token expiry UTC time '{expiry}' is earlier than current UTC time "
            f"'{_utc(dt.datetime.now(dt.timezone.utc).timestamp())}'.")
    elif problem.kind == "audience":
        allowed = ",".join(f"'{a}'" for a in ARM_AUDIENCES)
        code, message = "InvalidAuthenticationTokenAudience", (
            f"The access token has been obtained for wrong audience or resource '{problem.detail}'. It should "
            f"exactly match with one of the allowed audiences {allowed}.")
    else:
        code, template = _ARM_REFUSALS[problem.kind]
        message = template.format(detail=problem.detail, tenant=tenant_id)
    challenge = (f'Bearer authorization_uri="https://login.windows.net/{tenant_id}", error="invalid_token", '
                 f'error_description="{_CHALLENGE.get(problem.kind, message)}"')
    return ArmError(401, code, message, headers={"WWW-Authenticate": challenge}).response()


def _graph_refusal(problem: TokenProblem, headers: dict[str, str], request_id: str) -> Response:
    challenge = ('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                 'client_id="00000003-0000-0000-c000-000000000000"')
    return Response(401, {"error": {"code": "InvalidAuthenticationToken", "message": _GRAPH_REFUSALS[problem.kind],
                                    "innerError": graph_inner_error(headers, request_id)}},
                    {"WWW-Authenticate": challenge})


def graph_inner_error(headers: dict[str, str], request_id: str) -> dict[str, Any]:
    """Graph's innerError: when, its request id, and the client's request id echoed."""
    return {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"), "request-id": request_id,
            "client-request-id": headers.get("client-request-id", request_id)}


def refuse(path: str, query: dict[str, str], headers: dict[str, str], key: bytes, tenant_id: str,
           request_id: str) -> Response | None:
    """The refusal a real service would send, or None when the request may go on."""
    if path.startswith("/_registries/"):
        return None  # a public container registry: its own protocol, no Azure token (source_registries)
    graph = is_graph(path)
    found = verify(headers.get("authorization", ""), key, GRAPH_AUDIENCES if graph else ARM_AUDIENCES, tenant_id)
    if isinstance(found, TokenProblem):
        return _graph_refusal(found, headers, request_id) if graph else _arm_refusal(found, tenant_id)
    try:
        check_request(path, query)
    except ArmError as exc:
        return exc.response()
    return None


def new_id() -> str:
    return str(uuid.uuid4())
