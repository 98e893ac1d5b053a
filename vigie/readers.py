"""Articles from files, folders and JSON Lines, with optional sidecar metadata (NAME.meta.json).

`read_articles()` yields an `Article` for each article it can read and a `ReadFailure` for each it cannot,
so one bad file never stops a batch (trafilatura's habit): the caller reports the failures and keeps the rest.
Text is kept exactly as decoded (only a leading byte-order mark is dropped; CRLF stays CRLF) because evidence
offsets index it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from vigie.errors import InputError
from vigie.records import Article

MAX_FILE_BYTES = 20_000_000
"""Largest .txt file (and JSON Lines row) read; news articles are far smaller, so more is a mistake."""

ARTICLE_SUFFIXES = (".txt", ".jsonl")
SIDECAR_SUFFIX = ".meta.json"
GOLD_SUFFIX = ".gold.jsonl"
METADATA_KEYS = ("doc_id", "lang", "published", "url", "source", "title")

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_ENCODING_HINT = "re-save it as UTF-8 or name its encoding with --encoding (e.g. latin-1, cp1251)"


@dataclass(frozen=True, slots=True)
class ReadFailure:
    """An article that could not be read: where, which document (when known) and why, in one line."""

    path: str
    doc_id: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class _Unreadable(Exception):
    """Internal: the one-line reason an article is skipped."""


def read_articles(
    paths: Iterable[Path],
    *,
    lang: str | None = None,
    published: dt.date | None = None,
    encoding: str | None = None,
) -> Iterator[Article | ReadFailure]:
    """Articles from files and folders, in order; a `ReadFailure` for each one that cannot be read.

    A folder is read recursively in sorted order (.txt and .jsonl; hidden files, sidecars, gold files and
    other extensions are skipped). `lang` and `published` override any metadata; `encoding` decodes .txt
    files that are not UTF-8 (JSON Lines are UTF-8 by definition). Raises InputError at once for an
    unknown encoding or an empty `lang`, since those concern every file.
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}", hint="try utf-8, latin-1 or cp1251") from None
    if lang is not None and not lang.strip():
        raise InputError("empty language code", hint="give an ISO 639-1 code such as fr, en or ru")
    overrides: dict[str, object] = {}
    if lang is not None:
        overrides["lang"] = lang.strip().lower()
    if published is not None:
        overrides["published"] = published
    return _read_all(list(paths), overrides, encoding)


def _read_all(paths: list[Path], overrides: dict[str, object], encoding: str | None) -> Iterator[Article | ReadFailure]:
    for path in paths:
        if path.is_dir():
            yield from _read_folder(path, overrides, encoding)
        else:
            yield from _read_path(path, overrides, encoding)


def _read_folder(root: Path, overrides: dict[str, object], encoding: str | None) -> Iterator[Article | ReadFailure]:
    errors: list[OSError] = []  # os.walk reports unlistable folders through onerror and goes on
    found = False
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if is_article_file(name):
                found = True
                yield from _read_path(Path(dirpath, name), overrides, encoding)
        yield from _folder_failures(errors, root)
    yield from _folder_failures(errors, root)  # the root itself could not be listed
    if not found:
        yield ReadFailure(str(root), None, "no .txt or .jsonl files in this folder")


def _folder_failures(errors: list[OSError], root: Path) -> Iterator[ReadFailure]:
    while errors:
        err = errors.pop(0)
        yield ReadFailure(str(err.filename or root), None, f"cannot list folder ({err.strerror})")


def is_article_file(name: str) -> bool:
    """Whether a folder walk reads this file name (.txt or .jsonl, not hidden, not a gold file)."""
    lowered = name.lower()
    return not name.startswith(".") and lowered.endswith(ARTICLE_SUFFIXES) and not lowered.endswith(GOLD_SUFFIX)


def _read_path(path: Path, overrides: dict[str, object], encoding: str | None) -> Iterator[Article | ReadFailure]:
    lowered = path.name.lower()
    # Folder walks never get here with these two; a person naming one has mistaken it for an article.
    if lowered.endswith(GOLD_SUFFIX):
        yield ReadFailure(str(path), None, "gold annotations, not articles; pass the article files instead")
    elif lowered.endswith(SIDECAR_SUFFIX):
        yield ReadFailure(str(path), None, "sidecar metadata, not an article; pass the .txt file beside it")
    elif lowered.endswith(".jsonl"):
        yield from _read_jsonl(path, overrides)
    else:
        yield _read_text_file(path, overrides, encoding)


# Plain text with an optional sidecar.


def _read_text_file(path: Path, overrides: dict[str, object], encoding: str | None) -> Article | ReadFailure:
    doc_id = path.stem
    try:
        raw, sidecar = _read_sidecar(path)
        doc_id = _given_doc_id(raw) or doc_id
        try:
            meta = _metadata(raw, skip=overrides.keys())
        except _Unreadable as err:
            raise _Unreadable(f"sidecar {sidecar}: {err}") from None
        text = _decode_text(_read_bytes(path), encoding)
    except _Unreadable as err:
        return ReadFailure(str(path), doc_id, str(err))
    if not text.strip():
        return ReadFailure(str(path), doc_id, "empty file (whitespace only)")
    return Article.model_validate({"text": text, "path": str(path), "doc_id": doc_id, **meta, **overrides})


def sidecar_path(path: Path) -> Path:
    """Where the metadata of an article file lives: NAME.txt → NAME.meta.json."""
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def _read_sidecar(path: Path) -> tuple[dict[str, object], str]:
    """The JSON object in the article's sidecar ({} when there is none) and the sidecar's name."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return {}, sidecar.name
    try:
        raw = json.loads(sidecar.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as err:
        raise _Unreadable(
            f"sidecar {sidecar.name}: invalid JSON at line {err.lineno} column {err.colno} ({err.msg})"
        ) from None
    except UnicodeDecodeError as err:
        raise _Unreadable(f"sidecar {sidecar.name}: not valid UTF-8 (byte {err.object[err.start]:#04x})") from None
    except OSError as err:
        raise _Unreadable(f"sidecar {sidecar.name}: cannot be read ({err.strerror})") from None
    if not isinstance(raw, dict):
        raise _Unreadable(f"sidecar {sidecar.name}: expected a JSON object, got {_json_type(raw)}")
    return raw, sidecar.name


def _read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise _Unreadable(f"larger than the {_megabytes(MAX_FILE_BYTES)} limit ({_megabytes(size)})")
            # Read one byte past the limit: a file that grew, or a device, must not be read whole.
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _Unreadable("no such file") from None
    except IsADirectoryError:
        raise _Unreadable("is a folder, not a file") from None
    except OSError as err:
        raise _Unreadable(f"cannot be read ({err.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise _Unreadable(f"larger than the {_megabytes(MAX_FILE_BYTES)} limit")
    if not data:
        raise _Unreadable("empty file")
    return data


def _decode_text(data: bytes, encoding: str | None) -> str:
    """Text from bytes: UTF-8 unless told otherwise; a UTF-16 byte-order mark is unambiguous and honoured."""
    if encoding is None and data.startswith(_UTF16_BOMS):
        encoding, label, hint = "utf-16", "UTF-16", "re-save it as UTF-8"
    elif encoding is None:
        encoding, label, hint = "utf-8", "UTF-8", _ENCODING_HINT
        # Checked before decoding so that a binary file is called binary, not badly encoded.
        if b"\x00" in data:
            raise _Unreadable("binary file (NUL bytes)")
    else:
        label, hint = encoding, "check the encoding it was given"
    try:
        text = data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        raise _Unreadable(f"not valid {label} (byte {data[err.start]:#04x} at offset {err.start}); {hint}") from None
    if "\x00" in text:
        raise _Unreadable("binary file (NUL bytes)")
    return text


# JSON Lines: one article object a line; a bad line is one failure.


def _read_jsonl(path: Path, overrides: dict[str, object]) -> Iterator[Article | ReadFailure]:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        yield ReadFailure(str(path), None, "no such file")
        return
    except OSError as err:
        yield ReadFailure(str(path), None, f"cannot be read ({err.strerror})")
        return
    with handle:
        if b"\x00" in handle.read(8192):
            yield ReadFailure(str(path), None, "binary file (NUL bytes)")
            return
        handle.seek(0)
        found = False
        for number, line in _lines(handle):
            if line is None:
                yield ReadFailure(
                    str(path),
                    f"{path.stem}-{number}",
                    f"line {number}: longer than the {_megabytes(MAX_FILE_BYTES)} limit",
                )
                continue
            if number == 1:
                line = line.removeprefix(_UTF8_BOM)
            if not line.strip():
                continue
            found = True
            yield _parse_row(path, number, line, overrides)
        if not found:
            yield ReadFailure(str(path), None, "empty file")


def _lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines, each read with a cap; None for a line over the limit (the rest of it is skipped)."""
    number = 0
    while True:
        line = handle.readline(MAX_FILE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_FILE_BYTES:
            while not line.endswith(b"\n") and (line := handle.readline(1 << 20)):
                pass  # skip the rest of the over-long line, a megabyte at a time
            yield number, None
        else:
            yield number, line


def _parse_row(path: Path, number: int, line: bytes, overrides: Mapping[str, object]) -> Article | ReadFailure:
    doc_id = f"{path.stem}-{number}"
    where = f"{path}:{number}"
    try:
        try:
            row = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as err:
            raise _Unreadable(
                f"not valid UTF-8 (byte {line[err.start]:#04x} at column {err.start + 1}); "
                "re-save the file as UTF-8 (JSON Lines must be UTF-8)"
            ) from None
        except json.JSONDecodeError as err:
            raise _Unreadable(f"invalid JSON at column {err.colno} ({err.msg})") from None
        if not isinstance(row, dict):
            raise _Unreadable(f"expected a JSON object, got {_json_type(row)}")
        doc_id = _given_doc_id(row) or doc_id
        if "text" not in row:
            raise _Unreadable("missing 'text'")
        text = row["text"]
        if not isinstance(text, str):
            raise _Unreadable(f"'text' must be a string, got {_json_type(text)}")
        if not text.strip():
            raise _Unreadable("empty 'text'")
        meta = _metadata(row, skip=overrides.keys())
    except _Unreadable as err:
        return ReadFailure(str(path), doc_id, f"line {number}: {err}")
    return Article.model_validate({"text": text, "path": where, "doc_id": doc_id, **meta, **overrides})


# Metadata shared by sidecars and JSON Lines rows.


def _metadata(raw: Mapping[str, object], *, skip: Iterable[str] = ()) -> dict[str, object]:
    """The known metadata keys of `raw`, checked (unknown keys are ignored; keys in `skip` are overridden)."""
    skipped = set(skip)
    meta: dict[str, object] = {}
    for key in METADATA_KEYS:
        value = raw.get(key)
        if key in skipped or value is None:
            continue
        if key == "doc_id":
            value = _given_doc_id(raw) or value
        if not isinstance(value, str):
            raise _Unreadable(f"{key!r} must be a string, got {_json_type(value)}")
        value = value.strip()
        if not value:
            continue
        if key == "published":
            meta[key] = parse_published(value)
        else:
            meta[key] = value.lower() if key == "lang" else value
    return meta


def _given_doc_id(raw: Mapping[str, object]) -> str | None:
    """The doc_id a sidecar or row gives, if usable (numbers are common in exports and taken as text)."""
    value = raw.get("doc_id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def parse_published(value: str) -> dt.date:
    """A publication date from YYYY-MM-DD (an ISO timestamp's date part is accepted too)."""
    match = _ISO_DATE.fullmatch(value.strip())
    try:
        if match is None:
            raise ValueError
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise _Unreadable(f"'published' must be a date as YYYY-MM-DD, got {value!r}") from None


def _json_type(value: object) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size % 1_000_000 else f"{size // 1_000_000} MB"
