"""The few HTML pages the server itself serves until the web UI lands: home and link sign-in."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

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


@router.get("/", response_class=HTMLResponse)
def home() -> str:
    """Landing page."""
    return _HOME.format(style=_STYLE)


@router.get("/auth/verify", response_class=HTMLResponse)
def verify_page() -> str:
    """Completes a magic-link sign-in in the browser."""
    return _VERIFY.format(style=_STYLE)
