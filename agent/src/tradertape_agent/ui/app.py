"""The local UI's HTTP side (Starlette): a JSON API under ``/api`` for the page, the built page
itself (``static/``, made by ``agent/web``), and Kite's login callback.

Every request passes the Host check; every write the same-site check; with a PIN set, every
``/api`` call but the PIN's own needs the session cookie (`security`).
"""

from __future__ import annotations

import base64
import math
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from tradertape_agent import __version__, obfuscation, statements
from tradertape_agent.cloud import CloudError
from tradertape_agent.config import BROKER_NAMES, TITLES, Config, save
from tradertape_agent.engine import Agent, record_decision
from tradertape_agent.sessions import exchange_kite, install_command, load_brokers, mint_groww
from tradertape_agent.ui import security
from tradertape_agent.ui.views import Views
from tradertape_brokers.port import BrokerError, BrokerSession

STATIC = Path(__file__).parent / "static"
KITE_LOGIN = "https://kite.zerodha.com/connect/login"
UPSTOX_ROOT = "https://api.upstox.com"
#: The brokers with a browser login from this UI (Groww logs in by its key and secret).
LOGINS = ("kite", "upstox")
#: How long a broker login started here may take to come back (seconds).
LOGIN_SECS = 600.0
#: How many forwarded files the Uploads page lists.
UPLOADS_KEPT = 20


class Invalid(Exception):
    """Bad input: the message names the field."""


class Missing(Exception):
    """What the request names is not here (404)."""


@dataclass(frozen=True)
class Login:
    """A browser login this UI started: the broker, when, and where the broker sends it back."""

    broker: str
    at: float
    redirect: str


@dataclass
class UiState:
    """The UI's own state beside the agent: where the settings live, its sessions, the broker
    logins it started (by their one-time state), the Upstox instrument keys the agent shares."""

    agent: Agent
    config_path: Path
    hosts: security.HostCheck
    sessions: security.Sessions = field(default_factory=security.Sessions)
    logins: dict[str, Login] = field(default_factory=dict)
    upstox_keys: dict[str, str] = field(default_factory=dict)
    #: The files forwarded since start, newest first (the Uploads page).
    uploads: list[dict[str, Any]] = field(default_factory=list)
    monotonic: Callable[[], float] = time.monotonic
    #: The PIN last entered was set before the length rule (`security.pin_problem`): the
    #: settings page asks for a longer one. Known only once entered (the hash hides it).
    pin_weak: bool = False
    views: Views = field(init=False)

    def __post_init__(self) -> None:
        self.views = Views(self.agent)

    @property
    def config(self) -> Config:
        return self.agent.config

    def save(self) -> None:
        save(self.config, self.config_path)


def detail(status: int, text: str) -> JSONResponse:
    return JSONResponse({"detail": text}, status_code=status)


class Guard:
    """Host check on everything, same-site check on writes, the PIN on ``/api``."""

    def __init__(self, app: ASGIApp, state: UiState) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self.refusal(request)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def refusal(self, request: Request) -> Response | None:
        host = request.headers.get("host", "")
        if not self.state.hosts.allows(host):
            return detail(
                403,
                "Refused: the agent UI does not answer to this host name (add it to "
                "ui_allowed_hosts in the agent's settings if it is yours)",
            )
        why = security.write_refusal(
            request.method,
            host,
            request.headers.get("origin"),
            request.headers.get("sec-fetch-site"),
            request.headers.get("content-type"),
        )
        if why is not None:
            return detail(403, why)
        path = request.url.path
        if (
            self.state.config.ui_pin_hash
            and path.startswith("/api/")
            and path != "/api/session"
            and not self.state.sessions.valid(request.cookies.get(security.COOKIE))
        ):
            return detail(401, "Enter the agent's PIN")
        return None


async def body_of(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise Invalid("body: not JSON") from None
    if not isinstance(data, dict):
        raise Invalid("body: must be a JSON object")
    return data


Handler = Callable[[Request], Awaitable[Response]]


def api(state: UiState, work: Callable[..., Any], *, body: bool = False) -> Handler:
    """A JSON endpoint: `work(state, request[, body])` runs in a thread (broker and journal
    calls block); `Invalid` → 422, `Missing` → 404, a broker or cloud failure → 502,
    each as ``{"detail": ...}``."""

    async def endpoint(request: Request) -> Response:
        try:
            args: list[Any] = [state, request]
            if body:
                args.append(await body_of(request))
            result = await run_in_threadpool(work, *args)
        except Invalid as exc:
            return detail(422, str(exc))
        except Missing as exc:
            return detail(404, str(exc))
        except (BrokerError, CloudError) as exc:
            return detail(502, str(exc))
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return endpoint


# -- session (the PIN) --------------------------------------------------------------------------


def session_get(state: UiState, request: Request) -> dict[str, Any]:
    required = bool(state.config.ui_pin_hash)
    return {
        "version": __version__,
        "pin_required": required,
        "authenticated": not required or state.sessions.valid(request.cookies.get(security.COOKIE)),
    }


def _address(request: Request) -> str:
    """Whom wrong PINs are counted against: the connecting address."""
    return request.client.host if request.client is not None else ""


def session_open(state: UiState, request: Request, data: dict[str, Any]) -> Response:
    stored = state.config.ui_pin_hash
    if not stored:
        return JSONResponse({"version": __version__, "pin_required": False, "authenticated": True})
    if state.sessions.valid(request.cookies.get(security.COOKIE)):  # signed in: never locked out
        return JSONResponse({"version": __version__, "pin_required": True, "authenticated": True})
    address = _address(request)
    wait = state.sessions.locked_for(address)
    if wait > 0:
        seconds = math.ceil(wait)
        answer = detail(429, f"Too many wrong PINs from this address: try again in {seconds} s")
        answer.headers["Retry-After"] = str(seconds)
        return answer
    pin = data.get("pin")
    if not isinstance(pin, str) or not security.pin_matches(pin, stored):
        state.sessions.missed(address)
        return detail(401, "pin: wrong PIN")
    state.sessions.hit(address)
    state.pin_weak = security.pin_problem(pin) is not None  # set before the rule: ask for a new one
    answer = JSONResponse({"version": __version__, "pin_required": True, "authenticated": True})
    answer.set_cookie(
        security.COOKIE, state.sessions.open(), httponly=True, samesite="strict", path="/"
    )
    return answer


def session_close(state: UiState, request: Request, _data: dict[str, Any]) -> Response:
    state.sessions.close(request.cookies.get(security.COOKIE))
    answer = JSONResponse(session_get(state, request) | {"authenticated": False})
    answer.delete_cookie(security.COOKIE, path="/")
    return answer


def pin_set(state: UiState, request: Request, data: dict[str, Any]) -> Response:
    """Set (``{"pin": "246813"}``) or clear (``{"pin": null}``) the PIN; every other browser
    must enter the new one."""
    pin = data.get("pin")
    if pin is None:
        state.config.ui_pin_hash = ""
        state.pin_weak = False
        state.sessions.clear()
        state.save()
        return JSONResponse({"pin_required": False})
    if not isinstance(pin, str) or security.pin_problem(pin) is not None:
        raise Invalid(security.PIN_RULE)
    state.config.ui_pin_hash = security.hash_pin(pin)
    state.pin_weak = False
    state.sessions.clear()
    state.save()
    answer = JSONResponse({"pin_required": True})
    answer.set_cookie(
        security.COOKIE, state.sessions.open(), httponly=True, samesite="strict", path="/"
    )
    return answer


# -- reads -------------------------------------------------------------------------------------


def views(state: UiState) -> Views:
    return state.views


def status_get(state: UiState, _request: Request) -> dict[str, Any]:
    return views(state).status() | {"version": __version__}


def dashboard_get(state: UiState, _request: Request) -> dict[str, Any]:
    return views(state).dashboard()


def holdings_get(state: UiState, _request: Request) -> dict[str, Any]:
    return views(state).holdings()


def positions_get(state: UiState, _request: Request) -> dict[str, Any]:
    return views(state).positions()


def signals_get(state: UiState, _request: Request) -> dict[str, Any]:
    return views(state).signals()


def mutual_funds_get(state: UiState, _request: Request) -> dict[str, Any]:
    """The owner's mutual funds as the cloud values them (from the CAS PDFs uploaded in
    the web app; the agent never scales a CAS, so its figures are real)."""
    try:
        data = state.agent.cloud.mutual_funds()
    except CloudError as exc:
        return {"available": False, "funds": [], "problem": str(exc)}
    return {"available": True, **data}


def brokers_get(state: UiState, _request: Request) -> dict[str, Any]:
    config = state.config
    report = state.agent.last_report
    errors = report.errors if report else []
    rows = []
    for name in BROKER_NAMES:
        configured = name in config.brokers()
        loaded = name in state.agent.brokers
        trouble = next((e for e in errors if f" {name} " in f" {e} "), None)
        if loaded and trouble is None:
            state_, note = "connected", "Session in use."
        elif loaded:
            state_, note = "trouble", trouble or ""
        elif configured:
            state_, note = "not-connected", "No session yet."
        else:
            state_, note = "not-configured", ""
        login = "button" if name in LOGINS else "key"
        rows.append(
            {
                "broker": name,
                "title": TITLES[name],
                "primary": name == config.primary_broker,
                "configured": configured,
                "state": state_,
                "note": note,
                "login": login if configured else "none",
                "api_key_set": bool(config.secret(name, "api_key")),
            }
        )
    return {"brokers": rows}


# -- writes ------------------------------------------------------------------------------------


def decide(decision: str) -> Callable[[UiState, Request, dict[str, Any]], dict[str, Any]]:
    def work(state: UiState, request: Request, _data: dict[str, Any]) -> dict[str, Any]:
        try:
            sid = int(request.path_params["signal_id"])
        except ValueError:
            raise Invalid("signal_id: not a number") from None
        agent = state.agent
        waits = any(int(s["signal_id"]) == sid for s in agent.awaiting)
        if not waits and not any(int(s["signal_id"]) == sid for s in agent.pending):
            raise Missing(f"Signal {sid} is not pending at the agent")
        journal = views(state).journal()
        try:
            if journal.of_signal(sid):
                raise Invalid(f"signal_id: signal {sid} is already placed")
            record_decision(journal, sid, decision, agent.clock(), awaiting=waits)
        finally:
            journal.close()
        verb = "approved" if decision == "approved" else "rejected"
        agent.log(f"[agent] signal {sid} {verb} in the local UI")
        return views(state).signals()

    return work


def settings_get(state: UiState, _request: Request) -> dict[str, Any]:
    config = state.config
    return {
        "auto_execute": config.auto_execute,
        "stop_loss_pct": config.stop_loss_pct,
        "poll_interval": config.poll_interval,
        "ignore_symbols": list(config.ignore_symbols),
        "primary_broker": config.primary_broker,
        "cloud_url": config.cloud_url,
        "pin_set": bool(config.ui_pin_hash),
        "pin_weak": state.pin_weak,
        "allowed_hosts": list(config.ui_allowed_hosts),
        "credentials": {
            name: {
                "api_key_set": bool(config.secret(name, "api_key")),
                "api_secret_set": bool(config.secret(name, "api_secret")),
            }
            for name in BROKER_NAMES
        },
        "obfuscation": bool(config.obfuscation_factor),
    }


def _number(data: dict[str, Any], name: str, low: float, high: float) -> float:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"{name}: a number")
    if not low <= value <= high:
        raise Invalid(f"{name}: between {low:g} and {high:g}")
    return float(value)


def symbol_of(text: str) -> str:
    name = text.strip().upper().replace(" ", "")
    if not name:
        raise Invalid("ignore_symbols: an empty symbol")
    if ":" not in name:
        name = f"NSE:{name}"
    exchange, _, tradingsymbol = name.partition(":")
    if not exchange.isalpha() or not tradingsymbol or len(name) > 40:
        raise Invalid(f"ignore_symbols: {text!r} is not a symbol like NSE:RELIANCE")
    return name


def _habits(data: dict[str, Any]) -> dict[str, Any]:
    """The plain settings in `data`, checked."""
    changes: dict[str, Any] = {}
    if "auto_execute" in data:
        if not isinstance(data["auto_execute"], bool):
            raise Invalid("auto_execute: true or false")
        changes["auto_execute"] = data["auto_execute"]
    if "stop_loss_pct" in data:
        changes["stop_loss_pct"] = _number(data, "stop_loss_pct", 0.1, 50)
    if "poll_interval" in data:
        value = _number(data, "poll_interval", 5, 3600)
        if value != int(value):
            raise Invalid("poll_interval: whole seconds")
        changes["poll_interval"] = int(value)
    if "ignore_symbols" in data:
        given = data["ignore_symbols"]
        if not isinstance(given, list) or not all(isinstance(s, str) for s in given):
            raise Invalid("ignore_symbols: a list of symbols")
        changes["ignore_symbols"] = sorted({symbol_of(s) for s in given})
    return changes


def _credentials(given: Any) -> dict[str, str]:
    """``{"kite_api_key": ..., "kite_api_secret": ...}`` checked, as config attributes."""
    if not isinstance(given, dict):
        raise Invalid("credentials: an object")
    found: dict[str, str] = {}
    for key, value in given.items():
        broker, _, what = str(key).partition("_")
        if broker not in BROKER_NAMES or what not in ("api_key", "api_secret"):
            raise Invalid(f"credentials.{key}: not a broker's api_key or api_secret")
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise Invalid(f"credentials.{key}: a non-empty string")
        found[f"{broker}_{what}"] = value.strip()
    return found


def settings_put(state: UiState, request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """Change what is given; credentials are write-only and take effect at the next start."""
    known = {"auto_execute", "stop_loss_pct", "poll_interval", "ignore_symbols", "credentials"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise Invalid(f"{unknown[0]}: not a setting the agent UI changes")
    changes = _habits(data)
    secrets_given = _credentials(data["credentials"]) if "credentials" in data else {}
    for name, value in {**changes, **secrets_given}.items():
        setattr(state.config, name, value)
    state.save()
    said = ", ".join(f"{k}={v}" for k, v in changes.items())
    if said:
        state.agent.log(f"[agent] settings changed in the local UI: {said}")
    if secrets_given:
        state.agent.log("[agent] broker credentials changed in the local UI (used at restart)")
    return settings_get(state, request)


def _upload_body(data: dict[str, Any]) -> tuple[str, str, bytes]:
    kind = data.get("kind")
    if kind not in statements.KINDS:
        raise Invalid(f"kind: one of {', '.join(statements.KINDS)}")
    name = data.get("filename")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise Invalid("filename: the file's name")
    encoded = data.get("content_base64")
    if not isinstance(encoded, str) or not encoded:
        raise Invalid("content_base64: the file, base64-encoded")
    try:
        content = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise Invalid("content_base64: not base64") from None
    return kind, name.strip(), content


def upload_post(state: UiState, _request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """Forward a tradebook or ledger to the cloud: scaled by the factor when the account's
    obfuscation switch is on (as the last poll said), with its fingerprint. The answer is
    the cloud's report beside the real and sent totals of the scaled columns."""
    kind, name, content = _upload_body(data)
    agent, config = state.agent, state.config
    if agent.obfuscate is None:
        raise Invalid(
            "file: the agent has not heard from the cloud yet (its first poll says whether to "
            "scale uploads); try again in a moment"
        )
    if agent.obfuscate and not config.obfuscation_factor:
        raise Invalid("file: obfuscation is on but this agent has no factor (run configure)")
    factor = obfuscation.valid_factor(config.obfuscation_factor) if agent.obfuscate else None
    try:
        prepared = statements.prepare(name, content, kind, factor)
    except statements.StatementError as exc:
        raise Invalid(f"file: {exc}") from None
    fingerprint = (
        obfuscation.fingerprint(config.obfuscation_factor, config.obfuscation_salt)
        if prepared.scaled
        else None
    )
    report = agent.cloud.upload(kind, prepared.filename, prepared.content, fingerprint=fingerprint)
    said = "scaled" if prepared.scaled else "as it is"
    agent.log(f"[agent] {kind} {name} forwarded to the cloud {said}: {report.get('status')}")
    done = {"at": agent.clock().isoformat(), "sent": prepared.summary(), "report": report}
    state.uploads.insert(0, done)
    del state.uploads[UPLOADS_KEPT:]
    return done


def uploads_get(state: UiState, _request: Request) -> dict[str, Any]:
    return {
        "obfuscate": state.agent.obfuscate,
        "kinds": list(statements.KINDS),
        "uploads": state.uploads,
    }


def broker_login(state: UiState, request: Request, _data: dict[str, Any]) -> dict[str, Any]:
    """Start a browser login at Kite or Upstox: the URL to open, carrying a one-time state the
    callback checks (so nobody else's login can be planted here)."""
    broker = str(request.path_params["broker"])
    config = state.config
    if broker not in TITLES:
        raise Missing(f"{broker} is not a broker the agent knows")
    if broker not in config.brokers():
        raise Invalid(f"broker: {TITLES[broker]} has no API key and secret in the settings")
    if broker not in LOGINS:
        return groww_login(state, _data)
    now = state.monotonic()
    state.logins = {k: v for k, v in state.logins.items() if now - v.at < LOGIN_SECS}
    nonce = secrets.token_urlsafe(16)
    host = request.headers.get("host", "localhost")
    back = f"{request.url.scheme}://{host}/brokers/{broker}/callback"
    state.logins[nonce] = Login(broker, now, back)
    root = config.secret(broker, "root").rstrip("/")
    if broker == "kite":
        page = f"{root}/connect/login" if root else KITE_LOGIN
        query = {"v": "3", "api_key": config.kite_api_key, "redirect_params": f"state={nonce}"}
    else:
        page = f"{root or UPSTOX_ROOT}/v2/login/authorization/dialog"
        query = {
            "response_type": "code",
            "client_id": config.upstox_api_key,
            "redirect_uri": back,
            "state": nonce,
        }
    return {"url": f"{page}?{urlencode(query, quote_via=quote)}", "redirect": back}


def groww_login(state: UiState, data: dict[str, Any]) -> dict[str, Any]:
    """Groww's key flow (it has no browser redirect): today's access token minted here from
    the API key and its secret (a key approved in the Groww app today), or from a TOTP key
    and the code the authenticator shows now (``{"totp": "123456"}``)."""
    code = data.get("totp")
    if code is not None and (not isinstance(code, str) or not code.strip().isdigit()):
        raise Invalid("totp: the six digits your authenticator app shows")
    try:
        session = mint_groww(state.config, totp=code.strip() if code else None)
    except ValueError as exc:
        raise Invalid(f"totp: {exc}") from None
    except BrokerError as exc:
        state.agent.log(f"[agent] groww: login failed ({exc})")
        raise Invalid(f"groww: Groww refused the key ({exc})") from None
    if session is None:
        raise Invalid(
            "groww: this install has no Groww support; install the agent again from your clone "
            f"of TraderTape, {install_command()}"
        )
    _logged_in(state, "groww", session)
    return {"broker": "groww", "logged_in": True, "expires_at": _expiry(session)}


def _expiry(session: BrokerSession) -> str | None:
    return session.expires_at.isoformat() if session.expires_at else None


def _logged_in(state: UiState, broker: str, session: BrokerSession) -> None:
    """Keep a broker's new session: in the settings, in the running agent (loaded at once)
    and with the cloud (the access-token relay; the secret stays here)."""
    state.config.keep_session(broker, session.access_token, session.expires_at)
    state.save()
    loaded = load_brokers(state.config, upstox_keys=state.upstox_keys)
    if broker in loaded.brokers:
        state.agent.brokers[broker] = loaded.brokers[broker]
    views(state).reads.forget()
    try:
        state.agent.cloud.access_token(broker, session.access_token, session.broker_user_id)
    except CloudError as exc:
        state.agent.log(f"[agent] {broker}: logged in; the cloud did not take the token ({exc})")
    state.agent.log(f"[agent] {broker}: logged in from the local UI")


def _exchange(state: UiState, login: Login, params: Mapping[str, str]) -> BrokerSession | None:
    """The broker's session for the callback's token or code (None: the user cancelled)."""
    config = state.config
    if login.broker == "kite":
        if params.get("status") != "success" or not params.get("request_token"):
            return None
        return exchange_kite(config, params["request_token"])
    if not params.get("code"):
        return None
    from tradertape_brokers.upstox.login import exchange_code

    return exchange_code(
        config.upstox_api_key,
        config.upstox_api_secret,
        params["code"],
        login.redirect,
        config.upstox_root or UPSTOX_ROOT,
    )


def broker_callback(state: UiState, request: Request) -> Response:
    """Where the broker sends the browser back: the token or code is exchanged here with the
    secret (which never leaves this machine), only for a login this UI started."""
    broker = str(request.path_params["broker"])
    params = request.query_params
    login = state.logins.pop(params.get("state", ""), None)
    back = f"/#/brokers?broker={broker}&login="
    if login is None or login.broker != broker or state.monotonic() - login.at > LOGIN_SECS:
        return RedirectResponse(back + "unknown", status_code=303)
    try:
        session = _exchange(state, login, params)
    except (BrokerError, ImportError) as exc:
        state.agent.log(f"[agent] {broker}: login failed ({exc})")
        return RedirectResponse(back + "failed", status_code=303)
    if session is None:
        return RedirectResponse(back + "cancelled", status_code=303)
    _logged_in(state, broker, session)
    return RedirectResponse(back + "ok", status_code=303)


# -- the page ----------------------------------------------------------------------------------


#: What the page says when this install has no UI (a wheel built before the UI was).
NOT_BUILT = (
    "The agent UI was not built into this install. From the clone (Node 20 or later):\n"
    "  make web-agent\n"
    '  pip install --force-reinstall --no-deps "./agent"\n'
    "then restart tradertape-agent (agent/README.md, Install and run)."
)


def page(_request: Request) -> Response:
    index = STATIC / "index.html"
    if not index.is_file():
        return Response(NOT_BUILT, media_type="text/plain", status_code=503)
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


def security_headers(app: ASGIApp) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (
                        b"content-security-policy",
                        b"default-src 'self'; img-src 'self' data:; style-src 'self' "
                        b"'unsafe-inline'; frame-ancestors 'none'",
                    ),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, sending)  # type: ignore[arg-type]

    return wrapped


def create_app(state: UiState) -> ASGIApp:
    s = state
    routes: list[BaseRoute] = [
        Route("/api/session", api(s, session_get), methods=["GET"]),
        Route("/api/session", api(s, session_open, body=True), methods=["POST"]),
        Route("/api/session", api(s, session_close, body=True), methods=["DELETE"]),
        Route("/api/pin", api(s, pin_set, body=True), methods=["PUT"]),
        Route("/api/status", api(s, status_get), methods=["GET"]),
        Route("/api/dashboard", api(s, dashboard_get), methods=["GET"]),
        Route("/api/holdings", api(s, holdings_get), methods=["GET"]),
        Route("/api/positions", api(s, positions_get), methods=["GET"]),
        Route("/api/signals", api(s, signals_get), methods=["GET"]),
        Route(
            "/api/signals/{signal_id}/approve",
            api(s, decide("approved"), body=True),
            methods=["POST"],
        ),
        Route(
            "/api/signals/{signal_id}/reject",
            api(s, decide("rejected"), body=True),
            methods=["POST"],
        ),
        Route("/api/mutual-funds", api(s, mutual_funds_get), methods=["GET"]),
        Route("/api/uploads", api(s, uploads_get), methods=["GET"]),
        Route("/api/uploads", api(s, upload_post, body=True), methods=["POST"]),
        Route("/api/brokers", api(s, brokers_get), methods=["GET"]),
        Route("/api/brokers/{broker}/login", api(s, broker_login, body=True), methods=["POST"]),
        Route("/api/settings", api(s, settings_get), methods=["GET"]),
        Route("/api/settings", api(s, settings_put, body=True), methods=["PUT"]),
        Route("/api/{rest:path}", lambda _r: detail(404, "Not found"), methods=["GET", "POST"]),
        Route("/brokers/{broker}/callback", api(s, broker_callback), methods=["GET"]),
        Route("/", page, methods=["GET"]),
    ]
    if (STATIC / "assets").is_dir():
        routes.append(Mount("/assets", StaticFiles(directory=STATIC / "assets"), name="assets"))
    routes.append(Route("/favicon.svg", lambda _r: _static("favicon.svg"), methods=["GET"]))
    app = Starlette(routes=routes)
    return security_headers(Guard(app, state))


def _static(name: str) -> Response:
    path = STATIC / name
    if not path.is_file():
        return Response(status_code=404)
    return FileResponse(path)
