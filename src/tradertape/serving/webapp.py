"""The browser app: the built React bundle (``web_dist/``) served at ``/``.

Vite writes ``index.html`` and content-hashed files under ``assets/``. A hashed file never
changes under its name, so it is cached for a year; ``index.html`` names the current hashes,
so browsers revalidate it every time. Any other GET that asks for HTML (a client-side route
such as ``/orders`` reloaded in the browser) gets ``index.html``, and the app's router takes
over; a missing asset, or anything under ``/api/``, stays a 404. A file with a ``.gz`` twin
beside it is sent precompressed to clients that accept gzip; the rest is compressed on the
fly by the app's compression middleware (`install_compression`: zstd or gzip).

The app's HTML carries a Content-Security-Policy that allows only this server: nothing
loads from a CDN, and an injected script from elsewhere does not run.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send
from starlette_compress import CompressMiddleware, remove_compress_type

import tradertape
from tradertape.errors import NotFound
from tradertape.settings import Settings

log = logging.getLogger("tradertape.api")

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# A sane Host header (name or address, optional port), for the WebSocket source in the CSP.
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>TraderTape</title><style>body{font-family:system-ui,sans-serif;max-width:40rem;
margin:4rem auto;padding:0 1rem}code{background:#f2f2f2;padding:.1rem .3rem}</style>
</head><body><h1>TraderTape</h1><p>The API is running, but the web app is not built.
Build it from a source checkout with <code>make install</code> (it needs Node), or install a
released wheel, which carries it.</p><ul><li><a href="/api/docs">API reference</a></li>
<li><a href="/api/health">Health</a></li></ul></body></html>"""


def web_dist(settings: Settings) -> Path:
    """Where the built app is: the ``web_dist`` setting, else the package's own folder."""
    if settings.web_dist is not None:
        return settings.web_dist.expanduser()
    return Path(tradertape.__file__).parent / "web_dist"


def content_security_policy(host: str | None) -> str:
    """Only this server, for every kind of resource; inline styles are allowed because
    component libraries and charts set them, inline scripts are not."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src 'self'{sockets}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


class WebApp:
    """Answers the app's GET requests from one build folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    @property
    def index(self) -> Path:
        """The app's entry page."""
        return self.root / "index.html"

    @property
    def built(self) -> bool:
        """Whether the app has been built into the folder."""
        return self.index.is_file()

    def page(self, request: Request) -> Response:
        """``index.html`` (never cached without revalidation), or how to build it."""
        if not self.built:
            return HTMLResponse(NOT_BUILT, headers={"Cache-Control": REVALIDATE})
        response = self._file(request, self.index, cache=REVALIDATE)
        response.headers["Content-Security-Policy"] = content_security_policy(
            request.headers.get("host")
        )
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    def get(self, request: Request, path: str) -> Response:
        """A file of the build, else the app for an HTML request, else a 404."""
        if path == "api" or path.startswith("api/"):
            raise NotFound("Not Found")
        found = self._find(path)
        if found is not None and found != self.index:
            cache = IMMUTABLE if path.startswith("assets/") else REVALIDATE
            return self._file(request, found, cache=cache)
        if not path.startswith("assets/") and "text/html" in request.headers.get("accept", ""):
            return self.page(request)
        raise NotFound("Not Found")

    def _find(self, path: str) -> Path | None:
        """The file `path` names inside the build folder (never outside it)."""
        if not path or "\x00" in path:
            return None
        candidate = (self.root / path).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _file(self, request: Request, path: Path, *, cache: str) -> Response:
        headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
        packed = path.with_name(path.name + ".gz")
        if not packed.is_file():
            return FileResponse(path, headers=headers)
        headers["Vary"] = "Accept-Encoding"  # two bodies under one URL: caches must tell
        if not _accepts_gzip(request):
            return FileResponse(path, headers=headers)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers["Content-Encoding"] = "gzip"
        return FileResponse(packed, media_type=media_type, headers=headers)


def install_web_app(app: FastAPI, root: Path) -> WebApp:
    """Answer the GETs no route matched from the build in `root` (its files, else the page
    for an HTML request); everything else unmatched stays the router's JSON 404."""
    web = WebApp(root)
    if not web.built:
        log.info("the web app is not built (no %s): / says how to build it", web.index)
    not_found = app.router.default

    async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await not_found(scope, receive, send)
            return
        request = Request(scope, receive)
        response = await run_in_threadpool(web.get, request, request.url.path.lstrip("/"))
        await response(scope, receive, send)

    app.router.default = fallback
    app.state.web_app = web
    return web


def install_compression(app: FastAPI) -> None:
    """Compress responses of 1 KB and more on the fly (JS, CSS, HTML, JSON, SVG: the types
    `starlette_compress` lists): zstd for a client that accepts it (browsers, httpx), else
    gzip. Event streams are left alone, as are WebSockets (not HTTP responses), media that
    is already compressed, raw bytes (``application/octet-stream``) and a response that has
    a ``Content-Encoding`` already (a ``.gz`` twin).

    Levels for speed: a backtest's 0.4 MB answer took as long to gzip at level 6 as the
    engine took to run it (bench/backtest.py, section 5); at level 1 a sixth of that, and zstd
    level 1 compresses the same answer about three times faster again, no larger, and decodes
    about three times faster. Static files have their level-9 gzip twins made at build time."""
    remove_compress_type("text/event-stream")  # served uncompressed, message by message
    app.add_middleware(
        CompressMiddleware,
        minimum_size=1024,
        zstd=True,
        zstd_level=1,
        brotli=False,
        gzip=True,
        gzip_level=1,
    )
