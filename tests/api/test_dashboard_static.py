"""The dashboard's files at "/": served from vigie/web/static with the API's security headers, never from a CDN."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vigie.api.app import STATIC_DIR

ASSETS = [
    ("/app.js", "javascript"),
    ("/app.css", "text/css"),
    ("/favicon.svg", "image/svg+xml"),
    ("/vendor/d3-array.min.js", "javascript"),
    ("/vendor/d3-geo.min.js", "javascript"),
    ("/vendor/topojson-client.min.js", "javascript"),
    ("/vendor/countries-110m.json", "application/json"),
    ("/vendor/countries-50m.json", "application/json"),
]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Any]:
    """A TestClient (httpx) on create_app over an empty SQLite store."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
        from fastapi.testclient import TestClient

    from vigie.api.app import create_app
    from vigie.api.deps import ApiSettings

    settings = ApiSettings(store_url=str(tmp_path / "vigie.db"), create_store=True)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def assert_strict_policy(response: Any) -> None:
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'self'")
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_dashboard_index_is_served_at_root_with_the_csp(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Vigie" in response.text
    assert "GeoNames" in response.text and "Natural Earth" in response.text
    assert_strict_policy(response)


@pytest.mark.parametrize(("path", "kind"), ASSETS)
def test_dashboard_assets_are_served_with_the_csp(client: Any, path: str, kind: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, path
    assert kind in response.headers["content-type"]
    assert len(response.content) > 100
    assert_strict_policy(response)


def test_dashboard_loads_nothing_from_elsewhere_and_nothing_inline() -> None:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    # Inline code would be blocked by the CSP: only files of this origin, by relative URL.
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "<style" not in html
    assert re.search(r"<[^>]*\s(style|on[a-z]+)\s*=", html) is None  # no inline style or event handler
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        if url.startswith("https://www.naturalearthdata.com/") or url.startswith("https://www.geonames.org/"):
            continue  # credit links in the footer, never fetched
        assert "://" not in url and not url.startswith("//"), url
    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "eval(" not in script


def test_unknown_api_paths_stay_json_errors(client: Any) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["ok"] is False
    assert client.post("/api/nothing-here").status_code == 404
    assert client.put("/api/documents").status_code == 405


def test_missing_dashboard_file_is_a_404(client: Any) -> None:
    response = client.get("/no-such-file.js")
    assert response.status_code == 404
    assert_strict_policy(response)
