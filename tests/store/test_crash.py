"""The store under real processes: killed with SIGKILL mid-document, and two writers at once, on every backend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from vigie.records import EventQuery
from vigie.store import Store, open_store

REPO = Path(__file__).resolve().parents[2]

# A batch job in its own process: synthetic documents saved through the Store API, one line printed per
# document saved. Arguments: URL PREFIX COUNT [HANG_AT [RECHECK]]. With HANG_AT=N it stops for good halfway
# through writing document N's events (after the document row, inside its transaction) and prints "inside" so
# the test can kill it right there; -1 never hangs. RECHECK=0 skips the has_document() check and calls save()
# for every document, leaving duplicates to the store.
JOB = """
import sys, time
from vigie.records import DocumentSummary, EventRecord
from vigie.store import open_store

url, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
hang_at = int(sys.argv[4]) if len(sys.argv) > 4 else -1
recheck = sys.argv[5] != "0" if len(sys.argv) > 5 else True

def event_count(i):
    return 1 + (i * 37) % 40

template = EventRecord.model_validate({
    "id": "x", "doc_id": "x", "type": "PROTEST", "date": "2022-01-05", "date_precision": "day",
    "place": {"name": "Almaty", "country": "KZ"}, "confidence": 0.8, "lang": "fr", "flags": ["hedge"],
    "evidence": {"text": "des milliers de manifestants ont protesté", "start": 0, "end": 41},
})
with open_store(url) as store:
    backend = sys.modules[type(store).__module__]
    real_row = backend.event_row
    for i in range(count):
        doc_id = f"{prefix}-{i:04d}"
        summary = DocumentSummary(doc_id=doc_id, content_hash="sha256:" + doc_id, lang="fr", outcome="events",
                                  event_count=event_count(i), ingested_at=f"2022-01-07T10:00:{i:04d}")
        if recheck and store.has_document(summary.content_hash):
            continue
        events = [template.model_copy(update={"id": f"{doc_id}-e{j:03d}", "doc_id": doc_id})
                  for j in range(event_count(i))]
        if i == hang_at:
            def hanging_row(event, stop_at=events[len(events) // 2].id):
                if event.id == stop_at:
                    print("inside", flush=True)
                    time.sleep(600)
                return real_row(event)
            backend.event_row = hanging_row
        store.save(summary, "Des milliers de manifestants ont protesté à Almaty.", events)
        print(doc_id, flush=True)
"""


def event_count(i: int) -> int:
    """How many events the job gives document i (the same rule as in JOB)."""
    return 1 + (i * 37) % 40


def start_job(url: str, prefix: str, count: int, hang_at: int = -1, recheck: bool = True) -> subprocess.Popen[str]:
    args = [sys.executable, "-c", JOB, url, prefix, str(count), str(hang_at), str(int(recheck))]
    return subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(job: subprocess.Popen[str], timeout: float = 60) -> list[str]:
    """Lines the job printed; fails the test if it did not exit cleanly."""
    out, err = job.communicate(timeout=timeout)
    assert job.returncode == 0, f"job failed ({job.returncode}):\n{err[-3000:]}"
    return out.split()


def assert_whole_documents(store: Store, prefix: str) -> list[int]:
    """Check every stored document of `prefix` has exactly its events; return the stored document numbers."""
    numbers = []
    for summary in store.documents():
        if not summary.doc_id.startswith(prefix + "-"):
            continue
        i = int(summary.doc_id.rsplit("-", 1)[1])
        expected = [f"{summary.doc_id}-e{j:03d}" for j in range(event_count(i))]
        stored = [e.id for e in store.events(EventQuery(doc_id=summary.doc_id))]
        assert stored == expected, f"{summary.doc_id}: {len(stored)} of {len(expected)} events"
        assert summary.event_count == len(expected)
        numbers.append(i)
    return sorted(numbers)


def test_store_killed_mid_document_keeps_whole_documents(store_url: str) -> None:
    count, hang_at = 40, 25
    open_store(store_url).close()  # migrated before the race, so the kill lands in a document, not a migration
    job = start_job(store_url, "doc", count, hang_at=hang_at)
    assert job.stdout is not None
    lines = []
    deadline = time.monotonic() + 60
    try:
        while (line := job.stdout.readline().strip()) != "inside":
            assert line, f"job ended early: {job.communicate()[1][-3000:]}"
            assert time.monotonic() < deadline, "job too slow"
            lines.append(line)
    finally:
        os.kill(job.pid, signal.SIGKILL)  # in the middle of a document, or a job that went wrong
        job.communicate(timeout=30)
    assert job.returncode == -signal.SIGKILL
    assert len(lines) == hang_at

    with open_store(store_url) as store:
        assert assert_whole_documents(store, "doc") == list(range(hang_at))
        assert store.get_document(f"doc-{hang_at:04d}") is None  # its row was written, never committed

    # The same job again picks up where the first one died and stores each document once.
    resumed = finish(start_job(store_url, "doc", count))
    assert resumed == [f"doc-{i:04d}" for i in range(hang_at, count)]
    with open_store(store_url) as store:
        assert assert_whole_documents(store, "doc") == list(range(count))
        assert store.counts() == {"documents": count, "events": sum(event_count(i) for i in range(count))}
        assert len(store.events(EventQuery(flag="hedge"))) == store.counts()["events"]


def test_store_two_writers_lose_nothing(store_url: str) -> None:
    count = 50
    # Both start on a store that does not exist yet: they also race to create and migrate it.
    writers = [start_job(store_url, prefix, count) for prefix in ("a", "b")]
    for prefix, writer in zip(("a", "b"), writers, strict=True):
        assert finish(writer) == [f"{prefix}-{i:04d}" for i in range(count)]
    with open_store(store_url) as store:
        for prefix in ("a", "b"):
            assert assert_whole_documents(store, prefix) == list(range(count))
        assert store.counts() == {"documents": 2 * count, "events": 2 * sum(event_count(i) for i in range(count))}


def test_store_writers_of_the_same_documents_store_them_once(store_url: str) -> None:
    count = 30
    open_store(store_url).close()
    # Neither checks has_document() first: each save() must see the other's commit and leave it as is.
    jobs = [start_job(store_url, "same", count, recheck=False) for _ in range(2)]
    for job in jobs:
        assert finish(job) == [f"same-{i:04d}" for i in range(count)]
    with open_store(store_url) as store:
        assert assert_whole_documents(store, "same") == list(range(count))
        assert store.counts()["documents"] == count
