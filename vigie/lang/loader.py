"""Language data: one folder per language under vigie/lang/, read once and cached.

A folder holds YAML and TSV files only (no code). `language.yaml` is required; every other file is
optional, and a missing file reads as empty, so a new language can start small.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from vigie.errors import ConfigError

LANG_PACKAGE = "vigie.lang"


@dataclass(frozen=True, eq=False)  # one instance per language (cached), hashed by identity
class LanguageData:
    code: str
    name: str
    backend: str  # a spaCy model name, "natasha", or "none" (fallback tokenizer)
    config: dict[str, Any]

    def yaml(self, name: str) -> dict[str, Any]:
        """The parsed `<name>.yaml` of this language ({} when the file is absent)."""
        return _read_yaml(self.code, name)

    def tsv(self, name: str) -> list[list[str]]:
        """Rows of `<name>.tsv` (comments and blank lines skipped; [] when absent)."""
        return _read_tsv(self.code, name)


def _lang_dir(code: str) -> Any:
    return resources.files(LANG_PACKAGE).joinpath(code)


def available_languages() -> list[str]:
    """Codes of every language folder that has a language.yaml (xx, the neutral defaults, excluded)."""
    root = resources.files(LANG_PACKAGE)
    return sorted(
        p.name for p in root.iterdir() if p.is_dir() and p.name != "xx" and p.joinpath("language.yaml").is_file()
    )


@functools.cache
def _read_yaml(code: str, name: str) -> dict[str, Any]:
    path = _lang_dir(code).joinpath(f"{name}.yaml")
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"invalid YAML: {err}", where=f"vigie/lang/{code}/{name}.yaml") from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping at the top level", where=f"vigie/lang/{code}/{name}.yaml")
    return data


@functools.cache
def _read_tsv(code: str, name: str) -> list[list[str]]:
    path = _lang_dir(code).joinpath(f"{name}.tsv")
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append([cell.strip() for cell in line.split("\t")])
    return rows


@functools.cache
def load_language(code: str) -> LanguageData:
    """The data of one language; ConfigError when Vigie has no folder for it."""
    if code not in available_languages():
        raise ConfigError(f"no language data for {code!r}", hint=f"available: {', '.join(available_languages())}")
    config = _read_yaml(code, "language")
    for key in ("name", "backend"):
        if key not in config:
            raise ConfigError(f"missing key {key!r}", where=f"vigie/lang/{code}/language.yaml")
    return LanguageData(code=code, name=str(config["name"]), backend=str(config["backend"]), config=config)
