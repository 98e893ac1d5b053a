"""`vigie eval --crosslingual`: one event per language version, compared on type, date and place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vigie.cli import cli
from vigie.crosslingual import compare, evaluate_crosslingual, format_table, pick_event, split_doc_id
from vigie.errors import InputError

CROSSLINGUAL = Path(__file__).resolve().parents[1] / "eval" / "crosslingual"


def gold(doc: str, evidence: str, accept: tuple[str, ...] = ("PROTEST",)) -> dict[str, Any]:
    return {"doc": doc, "id": f"x{doc}", "accept": list(accept), "date": "2025-05-07", "tol": 0, "country": "AR",
            "lat": -31.4, "lon": -64.19, "radius_km": 50, "evidence": evidence}


def event(doc: str, evidence: str, type_: str = "PROTEST", date: str | None = "2025-05-07",
          place: str | None = "geonames:3860259", confidence: float = 0.5) -> dict[str, Any]:
    return {"doc_id": doc, "type": type_, "date": date, "evidence": {"text": evidence}, "confidence": confidence,
            "flags": [], "place": {"gazetteer_id": place, "country": "AR", "lat": -31.41, "lon": -64.19}}


LEADS = {"fr": "les chauffeurs ont fait grève mercredi", "en": "drivers staged a strike on wednesday",
         "ru": "водители провели забастовку в среду"}


def happening(key: str, **changes: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Three agreeing versions of happening `key`, with `changes` applied to some languages' events."""
    golds, events = [], []
    for lang, lead in LEADS.items():
        doc = f"{key}-{lang}"
        golds.append(gold(doc, lead))
        events.append(event(doc, lead.capitalize() + ".") | changes.get(lang, {}))
        events.append(event(doc, "Background of another day.", date="2025-01-01", confidence=0.9))
    return golds, events


def test_doc_ids_split_into_happening_and_language() -> None:
    assert split_doc_id("07-ru") == ("07", "ru")
    assert split_doc_id("kz-almaty-fr") == ("kz-almaty", "fr")
    assert split_doc_id("notes") is None


def test_the_gold_sentence_stands_for_the_happening_even_mistyped() -> None:
    g = gold("01-en", LEADS["en"])
    lead = event("01-en", "Drivers staged a strike on Wednesday to demand a raise.", type_="REQUEST")
    background = event("01-en", "It was the third strike this year.", confidence=0.9)
    assert pick_event([background, lead], g) == (lead, "evidence")
    right = event("01-en", "Drivers staged a strike on Wednesday.")
    assert pick_event([background, lead, right], g) == (right, "gold")
    misplaced = event("01-en", "Drivers staged a strike on Wednesday.", place="country:AR") | {
        "place": {"gazetteer_id": "country:AR", "country": "AR"}}
    assert pick_event([background, misplaced], g) == (misplaced, "type+evidence")
    assert pick_event([background], g) == (background, "type")
    assert pick_event([], g) == (None, "none")
    assert pick_event([lead, background], None) == (background, "confidence")


def test_agreement_is_the_share_of_happenings_agreeing_on_all_three() -> None:
    golds, events = [], []
    for key, changes in [
        ("01", {}),
        ("02", {}),
        ("03", {"ru": {"type": "ASSAULT"}}),  # the Russian version mistyped
        ("04", {"en": {"date": "2025-05-08"}}),
        ("05", {"fr": {"place": {"gazetteer_id": "country:AR", "country": "AR"}}}),
        ("06", {lang: {"date": None} for lang in LEADS}),  # no version dated: no agreement on the date
    ]:
        g, e = happening(key, **changes)
        golds += g
        events += e
    report = compare(events, golds)
    assert report.langs == ("en", "fr", "ru")
    assert [h.key for h in report.happenings] == ["01", "02", "03", "04", "05", "06"]
    assert [h.all_agree for h in report.happenings] == [True, True, False, False, False, False]
    assert report.agreement == pytest.approx(2 / 6)
    assert report.aspect_agreement("type") == pytest.approx(5 / 6)
    assert report.aspect_agreement("date") == pytest.approx(4 / 6)
    assert report.aspect_agreement("place") == pytest.approx(5 / 6)
    figures = report.as_dict()
    assert (figures["happenings"], figures["agreeing"]) == (6, 2)
    fifth = figures["per_happening"][4]
    assert (fifth["type_agrees"], fifth["date_agrees"], fifth["place_agrees"]) == (True, True, False)
    assert fifth["versions"]["fr"]["place"] == "country:AR" and fifth["versions"]["en"]["how"] == "gold"
    table = format_table(report)
    assert table.splitlines()[-1].startswith("agreement 0.33 (2/6 happenings agree")
    assert "country:AR" in table


def test_a_missing_version_or_event_is_a_disagreement() -> None:
    golds, events = happening("01")
    report = compare([e for e in events if e["doc_id"] != "01-fr"], golds)
    (only,) = report.happenings
    assert only.versions["fr"].how == "none" and not only.agrees("type") and report.agreement == 0.0
    report = compare(events, [g for g in golds if g["doc"] != "01-ru"], langs=("en", "fr", "ru", "uk"))
    assert report.happenings[0].versions["ru"].how == "confidence"  # no gold: the most confident event
    assert report.happenings[0].values("type")["uk"] is None and report.agreement == 0.0


def test_without_articles_named_by_language_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Rien à voir.", encoding="utf-8")
    with pytest.raises(InputError, match="NN-<lang>"):
        evaluate_crosslingual(tmp_path, lambda article: [])


def test_eval_command_needs_docs_and_gold_or_crosslingual(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["eval"])
    assert result.exit_code == 2 and "--crosslingual" in result.output
    result = CliRunner().invoke(cli, ["eval", str(tmp_path), "--crosslingual", str(tmp_path)])
    assert result.exit_code == 2


@pytest.mark.slow
def test_two_happenings_through_the_real_pipelines(tmp_path: Path) -> None:
    """Tripoli arrests and Kaduna release: the three versions of each read as one record."""
    keys = ("02", "08")
    for path in CROSSLINGUAL.iterdir():
        if path.name[:2] in keys:
            shutil.copy(path, tmp_path / path.name)
    rows = [json.loads(line) for line in (CROSSLINGUAL / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    (tmp_path / "gold.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if r["doc"][:2] in keys), encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["eval", "--crosslingual", str(tmp_path), "--json", "--min-agreement", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["happenings"], report["agreeing"], report["agreement"]) == (2, 2, 1.0)
    tripoli, kaduna = report["per_happening"]
    assert {v["place"] for v in tripoli["versions"].values()} == {"geonames:2210247"}
    assert {v["type"] for v in kaduna["versions"].values()} == {"RETREAT"}
    assert {v["date"] for v in kaduna["versions"].values()} == {"2025-03-01"}
