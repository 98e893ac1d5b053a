"""Every language folder is validated and loaded the same way: a new language needs no test edits."""

from __future__ import annotations

import pytest

from vigie.lang.loader import available_languages, load_language
from vigie.ontology import plover_types
from vigie.stages.attribution import status_patterns
from vigie.stages.entities import alias_table
from vigie.stages.events import FRAME, trigger_set


@pytest.mark.parametrize("code", available_languages())
def test_language_data_loads_and_names_only_plover_types(code: str) -> None:
    lang = load_language(code)
    triggers = trigger_set(lang)  # raises ConfigError on an unknown type or mode
    types = {p.payload.type for group in triggers.by_first.values() for p in group} - {FRAME}
    assert types <= set(plover_types())
    assert len(types) >= 10, f"{code}: triggers cover only {sorted(types)}"


@pytest.mark.parametrize("code", available_languages())
def test_language_data_has_attribution_cues_and_aliases(code: str) -> None:
    lang = load_language(code)
    statuses = {p.payload[0] for group in status_patterns(lang).by_first.values() for p in group}
    assert {"denied", "unconfirmed", "reported"} <= statuses
    assert alias_table(code, lang).by_text, f"{code}: actors.tsv has no aliases"


@pytest.mark.parametrize("code", available_languages())
def test_language_data_tsv_rows_have_canonical_names(code: str) -> None:
    for row in load_language(code).tsv("actors"):
        assert len(row) >= 2 and row[0] and row[1], f"{code}/actors.tsv: bad row {row}"


def _scalars(value: object) -> list[object]:
    if isinstance(value, dict):
        return [v for item in value.values() for v in _scalars(item)]
    if isinstance(value, list):
        return [v for item in value for v in _scalars(item)]
    return [value]


@pytest.mark.parametrize("code", available_languages())
def test_language_data_lists_hold_no_yaml_booleans(code: str) -> None:
    """YAML reads bare no/on/yes/off as booleans: a word list must quote them."""
    lang = load_language(code)
    for name in ("triggers", "attribution", "loaded", "actors", "dates", "numbers", "places"):
        data = lang.yaml(name)
        for key, value in data.items():
            if isinstance(value, list):
                bad = [v for v in _scalars(value) if isinstance(v, bool)]
                assert not bad, f"vigie/lang/{code}/{name}.yaml: {key} holds a boolean; quote the word"
