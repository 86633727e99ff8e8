"""The browser app's pages: ``/``, the magic-link landing and every client-side route.

The built app (`serving.webapp`) answers all three. Until it is built, ``/`` says how to build
it, and ``/auth/verify`` still completes a magic-link sign-in with a page of its own.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tradertape.serving.webapp import REVALIDATE, WebApp

# Every other GET (the build's files, client-side routes) is the router's default, answered
# once no route matched (`webapp.install_web_app`), so routes added later still come first.

router = APIRouter(include_in_schema=False)

# The link carries its token in the URL fragment, which browsers never send to servers
# or proxies' logs; this page posts it to the API, which sets the session cookie. The
# built app has a route of its own doing the same.
_VERIFY = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Signing in…</title><style>body{font-family:system-ui,sans-serif;max-width:40rem;
margin:4rem auto;padding:0 1rem}</style></head><body><h1>TraderTape</h1>
<p id="msg">Signing you in…</p>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const msg = document.getElementById("msg");
if (!token) { msg.textContent = "This link has no token. Request a new one."; }
else fetch("/api/auth/verify-link", {method: "POST", credentials: "same-origin",
  headers: {"Content-Type": "application/json"}, body: JSON.stringify({token})})
  .then(async r => {
    if (r.ok) { history.replaceState(null, "", "/auth/verify"); location.href = "/"; }
    else { const b = await r.json(); msg.textContent = b.detail || "Sign-in failed."; }
  });
</script></body></html>"""


def _web(request: Request) -> WebApp:
    web: WebApp = request.app.state.web_app
    return web


@router.api_route("/", methods=["GET", "HEAD"])
def home(request: Request) -> Response:
    """The app (or, unbuilt, how to build it)."""
    return _web(request).page(request)


@router.api_route("/auth/verify", methods=["GET", "HEAD"])
def verify_page(request: Request) -> Response:
    """Completes a magic-link sign-in in the browser."""
    web = _web(request)
    if not web.built:
        return HTMLResponse(_VERIFY, headers={"Cache-Control": REVALIDATE})
    return web.page(request)
