"""`vigie batch` on an in-process Dask cluster: the same events as `vigie ingest`, errors reported, resumable.

The corpus is a dozen short French and English reports in our own words, with two unreadable rows. Workers
are threads of this process (`--threads`), so the models load once for the whole file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from vigie.batch import ERRORS, MARKERS, completed_partitions, load_output, read_events, read_inputs, run_batch
from vigie.cli import cli
from vigie.ingest import ingest
from vigie.records import Article, EventQuery
from vigie.store import open_store

pytestmark = pytest.mark.slow

ARTICLES = [
    ("lyon-greve", "fr", "2023-03-07", "Mardi, plusieurs milliers de manifestants ont défilé à Lyon contre la "
     "réforme des retraites, selon la préfecture."),
    ("nantes-arrestations", "fr", "2023-04-02", "La police a arrêté six militants qui bloquaient le port de "
     "Nantes le 1er avril."),
    ("lille-greve", "fr", "2022-11-15", "Les conducteurs de tramway de Lille sont en grève depuis lundi pour "
     "réclamer des hausses de salaire."),
    ("marseille-fusillade", "fr", "2024-01-20", "Deux hommes ont été blessés par balle vendredi soir dans un "
     "quartier nord de Marseille, a indiqué le parquet."),
    ("toulouse-accord", "fr", None, "Le gouvernement a signé un accord avec les syndicats de Toulouse sur la "
     "rénovation des écoles."),
    ("rennes-occupation", "fr", "2023-05-10", "Environ deux cents étudiants ont occupé un amphithéâtre de "
     "l'université de Rennes pour protester contre la hausse des frais."),
    ("sports", "fr", "2023-05-11", "Le club de Bordeaux a gagné son match de football samedi soir."),
    ("leeds-protest", "en", "2023-06-03", "On Saturday, thousands of people marched in Leeds to protest against "
     "the closure of the hospital, police said."),
    ("glasgow-strike", "en", "2022-09-12", "Bus drivers in Glasgow went on strike on Monday to demand higher "
     "wages, the union said."),
    ("cardiff-arrests", "en", "2024-02-14", "Police arrested four activists who blocked a motorway near Cardiff "
     "on Tuesday."),
    ("bristol-attack", "en", None, "A bomb exploded outside a police station in Bristol, injuring two officers, "
     "officials said."),
    ("boom", "en", "2023-07-01", "BOOM: armed men attacked a convoy near Belfast on Friday, killing three soldiers."),
]  # fmt: skip
BAD_ROWS = ['{"doc_id": "broken", "text": "unterminated', '{"doc_id": "no-text", "title": "a title only"}']


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """articles/ with a JSON Lines file (ten articles and two bad rows, in the middle) and two .txt files."""
    folder = tmp_path_factory.mktemp("batch") / "articles"
    folder.mkdir()
    rows = []
    for doc_id, lang, published, text in ARTICLES[:10]:
        rows.append(json.dumps({"doc_id": doc_id, "lang": lang, "published": published, "text": text}))
    rows[5:5] = BAD_ROWS
    (folder / "feed.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    for doc_id, _, published, text in ARTICLES[10:]:
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        if published:
            (folder / f"{doc_id}.meta.json").write_text(json.dumps({"published": published}), encoding="utf-8")
    return folder


def batch(corpus: Path, out: Path, size: int = 3) -> Any:
    return run_batch([corpus], out, workers=1, processes=False, partition_size=size)


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run, partitions of two items."""
    out = tmp_path_factory.mktemp("reference") / "out"
    report = batch(corpus, out, size=2)
    assert report.partitions == 7 and not report.failed_partitions
    return out


def sorted_dicts(events: Any) -> list[dict[str, Any]]:
    return sorted((e.model_dump(mode="json") for e in events), key=lambda d: d["id"])


def test_batch_events_equal_ingest_field_for_field(corpus: Path, tmp_path: Path) -> None:
    report = batch(corpus, tmp_path / "out")
    assert report.partitions == 5 and report.documents == 12 and report.errors == 2
    with open_store(str(tmp_path / "ingest.db")) as store:
        ingest([corpus], store)
        ingested = sorted_dicts(store.events(EventQuery()))
        ingested_docs = {d.doc_id: d.model_dump(exclude={"ingested_at"}) for d in store.documents()}
    batched = sorted_dicts(read_events(tmp_path / "out"))
    assert len(ingested) >= 10
    assert batched == ingested

    # and through `vigie load`, twice: the same store as `vigie ingest`, nothing added the second time
    db = str(tmp_path / "loaded.db")
    runner = CliRunner()
    first = runner.invoke(cli, ["load", str(tmp_path / "out"), "--db", db])
    assert first.exit_code == 0, first.output
    second = runner.invoke(cli, ["load", str(tmp_path / "out"), "--db", db])
    assert "loaded 0 documents" in second.output and "12 already stored" in second.output
    with open_store(db) as store:
        assert sorted_dicts(store.events(EventQuery())) == ingested
        loaded_docs = {d.doc_id: d.model_dump(exclude={"ingested_at"}) for d in store.documents()}
    assert loaded_docs == ingested_docs


def test_events_partitioned_by_month_and_language(reference: Path) -> None:
    folders = {p.parent.relative_to(reference / "events").as_posix() for p in reference.rglob("events/*/*/*.parquet")}
    assert "month=2023-03/lang=fr" in folders and any(f.endswith("lang=en") for f in folders)
    assert all(f.startswith("month=") for f in folders)
    dataset = pq.ParquetDataset(reference / "events")  # hive partitions come back as columns
    table = dataset.read(columns=["id", "month", "lang", "date"])
    for row in table.to_pylist():
        assert row["month"] == (row["date"][:7] if row["date"] else "undated")
    assert table.num_rows == len(read_events(reference))


def test_bad_articles_land_in_the_errors_table(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vigie.pipeline

    real = vigie.pipeline.extract

    def exploding(article: Article) -> Any:
        if article.text.startswith("BOOM"):
            raise RuntimeError("the model fell over")
        return real(article)

    monkeypatch.setattr(vigie.pipeline, "extract", exploding)  # worker threads share this process
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(corpus), "--out", str(out), "--threads", "--workers", "1",
                                      "--partition-size", "4"])  # fmt: skip
    assert result.exit_code == 1, result.output  # errors, like `vigie ingest` with skipped articles
    assert "11 documents" in result.output and "3 errors" in result.output
    errors = pa.concat_tables([pq.read_table(p) for p in sorted((out / ERRORS).glob("*.parquet"))]).to_pylist()
    by_id = {e["doc_id"]: e for e in errors}
    assert set(by_id) == {"feed-6", "no-text", "boom"}
    assert by_id["feed-6"]["stage"] == "read" and "invalid JSON" in by_id["feed-6"]["reason"]
    assert by_id["no-text"]["stage"] == "read" and "missing 'text'" in by_id["no-text"]["reason"]
    assert by_id["boom"]["stage"] == "extract" and "the model fell over" in by_id["boom"]["reason"]
    assert {e.doc_id for e in read_events(out)} >= {"lyon-greve", "leeds-protest", "cardiff-arrests"}
    with open_store(str(tmp_path / "db.sqlite")) as store:
        load_output(out, store)
        unreadable = {d.doc_id for d in store.documents() if d.outcome == "unreadable"}
    assert unreadable == {"feed-6", "no-text", "boom"}


def output_files(out: Path) -> dict[str, Any]:
    """Every visible file of an output: Parquet as rows, markers as JSON."""
    files: dict[str, Any] = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if path.is_dir() or path.name.startswith("."):
            continue
        files[relative] = pq.read_table(path).to_pylist() if path.suffix == ".parquet" else path.read_text()
    return files


def test_killed_batch_resumes_to_the_same_output(corpus: Path, reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from vigie.cli import main; main()", "batch", str(corpus), "--out", str(out),
               "--threads", "--workers", "1", "--partition-size", "2", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list((out / MARKERS).glob("*.json")):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "no partition written in 120 s"
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)  # the whole run, as when the machine goes down
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done = completed_partitions(out)
    assert 1 <= len(done) < 7
    (out / "documents" / ".part-0123.parquet.deadbeef.tmp").write_bytes(b"half a file")  # a killed write

    report = batch(corpus, out, size=2)
    assert report.skipped_partitions == len(done) and not report.failed_partitions
    assert not list(out.rglob("*.tmp"))
    assert output_files(out) == output_files(reference)
    ids = [e.id for e in read_events(out)]
    assert len(ids) == len(set(ids)) == len(read_events(reference))

    # a finished output: nothing to do, no cluster started
    again = batch(corpus, out, size=2)
    assert again.skipped_partitions == again.partitions == 7 and again.dashboard is None


def test_parquet_input_and_content_based_partition_ids(tmp_path: Path) -> None:
    table = pa.table({"doc_id": ["a", None], "text": ["Des manifestants ont défilé à Lyon.", " "],
                      "published": ["2023-03-07", None]})  # fmt: skip
    pq.write_table(table, tmp_path / "in.parquet")
    items = list(read_inputs([tmp_path / "in.parquet"]))
    assert isinstance(items[0], Article) and items[0].doc_id == "a" and str(items[0].published) == "2023-03-07"
    assert not isinstance(items[1], Article) and items[1].doc_id == "in-2"

    from vigie.batch import partitions

    def ids(texts: list[str]) -> Iterator[str]:
        return (p.id for p in partitions([Article(text=t) for t in texts], 2))

    assert list(ids(["a", "b", "c"])) == list(ids(["a", "b", "c"]))
    assert next(ids(["a", "b"])) != next(ids(["a", "x"]))
    assert len(list(partitions([Article(text="a"), Article(text="a"), Article(text="b")], 1))) == 2  # repeats
