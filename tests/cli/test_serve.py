"""`vigie token create` and `vigie serve`: a token printed once and stored hashed; serve refuses a missing store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vigie.api.tokens import hash_token
from vigie.cli import cli
from vigie.errors import ConfigError
from vigie.store import open_store


def test_token_create_prints_a_token_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    db = tmp_path / "vigie.db"

    first = CliRunner().invoke(cli, ["token", "create", "--db", str(db), "--name", "feed"])
    second = CliRunner().invoke(cli, ["token", "create", "--db", str(db)])

    assert first.exit_code == 0, first.output
    token = first.stdout.strip()
    assert token.startswith("vigie_") and len(token) > 40
    assert second.stdout.strip() != token
    with open_store(str(db)) as store:
        assert store.has_token_hash(hash_token(token))
        assert store.has_token_hash(hash_token(second.stdout.strip()))
        assert not store.has_token_hash(token)
    written = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("vigie.db"))
    assert token.encode() not in written
    assert hash_token(token).encode() in written


def test_serve_runs_uvicorn_on_the_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    db = tmp_path / "vigie.db"
    open_store(str(db)).close()
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append({"app": app, **options}))

    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--port", "8123"])

    assert result.exit_code == 0, result.output
    assert "read-only" in result.stderr
    assert calls[0]["host"] == "127.0.0.1"
    assert calls[0]["port"] == 8123
    assert calls[0]["app"].openapi()["info"]["title"] == "Vigie"


def test_serve_refuses_a_missing_store(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"

    result = CliRunner().invoke(cli, ["serve", "--db", str(missing)])

    assert result.exit_code == 2
    assert "no event store here" in result.stderr
    assert not missing.exists()


def test_serve_with_workers_hands_uvicorn_the_app_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from vigie.api.app import SERVE_DB_ENV, create_app_from_environment

    db = tmp_path / "vigie.db"
    open_store(str(db)).close()
    monkeypatch.delenv(SERVE_DB_ENV, raising=False)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append({"app": app, **options}))

    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--workers", "2", "--log-level", "warning"])

    assert result.exit_code == 0, result.output
    assert calls[0]["app"] == "vigie.api.app:create_app_from_environment"
    assert calls[0]["factory"] is True and calls[0]["workers"] == 2 and calls[0]["access_log"] is False
    assert os.environ[SERVE_DB_ENV] == str(db)
    assert create_app_from_environment().openapi()["info"]["title"] == "Vigie"
    monkeypatch.delenv(SERVE_DB_ENV)
    with pytest.raises(ConfigError, match=SERVE_DB_ENV):
        create_app_from_environment()
