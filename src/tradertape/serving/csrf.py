"""Cross-site request forgery: a page elsewhere cannot act with a signed-in user's cookie.

The session cookie is ``SameSite=Lax``, which already keeps it off most cross-site POSTs;
this guard does not rely on it (a sibling subdomain is "same-site", and older browsers
ignore the attribute). Every state-changing request (POST, PUT, PATCH, DELETE), with a body
or without, must come from this server's own pages or from no browser at all, judged from
what the browser itself writes and a page cannot forge (WebSocket handshakes check their
``Origin`` in `api.routes.ws`, closing with 4403):

1. ``Sec-Fetch-Site``: ``same-origin`` (or ``none``, a user's own action) passes;
   ``same-site`` and ``cross-site`` are refused.
2. Else ``Origin`` (else ``Referer``) must name this server: the host the request was
   sent to, or the origin of ``public_base_url``. ``Origin: null`` (a sandboxed frame, a
   data: URL) is refused.
3. A request with none of the three passes: it was not sent by a browser (curl, scripts,
   the SDK), and a browser always sends ``Origin`` on a cross-site POST.

No header exempts a request, ``Authorization`` included: behind a reverse proxy with HTTP
Basic auth the browser attaches ``Authorization: Basic …`` to a forged request by itself,
beside the victim's cookie, and the cookie routes would still act on the cookie. Bearer
clients (agent keys, worker tokens, the SDKs) send none of the three browser headers, so
rule 3 passes them; a page cannot reach them with its own ``Authorization`` header either,
since this server grants no CORS. The guard also covers the sign-in routes, so a page
elsewhere cannot sign a visitor into an account of its choosing. docs/api-conventions.md,
"Cross-site".
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PASSING_FETCH_SITES = frozenset({"same-origin", "none"})


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-cased; None for anything that is not one."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class CrossSiteCheck:
    """Pure ASGI middleware: refuses before the body is read or any handler runs."""

    def __init__(self, app: ASGIApp, *, public_base_url: str) -> None:
        self.app = app
        self.public_origin = origin_of(public_base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a same-origin or non-browser request on; refuse a cross-site one."""
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        why = self.refusal(Headers(scope=scope))
        if why is None:
            await self.app(scope, receive, send)
            return
        await JSONResponse({"detail": why}, status_code=403)(scope, receive, send)

    def refusal(self, headers: Headers) -> str | None:
        """Why the request looks forged by another site (None: it does not)."""
        site = headers.get("sec-fetch-site")
        if site is not None:
            if site.lower() in _PASSING_FETCH_SITES:
                return None
            return f"cross-site request refused (Sec-Fetch-Site: {site[:40]})"
        claimed = headers.get("origin")
        which = "Origin"
        if claimed is None:
            claimed = headers.get("referer")
            which = "Referer"
        if claimed is None:
            return None  # not a browser: browsers send Origin on every cross-site POST
        origin = origin_of(claimed)
        if origin is not None and self._ours(origin, headers.get("host")):
            return None
        return f"cross-site request refused ({which} is not this server's origin)"

    def _ours(self, origin: str, host: str | None) -> bool:
        if origin == self.public_origin:
            return True
        # The host the browser sent this request to (behind a TLS proxy the scheme we see
        # is http while the page's is https: the host decides).
        return host is not None and origin.split("://", 1)[1] == host.lower()
