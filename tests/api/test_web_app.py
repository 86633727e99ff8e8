"""The built web app at ``/``: hashed assets cached for a year, the page revalidated, client
routes falling back to the page, /api/ unknowns staying JSON 404s, compression (gzip twins
made at build time; zstd or gzip on the fly; never on event streams), the CSP, and a
helpful page when the UI is unbuilt."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import zstandard
from fastapi.testclient import TestClient

from tests.workers_kit import PREFIX, new_worker, set_price
from tradertape.runtime import Runtime
from tradertape.serving.webapp import IMMUTABLE
from tradertape.settings import Settings

INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-4f2a.js"></script>'
INDEX += '</head><body><div id="root"></div></body></html>'
SCRIPT = "export const rows = [" + ",".join(f'"row {n}"' for n in range(400)) + "];\n"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def web_root(tmp_path: Path) -> Path:
    root = tmp_path / "built"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "app-4f2a.js").write_text(SCRIPT)
    (root / "assets" / "vendor-9c1d.js").write_text("raw vendor")
    (root / "assets" / "vendor-9c1d.js.gz").write_bytes(gzip.compress(b"precompressed vendor"))
    (root / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (tmp_path / "secret.txt").write_text("not for the web")
    return root


@pytest.fixture
def settings(settings: Settings, web_root: Path) -> Settings:
    return settings.model_copy(update={"web_dist": web_root})


def test_home_is_the_app_revalidated_with_a_self_only_csp(client: TestClient):
    response = client.get("/", headers=HTML)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    policy = response.headers["content-security-policy"]
    csp = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self' 'unsafe-inline'"
    assert csp["img-src"] == "'self' data:"
    assert csp["connect-src"] == "'self' ws://testserver wss://testserver"
    assert csp["frame-ancestors"] == "'none'"
    assert "https:" not in response.headers["content-security-policy"]


def test_hashed_assets_are_immutable_and_gzipped(client: TestClient):
    response = client.get("/assets/app-4f2a.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.text == SCRIPT  # decoded by the client
    assert response.headers["content-encoding"] == "gzip"
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    plain = client.get("/assets/app-4f2a.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == SCRIPT


def test_a_precompressed_twin_is_sent_to_gzip_clients_only(client: TestClient):
    packed = client.get("/assets/vendor-9c1d.js", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.text == "precompressed vendor"
    assert "javascript" in packed.headers["content-type"]
    assert packed.headers["cache-control"] == IMMUTABLE
    assert packed.headers["vary"] == "Accept-Encoding"
    plain = client.get("/assets/vendor-9c1d.js", headers={"Accept-Encoding": "identity"})
    assert plain.text == "raw vendor"
    assert plain.headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize(
    "path", ["/orders", "/settings/brokers", "/auth/verify", "/chart/NSE:INFY"]
)
def test_client_routes_fall_back_to_the_app(client: TestClient, path: str):
    response = client.get(path, headers=HTML)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"
    assert "content-security-policy" in response.headers


def test_head_answers_without_a_body(client: TestClient):
    for path in ("/", "/orders", "/assets/app-4f2a.js"):
        response = client.head(path, headers=HTML)
        assert response.status_code == 200, path
        assert response.content == b""


def test_other_files_of_the_build_are_served_revalidated(client: TestClient):
    response = client.get("/favicon.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        pytest.param("/api/no-such-route", HTML, id="api-unknown-even-for-html"),
        pytest.param("/api", HTML, id="api-root"),
        pytest.param("/assets/missing-0000.js", HTML, id="missing-asset"),
        pytest.param("/orders", {"Accept": "application/json"}, id="not-asking-for-html"),
    ],
)
def test_what_is_not_the_app_stays_a_json_404(
    client: TestClient, path: str, headers: dict[str, str]
):
    response = client.get(path, headers=headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_nothing_outside_the_build_folder_is_served(client: TestClient):
    for path in ("/assets/..%2F..%2Fsecret.txt", "/..%2Fsecret.txt", "/%2E%2E/secret.txt"):
        response = client.get(path, headers=HTML)
        assert "not for the web" not in response.text, path


def test_the_api_still_answers_json(client: TestClient):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"


def test_event_streams_are_not_compressed(client: TestClient, runtime: Runtime):
    set_price(runtime, "NSE:INFY", "1500")
    worker = new_worker(client, runtime)
    worker.create_run("run_gz")
    headers = {"Authorization": f"Bearer {worker.secret}", "Accept-Encoding": "gzip, zstd"}
    path = f"{PREFIX}/runs/run_gz/pnl/stream"
    with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in response.headers
        first = next(response.iter_lines())
    assert first.startswith(("event:", ":", "id:", "retry:"))


def test_json_is_gzipped_when_large(client: TestClient):
    response = client.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["info"]["title"] == "TraderTape"


def test_a_client_that_takes_zstd_gets_zstd(client: TestClient):
    """What a browser asks with: zstd wins over gzip, and unpacks to the same document."""
    asked = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    with client.stream("GET", "/api/openapi.json", headers=asked) as response:
        packed = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "zstd"
    assert response.headers["vary"] == "Accept-Encoding"
    plain = client.get("/api/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    unpacked = zstandard.ZstdDecompressor().decompressobj().decompress(packed)
    assert unpacked == plain.content
    assert len(packed) < len(plain.content) / 4


def test_zstd_refused_by_quality_falls_back_to_gzip(client: TestClient):
    response = client.get("/api/openapi.json", headers={"Accept-Encoding": "zstd;q=0, gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["info"]["title"] == "TraderTape"


class TestUnbuilt:
    @pytest.fixture
    def settings(self, settings: Settings, tmp_path: Path) -> Settings:
        return settings.model_copy(update={"web_dist": tmp_path / "never-built"})

    def test_home_says_how_to_build_the_app(self, client: TestClient):
        response = client.get("/", headers=HTML)
        assert response.status_code == 200
        assert "make install" in response.text
        assert "/api/docs" in response.text

    def test_a_magic_link_still_signs_in(self, client: TestClient):
        page = client.get("/auth/verify", headers=HTML)
        assert page.status_code == 200
        assert "/api/auth/verify-link" in page.text

    def test_client_routes_get_the_build_hint(self, client: TestClient):
        assert "make install" in client.get("/orders", headers=HTML).text
