"""The API reference pages work without internet: every script, style and icon they load
comes from this server."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

URL = re.compile(r"""(?:src|href|spec-url)=["']([^"']+)["']|url: ?["']([^"']+)["']""")
EXPECTED_TYPES = {
    ".js": "javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
}


def _references(html: str) -> list[str]:
    return [a or b for a, b in URL.findall(html)]


@pytest.mark.parametrize(
    ("page", "marker"),
    [
        pytest.param("/api/docs", "SwaggerUIBundle", id="swagger-ui"),
        pytest.param("/api/redoc", "<redoc", id="redoc"),
    ],
)
def test_docs_pages_load_only_local_assets(client: TestClient, page: str, marker: str):
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert marker in html
    assert "http://" not in html
    assert "https://" not in html
    assert 'validatorUrl": null' in html or page == "/api/redoc"
    references = _references(html)
    assert "/api/openapi.json" in references
    assert len(references) >= 3  # the document, a script, an icon (and Swagger's style)
    for url in references:
        assert url.startswith("/api/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert EXPECTED_TYPES[suffix] in asset.headers["content-type"], url
        assert len(asset.content) > 1000, url  # the real file, not an error page


def test_the_bundled_scripts_are_the_real_libraries(client: TestClient):
    swagger = client.get("/api/docs-assets/swagger-ui-bundle.js").text
    assert "SwaggerUIBundle" in swagger
    assert "Redoc" in client.get("/api/docs-assets/redoc.standalone.js").text
    assert client.get("/api/docs-assets/../settings.py").status_code == 404
