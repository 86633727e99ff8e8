"""The few HTML pages the server itself serves until the web UI lands: home and link sign-in."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;"
    "color:#1a1a1a}code{background:#f2f2f2;padding:.1rem .3rem}a{color:#0b5cad}"
)

# The link carries its token in the URL fragment, which browsers never send to servers
# or proxies' logs; this page posts it to the API, which sets the session cookie.
_VERIFY = """<!doctype html><html><head><meta charset="utf-8"><title>Signing in…</title>
<style>{style}</style></head><body><h1>TraderTape</h1><p id="msg">Signing you in…</p>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const msg = document.getElementById("msg");
if (!token) {{ msg.textContent = "This link has no token. Request a new one."; }}
else fetch("/api/auth/verify-link", {{method: "POST", credentials: "same-origin",
  headers: {{"Content-Type": "application/json"}}, body: JSON.stringify({{token}})}})
  .then(async r => {{
    if (r.ok) {{ history.replaceState(null, "", "/auth/verify"); location.href = "/"; }}
    else {{ const b = await r.json(); msg.textContent = b.detail || "Sign-in failed."; }}
  }});
</script></body></html>"""

_HOME = """<!doctype html><html><head><meta charset="utf-8"><title>TraderTape</title>
<style>{style}</style></head><body><h1>TraderTape</h1>
<p>The API is running. The web UI is not built yet; use the API directly:</p>
<ul><li><a href="/api/docs">API reference (OpenAPI)</a></li>
<li><a href="/api/health">Health</a></li>
<li><a href="/api/auth/me">Who am I</a> (after signing in)</li></ul>
<p>Sign in with <code>POST /api/auth/password-login</code> or a magic link
(<code>POST /api/auth/magic-link</code>).</p></body></html>"""


_DIST = Path(__file__).resolve().parents[2] / "web_dist"


@router.get("/", response_class=HTMLResponse)
def home() -> HTMLResponse:
    """The web app when it is built; otherwise a landing page."""
    index = _DIST / "index.html"
    if index.is_file():
        return HTMLResponse(index.read_text(encoding="utf-8"))
    return HTMLResponse(_HOME.format(style=_STYLE))


@router.get("/assets/{name}")
def asset(name: str) -> FileResponse:
    """The app's hashed files (interim: the web-serving work replaces this)."""
    path = (_DIST / "assets" / name).resolve()
    if path.parent != (_DIST / "assets").resolve() or not path.is_file():
        raise HTTPException(status_code=404, detail="not found")
    return FileResponse(path)


@router.get("/auth/verify", response_class=HTMLResponse)
def verify_page() -> str:
    """Completes a magic-link sign-in in the browser (the web app does it when built)."""
    index = _DIST / "index.html"
    if index.is_file():
        return index.read_text(encoding="utf-8")
    return _VERIFY.format(style=_STYLE)


@router.get("/{page:path}", response_class=HTMLResponse, response_model=None)
def app_route(page: str) -> HTMLResponse | FileResponse:
    """Client-side routes of the web app fall back to its index."""
    if page.startswith("api/"):
        raise HTTPException(status_code=404, detail="Not Found")
    top = (_DIST / page).resolve()
    if "/" not in page and top.parent == _DIST.resolve() and top.is_file():
        return FileResponse(top)  # favicon.svg and friends
    return home()
