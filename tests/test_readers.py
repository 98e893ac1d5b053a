"""Reading articles from files, folders and JSON Lines: good ones land, each bad one is one failure."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest

from vigie import readers
from vigie.errors import InputError
from vigie.readers import MAX_FILE_BYTES, ReadFailure, read_articles
from vigie.records import Article

TEXTS = {
    "fr": "Des centaines de manifestants se sont rassemblés samedi devant la mairie de Lyon. "
    "La police a interpellé six personnes, selon la préfecture.",
    "en": "Hundreds of dock workers walked out in Rotterdam on Monday over pay. "
    "Police said two people were detained near the port gates.",
    "ru": "В среду в Новосибирске около двухсот человек вышли на акцию протеста против закрытия больницы. "
    "Полиция задержала троих участников.",
}


def read(
    *paths: Path, lang: str | None = None, published: dt.date | None = None, encoding: str | None = None
) -> tuple[list[Article], list[ReadFailure]]:
    articles: list[Article] = []
    failures: list[ReadFailure] = []
    for item in read_articles(paths, lang=lang, published=published, encoding=encoding):
        if isinstance(item, Article):
            articles.append(item)
        else:
            failures.append(item)
    return articles, failures


def write_sidecar(path: Path, **meta: object) -> None:
    path.with_name(path.stem + ".meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("lang", ["fr", "en", "ru"])
def test_readers_reads_text_and_sidecar_metadata(tmp_path: Path, lang: str) -> None:
    path = tmp_path / f"strike-{lang}.txt"
    path.write_text(TEXTS[lang], encoding="utf-8")
    write_sidecar(
        path,
        doc_id=f"wire-{lang}-17",
        lang=lang.upper(),
        published="2023-04-12",
        url="https://example.org/a",
        source="Example Wire",
        title="Walkout",
        origin="translated by a machine",  # unknown keys are ignored
        notes=["kept for people"],
    )
    (article,), failures = read(path)
    assert failures == []
    assert article.text == TEXTS[lang]
    assert (article.doc_id, article.lang, article.published) == (
        f"wire-{lang}-17",
        lang,
        dt.date(2023, 4, 12),
    )
    assert (article.url, article.source, article.title) == (
        "https://example.org/a",
        "Example Wire",
        "Walkout",
    )
    assert article.path == str(path)


@pytest.mark.parametrize("lang", ["fr"])
def test_readers_doc_id_defaults_to_file_stem(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "lyon-rally.txt"
    path.write_text(TEXTS[lang], encoding="utf-8")
    (article,), _ = read(path)
    assert (article.doc_id, article.lang, article.published) == ("lyon-rally", None, None)


def test_readers_keeps_crlf_and_drops_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "Première ligne.\r\nDeuxième ligne.\r\n".encode())
    (article,), _ = read(path)
    assert article.text == "Première ligne.\r\nDeuxième ligne.\r\n"


def test_readers_accepts_utf16_with_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes(TEXTS["ru"].encode("utf-16"))
    (article,), _ = read(path)
    assert article.text == TEXTS["ru"]


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n  "])
def test_readers_empty_file_is_a_failure(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "blank.txt"
    path.write_bytes(content)
    articles, (failure,) = read(path)
    assert articles == []
    assert failure.path == str(path)
    assert failure.doc_id == "blank"
    assert failure.reason.startswith("empty file")


def test_readers_binary_file_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "scan.txt"
    path.write_bytes(b"%PDF-1.7\n\x00\x01\x02\xff\xfe binary stream")
    _, (failure,) = read(path)
    assert failure.reason == "binary file (NUL bytes)"


def test_readers_latin1_bytes_are_reported_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "greve.txt"
    text = "Les cheminots ont voté la grève reconductible à Marseille."
    path.write_bytes(text.encode("latin-1"))
    offset = text.encode("latin-1").index(b"\xe9")
    _, (failure,) = read(path)
    assert failure.reason.startswith(f"not valid UTF-8 (byte 0xe9 at offset {offset}); re-save it as UTF-8")
    assert "--encoding" in failure.reason
    assert str(failure) == f"{path}: {failure.reason}"


def test_readers_decodes_latin1_when_told(tmp_path: Path) -> None:
    path = tmp_path / "greve.txt"
    text = "Les cheminots ont voté la grève reconductible à Marseille."
    path.write_bytes(text.encode("latin-1"))
    (article,), _ = read(path, encoding="latin-1")
    assert article.text == text


def test_readers_unknown_encoding_raises_at_once(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown encoding 'latin-9000'"):
        read_articles([tmp_path], encoding="latin-9000")


def test_readers_file_over_the_limit_fails_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "dump.txt"
    with path.open("wb") as handle:  # sparse: 50 MiB on paper, nothing on disk
        handle.truncate(50 * 1024 * 1024)
    started = time.perf_counter()
    _, (failure,) = read(path)
    assert time.perf_counter() - started < 0.5
    assert failure.reason == "larger than the 20 MB limit (52.4 MB)"
    assert MAX_FILE_BYTES == 20_000_000


def test_readers_malformed_sidecar_names_the_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "kazakh.txt"
    path.write_text(TEXTS["fr"], encoding="utf-8")
    (tmp_path / "kazakh.meta.json").write_text('{\n  "lang": "fr",\n    "published" "2022-01-06"\n}\n')
    _, (failure,) = read(path)
    assert failure.path == str(path)
    assert failure.reason.startswith("sidecar kazakh.meta.json: invalid JSON at line 3 column 17")


@pytest.mark.parametrize("value", ["06/01/2022", "2022-13-01", "hier"])
def test_readers_bad_published_in_sidecar_is_a_failure(tmp_path: Path, value: str) -> None:
    path = tmp_path / "kazakh.txt"
    path.write_text(TEXTS["fr"], encoding="utf-8")
    write_sidecar(path, doc_id="kz-1", published=value)
    _, (failure,) = read(path)
    assert failure.doc_id == "kz-1"
    assert failure.reason == f"sidecar kazakh.meta.json: 'published' must be a date as YYYY-MM-DD, got {value!r}"


def test_readers_command_line_overrides_beat_the_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "rally.txt"
    path.write_text(TEXTS["en"], encoding="utf-8")
    write_sidecar(path, lang="fr", published="not a date", title="Rally")
    (article,), failures = read(path, lang="en", published=dt.date(2024, 2, 29))
    assert failures == []
    assert (article.lang, article.published, article.title) == ("en", dt.date(2024, 2, 29), "Rally")


def test_readers_one_bad_file_among_fifty_good(tmp_path: Path) -> None:
    for i in range(50):
        folder = tmp_path / ("wire" if i % 2 else "local")
        folder.mkdir(exist_ok=True)
        (folder / f"story-{i:02d}.txt").write_text(f"{TEXTS['fr']} Dépêche numéro {i}.", encoding="utf-8")
    bad = tmp_path / "wire" / "story-bad.txt"
    bad.write_bytes("Grève à Nantes".encode("latin-1"))
    articles, failures = read(tmp_path)
    assert len(articles) == 50
    assert [f.path for f in failures] == [str(bad)]
    paths = [a.path or "" for a in articles]
    assert paths == sorted(paths)
    assert paths[0].endswith("local/story-00.txt")


def test_readers_folder_skips_gold_sidecars_hidden_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXTS["en"], encoding="utf-8")
    write_sidecar(tmp_path / "a.txt", lang="en")
    (tmp_path / "a.gold.jsonl").write_text('{"doc": "a", "id": "e1", "accept": ["PROTEST"]}\n')
    (tmp_path / ".draft.txt").write_text("not for reading")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "b.txt").write_text("not for reading either")
    (tmp_path / "notes.md").write_text("# notes")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\x00")
    articles, failures = read(tmp_path)
    assert failures == []
    assert [(a.doc_id, a.lang) for a in articles] == [("a", "en")]


def test_readers_gold_file_given_by_name_is_a_failure(tmp_path: Path) -> None:
    gold = tmp_path / "a.gold.jsonl"
    gold.write_text('{"doc": "a", "id": "e1", "accept": ["PROTEST"]}\n')
    _, (failure,) = read(gold)
    assert failure.reason.startswith("gold annotations, not articles")


def test_readers_missing_path_and_empty_folder_are_failures(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _, failures = read(tmp_path / "nowhere.txt", tmp_path / "empty")
    assert [f.reason for f in failures] == ["no such file", "no .txt or .jsonl files in this folder"]


def test_readers_jsonl_bad_line_is_one_failure(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    rows = [
        json.dumps({"text": TEXTS["fr"], "lang": "fr", "published": "2023-05-02"}, ensure_ascii=False),
        '{"text": "Les négociations reprennent à Genève", "lang": ',
        "",
        json.dumps({"doc_id": "ru-9", "text": TEXTS["ru"], "lang": "ru", "extra": 1}, ensure_ascii=False),
        json.dumps({"title": "No body"}),
        json.dumps({"text": TEXTS["en"], "published": "2023-02-30T10:00:00Z"}),
        json.dumps({"text": TEXTS["en"], "published": "2023-03-01T10:00:00Z"}),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    articles, failures = read(path)
    assert [(a.doc_id, a.lang, a.published) for a in articles] == [
        ("feed-1", "fr", dt.date(2023, 5, 2)),
        ("ru-9", "ru", None),
        ("feed-7", None, dt.date(2023, 3, 1)),
    ]
    assert articles[0].path == f"{path}:1"
    assert [(f.doc_id, f.reason.split(":")[0]) for f in failures] == [
        ("feed-2", "line 2"),
        ("feed-5", "line 5"),
        ("feed-6", "line 6"),
    ]
    assert failures[1].reason == "line 5: missing 'text'"
    assert failures[0].reason.startswith("line 2: invalid JSON at column")


def test_readers_jsonl_overrides_apply_to_every_row(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps({"text": TEXTS["en"], "lang": "fr", "published": "bad"}) + "\n", encoding="utf-8")
    (article,), failures = read(path, lang="en", published=dt.date(2021, 6, 1))
    assert failures == []
    assert (article.lang, article.published) == ("en", dt.date(2021, 6, 1))


def test_readers_jsonl_latin1_line_is_one_failure(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    good = json.dumps({"text": TEXTS["en"]}).encode()
    bad = '{"text": "Grève générale à Brest"}'.encode("latin-1")
    path.write_bytes(good + b"\n" + bad + b"\n" + good + b"\n")
    articles, (failure,) = read(path)
    assert len(articles) == 2
    assert failure.reason.startswith("line 2: not valid UTF-8 (byte 0xe8")


def test_readers_jsonl_line_over_the_limit_is_one_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 200)
    path = tmp_path / "feed.jsonl"
    good = json.dumps({"text": TEXTS["en"][:100]})
    path.write_text("\n".join([good, json.dumps({"text": "x" * 5000}), good]) + "\n", encoding="utf-8")
    articles, (failure,) = read(path)
    assert [a.doc_id for a in articles] == ["feed-1", "feed-3"]
    assert failure.reason.startswith("line 2: longer than the")


SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"


@pytest.mark.skipif(not SEED.is_dir(), reason="the shared seed folder is not on this machine")
def test_readers_reads_the_seed_folder_as_one_article() -> None:
    (article,), failures = read(SEED)
    assert failures == []
    assert (article.doc_id, article.lang, article.published) == (
        "kazakhstan-2022-fr",
        "fr",
        dt.date(2022, 1, 6),
    )
