"""`vigie ingest` end to end through the real pipeline: bad input, re-ingestion, outcomes, dates, output, atomicity.

Paths are given relative to a temporary working folder, as a person types them (`vigie ingest in/`).
"""

from __future__ import annotations

import json
import runpy
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from vigie.cli import cli
from vigie.errors import StoreError
from vigie.store import sqlite as sqlite_store

SCORER = Path(__file__).resolve().parents[3] / "shared" / "tools" / "score_events.py"

# Ten short French reports in our own words; each city makes a distinct article (and content hash).
TEMPLATES = (
    "Samedi, plusieurs milliers de personnes ont manifesté à {city} contre la fermeture de la maternité.",
    "Les chauffeurs de bus de {city} sont en grève depuis lundi pour obtenir une prime de vie chère.",
    "La police a arrêté quatre militants écologistes qui bloquaient une route près de {city}.",
    "Un engin explosif a visé jeudi un poste de gendarmerie à {city}, sans faire de victime selon la préfecture.",
    "Le maire de {city} a rencontré les représentants des commerçants pour discuter de la sécurité du centre-ville.",
    "Des agriculteurs ont déversé du fumier devant la préfecture de {city} pour dénoncer la baisse des prix du lait.",
    "Le syndicat des enseignants de {city} a appelé à une journée de grève le 14 novembre.",
    "Deux hommes ont été blessés par balle lors d'une fusillade dans un quartier nord de {city}, a indiqué le parquet.",
    "Le gouvernement a signé avec les élus de {city} un accord sur la rénovation des logements sociaux.",
    "Environ trois cents étudiants ont occupé un amphithéâtre de l'université de {city} pour protester.",
)
CITIES = ("Lyon", "Toulouse", "Nantes", "Lille", "Rennes")
FIFTY = {f"{city.lower()}-{n:02d}.txt": text.format(city=city) for n, text in enumerate(TEMPLATES) for city in CITIES}

PROTEST = "Mardi, plusieurs centaines de manifestants ont défilé à Lyon contre la hausse des loyers."
SPORTS = (
    "Le club de Nantes a remporté son match de football samedi soir face à Lens. "
    "Les supporters ont chanté jusqu'à minuit."
)
GERMAN = (
    "Die Polizei hat am Montag in Berlin mehrere Demonstranten festgenommen. "
    "Die Proteste richteten sich gegen die Regierung."
)
DAY_MONTH = "Le 12 mars, des grévistes ont bloqué le port de Marseille pour réclamer des hausses de salaire."
ALMATY = (
    "Le 5 janvier, des milliers de personnes ont manifesté à Almaty contre la hausse du prix du gaz. "
    "Selon la police, trois mille personnes étaient présentes."
)


def write_folder(folder: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write each file (text as UTF-8, bytes as given) into `folder`; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8")
    return folder


def write_huge(folder: Path) -> None:
    # Sparse: 50 MB on paper, nothing on disk, so the size check is what refuses it.
    with (folder / "enorme.txt").open("wb") as handle:
        handle.truncate(50_000_000)


def write_broken_sidecar(folder: Path) -> None:
    write_folder(folder, {"cassee.txt": PROTEST.replace("Lyon", "Grenoble"), "cassee.meta.json": '{"lang": "fr", x}'})


# Each bad input: what makes it, the file named in the error, and how the problem starts.
BAD_INPUTS: dict[str, tuple[Callable[[Path], object], str, str]] = {
    "empty": (lambda d: write_folder(d, {"vide.txt": b""}), "vide.txt", "empty file"),
    "binary": (
        lambda d: write_folder(d, {"image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}),
        "image.txt",
        "binary file",
    ),
    "latin-1": (
        lambda d: write_folder(d, {"latin.txt": "Le 3 mai, des étudiants ont manifesté à Rennes.".encode("latin-1")}),
        "latin.txt",
        "not valid UTF-8 (byte 0xe9",
    ),
    "too large": (write_huge, "enorme.txt", "larger than the 20 MB limit (50 MB)"),
    "bad sidecar": (write_broken_sidecar, "cassee.txt", "sidecar cassee.meta.json: invalid JSON"),
}

GOOD_THREE = {name: FIFTY[name] for name in ("lyon-00.txt", "lille-03.txt", "rennes-07.txt")}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(workdir: Path) -> str:
    return str(workdir / "store" / "vigie.db")


def invoke(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, list(args), catch_exceptions=False)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def documents(runner: CliRunner, db: str, *args: str) -> dict[str, dict[str, Any]]:
    result = invoke(runner, "documents", "--format", "jsonl", "--db", db, *args)
    assert result.exit_code == 0, result.output
    return {row["doc_id"]: row for row in map(json.loads, result.stdout.splitlines())}


def events(runner: CliRunner, db: str, *args: str) -> list[dict[str, Any]]:
    result = invoke(runner, "events", "--format", "jsonl", "--db", db, *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


# -- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_ingest_reports_bad_file_and_stores_the_rest(runner: CliRunner, db: str, case: str) -> None:
    make_bad, bad_name, problem = BAD_INPUTS[case]
    folder = write_folder(Path("in"), GOOD_THREE)
    make_bad(folder)

    result = invoke(runner, "ingest", "in", "--db", db, "--quiet")

    assert result.exit_code == 1
    [line] = error_lines(result)
    assert line.startswith(f"error: in/{bad_name}: {problem}")
    assert "ingested 3 documents" in result.stderr
    assert "1 skipped" in result.stderr
    stored = documents(runner, db)
    assert {d: stored[d]["outcome"] for d in stored} == {
        **{Path(name).stem: "events" for name in GOOD_THREE},
        Path(bad_name).stem: "unreadable",
    }
    assert stored[Path(bad_name).stem]["reason"].startswith(problem)


@pytest.mark.parametrize("case", ["latin-1", "bad sidecar"])
def test_ingest_error_is_one_line_when_stderr_is_not_a_terminal(runner: CliRunner, db: str, case: str) -> None:
    make_bad, bad_name, _ = BAD_INPUTS[case]
    make_bad(write_folder(Path("in"), {}))

    result = invoke(runner, "ingest", "in", "--db", db, "--quiet")

    reason = documents(runner, db)[Path(bad_name).stem]["reason"]
    assert f"error: in/{bad_name}: {reason}" in result.stderr.splitlines()


def test_ingest_names_each_bad_file_on_one_stderr_line(runner: CliRunner, db: str) -> None:
    BAD_INPUTS["binary"][0](write_folder(Path("in"), GOOD_THREE))

    result = invoke(runner, "ingest", "in", "--db", db, "--quiet")

    assert [line for line in result.stderr.splitlines() if "image.txt" in line] == [
        "error: in/image.txt: binary file (NUL bytes)"
    ]


def test_ingest_latin1_file_lands_with_encoding_option(runner: CliRunner, db: str) -> None:
    BAD_INPUTS["latin-1"][0](write_folder(Path("in"), {}))

    result = invoke(runner, "ingest", "in", "--db", db, "--quiet", "--encoding", "latin-1")

    assert result.exit_code == 0, result.stderr
    assert documents(runner, db)["latin"]["outcome"] == "events"
    assert any("étudiants ont manifesté" in e["evidence"]["text"] for e in events(runner, db))


def test_ingest_one_bad_file_among_fifty(runner: CliRunner, db: str) -> None:
    folder = write_folder(Path("in"), FIFTY)
    BAD_INPUTS["binary"][0](folder)

    result = invoke(runner, "ingest", "in", "--db", db, "--quiet")

    assert result.exit_code == 1
    assert [line.split(":")[1] for line in error_lines(result)] == [" in/image.txt"]
    assert "ingested 50 documents" in result.stderr
    assert "1 skipped" in result.stderr
    stored = documents(runner, db)
    assert len(stored) == 51
    assert stored.pop("image")["outcome"] == "unreadable"
    assert {row["outcome"] for row in stored.values()} <= {"events", "no_trigger"}
    assert {e["doc_id"] for e in events(runner, db)} == {d for d, row in stored.items() if row["outcome"] == "events"}


def test_ingest_good_folder_exits_zero_and_reingest_adds_nothing(runner: CliRunner, db: str) -> None:
    write_folder(Path("in"), {**GOOD_THREE, "sport.txt": SPORTS})

    first = invoke(runner, "ingest", "in", "--db", db, "--quiet")
    before = events(runner, db)
    again = invoke(runner, "ingest", "in", "--db", db, "--quiet")

    assert first.exit_code == 0, first.stderr
    assert error_lines(first) == []
    assert "ingested 4 documents" in first.stderr
    assert again.exit_code == 0, again.stderr
    assert "ingested 0 documents, 0 events; 4 already stored" in again.stderr
    after = events(runner, db)
    assert [e["id"] for e in after] == [e["id"] for e in before]
    assert len(before) >= 3
    assert len(documents(runner, db)) == 4


# -- every document accounted for ---------------------------------------------------------------------------


def test_documents_no_events_lists_why(runner: CliRunner, db: str) -> None:
    write_folder(Path("in"), {"manif.txt": PROTEST, "sport.txt": SPORTS, "berlin.txt": GERMAN, "vide.txt": " \n"})
    assert invoke(runner, "ingest", "in", "--db", db, "--quiet").exit_code == 1

    quiet = documents(runner, db, "--no-events")
    table = invoke(runner, "documents", "--no-events", "--db", db)

    assert {d: (row["outcome"], row["lang"]) for d, row in quiet.items()} == {
        "sport": ("no_trigger", "fr"),
        "berlin": ("unsupported_language", "de"),
        "vide": ("unreadable", None),
    }
    assert quiet["vide"]["reason"].startswith("empty file")
    assert "de" in quiet["berlin"]["reason"]
    assert documents(runner, db)["manif"]["outcome"] == "events"
    assert table.exit_code == 0
    for word in ("sport", "no_trigger", "berlin", "vide", "empty file"):
        assert word in table.stdout
    assert "manif" not in table.stdout


@pytest.mark.parametrize(
    "text",
    [
        "Des centaines de chauffeurs de taxi ont protesté mardi à Bordeaux contre la nouvelle réglementation.",
        "Le syndicat des enseignants de Lyon a appelé à la grève pour le 14 novembre.",
    ],
    ids=["protester", "appeler à la grève"],
)
def test_ingest_codes_common_french_protest_wording(runner: CliRunner, db: str, text: str) -> None:
    write_folder(Path("in"), {"article.txt": text})

    invoke(runner, "ingest", "in", "--db", db, "--quiet", "--published", "2022-11-08")

    # a call to strike is coded as the request or as the planned strike (PLOVER accepts either)
    assert {"PROTEST", "REQUEST"} & {e["type"] for e in events(runner, db)}


# -- overrides and dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "doc_lang", "doc_published", "event_date"),
    [
        ([], "fr", "2021-03-01", "2021-01-05"),
        (["--published", "2022-01-06"], "fr", "2022-01-06", "2022-01-05"),
        (["--lang", "fr", "--published", "2022-01-06"], "fr", "2022-01-06", "2022-01-05"),
    ],
)
def test_ingest_overrides_sidecar_metadata(
    runner: CliRunner, db: str, args: list[str], doc_lang: str, doc_published: str, event_date: str
) -> None:
    folder = write_folder(Path("in"), {"almaty.txt": ALMATY})
    (folder / "almaty.meta.json").write_text('{"published": "2021-03-01"}', encoding="utf-8")

    result = invoke(runner, "ingest", "in", "--db", db, "--quiet", *args)

    assert result.exit_code == 0, result.stderr
    doc = documents(runner, db)["almaty"]
    assert (doc["lang"], doc["published"]) == (doc_lang, doc_published)
    protests = [e for e in events(runner, db) if e["type"] == "PROTEST"]
    assert protests
    assert {e["date"] for e in protests} == {event_date}


@pytest.mark.parametrize(("lang", "outcome"), [("fr", "events"), ("de", "unsupported_language")])
def test_ingest_lang_option_overrides_sidecar(runner: CliRunner, db: str, lang: str, outcome: str) -> None:
    folder = write_folder(Path("in"), {"manif.txt": PROTEST})
    (folder / "manif.meta.json").write_text('{"lang": "en"}', encoding="utf-8")

    invoke(runner, "ingest", "in", "--db", db, "--quiet", "--lang", lang)

    doc = documents(runner, db)["manif"]
    assert (doc["lang"], doc["outcome"]) == (lang, outcome)


def test_ingest_without_publication_date_keeps_events_and_never_invents_a_year(runner: CliRunner, db: str) -> None:
    write_folder(Path("in"), {"port.txt": DAY_MONTH})

    result = invoke(runner, "ingest", "in", "--db", db, "--quiet")

    assert result.exit_code == 0, result.stderr
    assert documents(runner, db)["port"]["published"] is None
    found = events(runner, db)
    assert found
    for event in found:
        assert event["date"] is None
        assert event["date_status"] == "unresolved"
        assert "year_unknown" in event["flags"]
        assert event["date_text"] == "Le 12 mars"


def test_ingest_published_resolves_day_month_date(runner: CliRunner, db: str) -> None:
    write_folder(Path("in"), {"port.txt": DAY_MONTH})

    invoke(runner, "ingest", "in", "--db", db, "--quiet", "--published", "2023-03-14")

    found = events(runner, db)
    assert found
    assert {(e["date"], e["date_status"]) for e in found} == {("2023-03-12", "exact")}
    assert all("year_unknown" not in e["flags"] for e in found)


# -- output -------------------------------------------------------------------------------------------------


@pytest.fixture
def almaty_db(runner: CliRunner, db: str) -> str:
    folder = write_folder(Path("in"), {"almaty.txt": ALMATY})
    (folder / "almaty.meta.json").write_text('{"published": "2022-01-06", "lang": "fr"}', encoding="utf-8")
    assert invoke(runner, "ingest", "in", "--db", db, "--quiet").exit_code == 0
    return db


def test_events_jsonl_has_the_keys_the_scorer_reads(runner: CliRunner, almaty_db: str) -> None:
    found = events(runner, almaty_db)

    assert found
    for event in found:
        assert event["doc_id"] == "almaty"
        assert isinstance(event["type"], str)
        assert event["date"] == "2022-01-05"
        assert event["place"]["country"] == "KZ"
        assert abs(event["place"]["lat"] - 43.25) < 0.5
        assert abs(event["place"]["lon"] - 76.9) < 0.5
        assert event["evidence"]["text"] in ALMATY
        assert isinstance(event["flags"], list)
        assert event["attribution"]["status"] in {
            "asserted",
            "reported",
            "unconfirmed",
            "preliminary",
            "planned",
            "denied",
        }
        assert isinstance(event["quantities"], dict)


@pytest.mark.skipif(not SCORER.is_file(), reason=f"the shared scorer is not at {SCORER}")
def test_events_jsonl_matches_gold_in_the_shared_scorer(runner: CliRunner, almaty_db: str) -> None:
    scorer = runpy.run_path(str(SCORER))
    gold = {
        "doc_id": "almaty", "accept": ["PROTEST"], "evidence": "des milliers de personnes ont manifesté à Almaty",
        "date": "2022-01-05", "country": "KZ", "lat": 43.25, "lon": 76.95, "radius_km": 30,
    }  # fmt: skip

    assert any(scorer["matches"](gold, event) for event in events(runner, almaty_db))


def test_show_prints_the_evidence(runner: CliRunner, almaty_db: str) -> None:
    event = events(runner, almaty_db)[0]

    result = invoke(runner, "show", event["id"][:8], "--db", almaty_db)

    assert result.exit_code == 0, result.output
    assert event["id"] in result.stdout
    # The evidence is shown within its paragraph, which the terminal may wrap.
    assert " ".join(event["evidence"]["text"].split()) in " ".join(result.stdout.split())


# -- the store is never half-written ------------------------------------------------------------------------


def stored_rows(db: str) -> tuple[int, int]:
    """How many document and event rows the store file holds, read through a connection of its own."""
    with sqlite3.connect(db) as conn:
        return (
            conn.execute("SELECT count(*) FROM documents").fetchone()[0],
            conn.execute("SELECT count(*) FROM events").fetchone()[0],
        )


def fail_third_save(monkeypatch: pytest.MonkeyPatch, db: str, inside_transaction: bool) -> list[tuple[int, int]]:
    """Make the store's third save() fail: refused before it starts, or when its events are written.

    Returns a list that receives the store's row counts just before and just after the failed save.
    """
    original = sqlite_store.SQLiteStore.save
    real_tally_rows = sqlite_store.tally_rows
    calls = {"n": 0}
    seen: list[tuple[int, int]] = []

    def broken_tally_rows(fresh: Any) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    def save(self: sqlite_store.SQLiteStore, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] != 3:
            return original(self, *args, **kwargs)
        seen.append(stored_rows(db))
        if not inside_transaction:
            raise StoreError("document not saved: disk I/O error", where=db)
        # The document and event rows are inserted first, then the tallies fail: the transaction must roll back whole.
        monkeypatch.setattr(sqlite_store, "tally_rows", broken_tally_rows)
        try:
            return original(self, *args, **kwargs)
        finally:
            monkeypatch.setattr(sqlite_store, "tally_rows", real_tally_rows)
            seen.append(stored_rows(db))

    monkeypatch.setattr(sqlite_store.SQLiteStore, "save", save)
    return seen


@pytest.mark.parametrize("inside_transaction", [False, True], ids=["refused", "mid-transaction"])
def test_ingest_store_failure_leaves_other_documents_whole(
    runner: CliRunner, db: str, inside_transaction: bool
) -> None:
    names = ("lyon-00.txt", "lille-02.txt", "nantes-07.txt", "rennes-01.txt")
    write_folder(Path("in"), {f"{letter}.txt": FIFTY[name] for letter, name in zip("abcd", names, strict=True)})
    with pytest.MonkeyPatch.context() as patch:
        seen = fail_third_save(patch, db, inside_transaction)
        result = invoke(runner, "ingest", "in", "--db", db, "--quiet")

    assert result.exit_code == 1
    [line] = error_lines(result)
    assert line.startswith("error: in/c.txt: ")
    assert "disk I/O error" in result.stderr
    assert "ingested 3 documents" in result.stderr
    if inside_transaction:
        before, after = seen
        assert after == before  # nothing of the failed document is left behind
    stored = documents(runner, db)
    found = events(runner, db)
    for doc_id in ("a", "b", "d"):
        assert stored[doc_id]["outcome"] == "events"
        assert stored[doc_id]["event_count"] == sum(e["doc_id"] == doc_id for e in found) > 0
    # The failed document is accounted for, with the reason, and none of its events are stored.
    assert stored["c"]["outcome"] == "unreadable"
    assert "disk I/O error" in stored["c"]["reason"]
    assert [e for e in found if e["doc_id"] == "c"] == []


def test_ingest_after_store_failure_stores_the_document(runner: CliRunner, db: str) -> None:
    write_folder(Path("in"), {f"{letter}.txt": FIFTY[f"toulouse-0{n}.txt"] for n, letter in enumerate("abc")})
    with pytest.MonkeyPatch.context() as patch:
        fail_third_save(patch, db, inside_transaction=True)
        invoke(runner, "ingest", "in", "--db", db, "--quiet")

    again = invoke(runner, "ingest", "in", "--db", db, "--quiet")

    assert again.exit_code == 0, again.stderr
    assert "ingested 1 document," in again.stderr
    assert documents(runner, db)["c"]["outcome"] == "events"
