"""The API reference: Swagger UI at /api/docs and ReDoc at /api/redoc, fully offline.

FastAPI's own pages load their scripts from a CDN, so a laptop without internet (or a
locked-down server) showed a blank page. Here the scripts, styles and icon are served from
the installed ``fastapi-offline`` package (pinned in the lock file), so the pages reference
only this server.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/api/docs-assets"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
OPENAPI_URL = "/api/openapi.json"
TITLE = "TraderTape API"

router = APIRouter(include_in_schema=False)


@router.get("/api/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    """Swagger UI: try the API from the browser (signed in, it sends your session cookie)."""
    return get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title=f"{TITLE} - Swagger UI",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        oauth2_redirect_url=None,
        # Swagger UI would otherwise send the document to its public validator for a badge.
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/api/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    """ReDoc: the same document as one readable page."""
    return get_redoc_html(
        openapi_url=OPENAPI_URL,
        title=f"{TITLE} - ReDoc",
        redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    )


def install_docs(app: FastAPI) -> None:
    """Add both pages and their assets to an app built with ``docs_url=None``."""
    app.include_router(router)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
