"""`vigie bench --geo` on five tiny articles: every figure is there and the report is written."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from vigie.cli import cli
from vigie.geo.bench import GeoBenchReport, format_geo_report, run_geo_bench, write_geo_report
from vigie.records import Article

TEXTS = [
    "Protesters gathered in Almaty on Monday, police said.",
    "Troops from Russia landed at Machulishchi airfield in Belarus.",
    "A strike shut the port of Odesa, Ukraine, for two days.",
    "Officials in Paris, Texas, opened a shelter after the storm.",
    "Farmers blocked roads near Lyon in France on Friday.",
]
ARTICLES = [Article(text=t, doc_id=f"d{i}", lang="en") for i, t in enumerate(TEXTS)]


def test_geo_bench_reports_every_figure(tmp_path: Path) -> None:
    report = run_geo_bench(ARTICLES, corpus="tiny", min_seconds=0.0)
    assert report.documents == 5
    assert report.finding.errors == report.resolution.errors == 0
    assert report.finding.mentions >= 5
    # Resolution mode resolves exactly the spans the finding pass returned.
    assert report.resolution.mentions == report.finding.mentions == report.resolutions
    assert report.finding.docs_per_s > 0 and report.resolution.docs_per_s > 0
    assert report.resolutions_per_s > 0 and report.resolution_passes >= 1
    assert report.load_seconds >= 0
    path = write_geo_report(report, tmp_path)
    assert GeoBenchReport.model_validate(json.loads(path.read_text(encoding="utf-8"))) == report
    assert write_geo_report(report, tmp_path) != path  # never over an older report
    assert "resolutions/s" in format_geo_report(report)


def test_bench_geo_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["bench", "--geo", "--docs", "3", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "resolutions/s" in result.output and "finding mode" in result.output
    (written,) = tmp_path.glob("*-geo-3.json")
    assert json.loads(written.read_text(encoding="utf-8"))["documents"] == 3
