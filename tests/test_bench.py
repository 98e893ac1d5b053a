"""The benchmark: both sides measured on the same texts, a JSON report, the `vigie bench` command."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import spacy
from click.testing import CliRunner

from vigie import bench
from vigie.bench import BenchReport, NatashaPipeline, bare_model_name, load_spacy, run_bench, write_report
from vigie.cli import cli
from vigie.errors import ConfigError, InputError
from vigie.records import Article

TEXTS = [
    "Des agriculteurs ont bloqué l'autoroute près de Toulouse lundi pour protester contre le prix du gazole.",
    "Talks between the two delegations resumed in Geneva on Tuesday after a week-long pause.",
    "В четверг в Бишкеке полиция задержала около двадцати участников несанкционированного митинга.",
    "Le gouvernement a annoncé une aide de 40 millions d'euros aux éleveurs touchés par la sécheresse.",
]


def make_articles(n: int = 8) -> list[Article]:
    return [Article(text=TEXTS[i % len(TEXTS)], doc_id=f"doc-{i}") for i in range(n)]


class FakePipeline:
    """Stands in for vigie.pipeline.Pipeline: splits words, keeps cumulative stage times."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on
        self.calls = 0
        self.times = {"segment": 0.0, "events": 0.0}

    def extract(self, article: Article) -> tuple[list[str], list[object]]:
        self.calls += 1
        if article.doc_id == self.fail_on:
            raise ValueError("unparseable on purpose")
        self.times["segment"] += 0.5
        self.times["events"] += 0.25
        return article.text.split(), []

    def stage_times(self) -> dict[str, float]:
        return dict(self.times)


@pytest.fixture(scope="module")
def blank_nlp() -> Any:
    """spaCy's multi-language tokenizer: a real `nlp.pipe` that loads in a moment."""
    return spacy.blank("xx")


def test_bench_measures_both_sides_on_the_same_texts(blank_nlp: Any) -> None:
    articles = make_articles(8)
    pipeline = FakePipeline()
    report = run_bench(
        articles, extract=pipeline.extract, stage_times=pipeline.stage_times, model_name="blank:fr", nlp=blank_nlp
    )
    assert (report.documents, report.n_process) == (8, 1)
    assert report.words == sum(len(a.text.split()) for a in articles)
    assert pipeline.calls == 8 + 1  # one untimed warm-up document
    for side in (report.vigie, report.bare_spacy):
        assert side.docs_per_s > 0 and side.words_per_s > 0 and side.seconds > 0
        assert side.peak_rss_mb > 10 and side.errors == 0
    assert report.ratio == pytest.approx(report.bare_spacy.seconds / report.vigie.seconds, rel=1e-3)
    assert report.ratio == pytest.approx(report.vigie.docs_per_s / report.bare_spacy.docs_per_s, rel=1e-2)
    # The warm-up document's stage time is left out.
    assert report.stage_seconds == {"segment": 4.0, "events": 2.0}
    assert report.environment["python"] and report.environment["spacy"]


def test_bench_failing_document_is_counted_and_the_run_goes_on(
    blank_nlp: Any, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = FakePipeline(fail_on="doc-3")
    report = run_bench(make_articles(6), extract=pipeline.extract, model_name="blank:fr", nlp=blank_nlp)
    assert report.vigie.errors == 1
    assert pipeline.calls == 6 + 1
    assert report.stage_seconds == {}
    assert "document failed during the benchmark" in caplog.text


def test_bench_reports_progress_per_phase(blank_nlp: Any) -> None:
    seen: list[tuple[str, int, int]] = []
    run_bench(
        make_articles(3),
        extract=FakePipeline().extract,
        model_name="blank:fr",
        nlp=blank_nlp,
        on_progress=lambda *args: seen.append(args),
    )
    assert seen == [(phase, done, 3) for phase in ("bare model", "Vigie") for done in (1, 2, 3)]


@pytest.mark.skipif(sys.platform == "win32", reason="worker processes are forked")
def test_bench_runs_in_several_processes_with_an_unpicklable_callable() -> None:
    seen: list[str] = []
    report = run_bench(make_articles(6), extract=lambda a: seen.append(a.text), model_name="blank:en", n_process=2)
    assert (report.n_process, report.vigie.errors, report.bare_spacy.errors) == (2, 0, 0)
    assert report.vigie.peak_worker_rss_mb > 0


def test_bench_without_articles_is_an_input_error(blank_nlp: Any) -> None:
    with pytest.raises(InputError, match="no articles to benchmark"):
        run_bench([], extract=print, model_name="blank:fr", nlp=blank_nlp)


@pytest.mark.parametrize(("name", "lang"), [("blank:ru", "ru"), ("blank:en", "en")])
def test_bench_blank_model_is_the_tokenizer_alone(name: str, lang: str) -> None:
    nlp = load_spacy(name)
    assert (nlp.lang, nlp.pipe_names) == (lang, [])


@pytest.mark.parametrize(
    ("lang", "backend", "model"),
    [("fr", "fr_core_news_sm", "fr_core_news_sm"), ("ru", "natasha", "natasha"), ("uk", "none", "blank:uk")],
)
def test_bench_bare_side_is_the_model_the_pipeline_runs_on(lang: str, backend: str, model: str) -> None:
    assert bare_model_name(lang, backend) == model


@pytest.mark.slow
def test_bench_natasha_bare_side_runs_natashas_own_pipeline() -> None:
    nlp = bench.load_bare("natasha")
    assert isinstance(nlp, NatashaPipeline)
    doc = nlp(TEXTS[2])
    assert [s.text for s in doc.sents] == [TEXTS[2]]
    assert doc.tokens[3].pos == "PROPN" and doc.tokens[3].rel == "obl"  # morphology and syntax ran
    assert [span.text for span in doc.spans] == ["Бишкеке"]  # and NER
    report = run_bench(make_articles(4), extract=FakePipeline().extract, model_name="natasha", nlp=nlp, lang="ru")
    assert report.model == "natasha" and report.bare_spacy.docs_per_s > 0 and report.bare_spacy.errors == 0


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="worker processes are forked")
def test_bench_natasha_bare_side_in_several_processes() -> None:
    report = run_bench(make_articles(6), extract=lambda a: None, model_name="natasha", n_process=2)
    assert (report.n_process, report.bare_spacy.errors) == (2, 0)
    assert report.bare_spacy.peak_worker_rss_mb > 0


def test_bench_missing_model_names_the_package_to_install() -> None:
    with pytest.raises(ConfigError, match="pip install xx-no-such-model"):
        load_spacy("xx_no_such_model")


def test_bench_report_is_written_as_timestamped_json_never_overwritten(blank_nlp: Any, tmp_path: Path) -> None:
    report = run_bench(
        make_articles(2), extract=FakePipeline().extract, model_name="blank:fr", nlp=blank_nlp, lang="fr"
    )
    first = write_report(report, tmp_path / "results")
    second = write_report(report, tmp_path / "results")
    assert first != second and first.parent == second.parent == tmp_path / "results"
    assert first.name.endswith("Z-fr-2.json") and second.name.endswith("Z-fr-2-2.json")
    assert BenchReport.model_validate_json(first.read_text(encoding="utf-8")) == report
    assert json.loads(first.read_text(encoding="utf-8"))["vigie"]["docs_per_s"] == report.vigie.docs_per_s


@pytest.fixture
def fake_pipeline_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """`vigie bench` with the fake pipeline and a blank spaCy, so the command runs in a moment.

    `vigie bench` imports vigie.pipeline when it runs; the other commands, imported with `cli` above,
    already hold the real one.
    """
    module = types.ModuleType("vigie.pipeline")

    class Pipeline(FakePipeline):
        @classmethod
        def for_language(cls, code: str) -> Pipeline:
            return cls()

    module.Pipeline = Pipeline  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vigie.pipeline", module)
    monkeypatch.setattr(bench, "load_bare", lambda name: spacy.blank("xx"))


@pytest.mark.usefixtures("fake_pipeline_module")
@pytest.mark.parametrize("lang", ["fr", "ru"])
def test_bench_command_prints_the_table_and_the_report_path(tmp_path: Path, lang: str) -> None:
    result = CliRunner().invoke(cli, ["bench", "--lang", lang, "--docs", "5", "--out", str(tmp_path), "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert "documents/s" in result.stdout and "Vigie ÷ bare" in result.stdout and "stage segment" in result.stdout
    (path,) = tmp_path.glob("*.json")
    assert f"report: {path}" in result.stdout
    report = BenchReport.model_validate_json(path.read_text(encoding="utf-8"))
    assert (report.documents, report.lang, report.corpus) == (5, lang, f"synthetic {lang}, seed 0")
    assert report.model == ("fr_core_news_sm" if lang == "fr" else "natasha")
    assert f"bare {report.model}" in result.stdout
    assert (report.worker_runs, report.scaling, report.batch_ratio) == ([], {}, None)


@pytest.mark.usefixtures("fake_pipeline_module")
def test_bench_command_reads_a_corpus_file_and_reports_bad_lines(tmp_path: Path) -> None:
    corpus = tmp_path / "sample.jsonl"
    rows = [json.dumps({"text": t}, ensure_ascii=False) for t in TEXTS] + ['{"title": "no text"}']
    corpus.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["bench", "--corpus", str(corpus), "--docs", "3", "--out", str(tmp_path / "r"), "--workers", "0"]
    )
    assert result.exit_code == 0, result.output
    (path,) = (tmp_path / "r").glob("*.json")
    assert BenchReport.model_validate_json(path.read_text(encoding="utf-8")).documents == 3
    assert "skipped" not in result.stderr  # the bad line comes after the three articles asked for

    result = CliRunner().invoke(cli, ["bench", "--corpus", str(corpus), "--out", str(tmp_path / "r"), "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert f"skipped: {corpus}: line 5: missing 'text'" in result.stderr


# -- the batch path on a local Dask cluster, 1 then 2 worker processes ----------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("fake_pipeline_module")
def test_bench_command_reports_one_and_two_workers(tmp_path: Path) -> None:
    """The in-process comparison runs on the fake pipeline; the workers are real processes with the real one."""
    result = CliRunner().invoke(cli, ["bench", "--lang", "en", "--docs", "3", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.glob("*.json")
    report = BenchReport.model_validate_json(path.read_text(encoding="utf-8"))
    assert [run.workers for run in report.worker_runs] == [1, 2]
    for run in report.worker_runs:
        assert (run.documents, run.errors, run.partitions, run.rounds) == (3, 0, 3, 1)
        assert len(run.peak_rss_mb) == len(run.cpu_seconds) == run.workers
        # Each worker's own high-water mark: a spaCy model and the gazetteer, far above an empty interpreter.
        assert all(100 < mb < 1500 for mb in run.peak_rss_mb) and run.max_peak_rss_mb == max(run.peak_rss_mb)
        assert run.docs_per_s > 0 and run.words_per_s > 0 and run.events > 0
        assert run.stage_seconds["segment"] > 0 and "build" in run.stage_seconds
    one, two = report.worker_runs
    assert report.scaling == {"2": pytest.approx(one.seconds / two.seconds, rel=1e-3, abs=1e-4)}
    assert report.batch_ratio == pytest.approx(report.bare_spacy.seconds / one.seconds, rel=1e-3, abs=1e-4)
    for text in ("1 worker", "2 workers", "peak RSS per worker (MB)", "× 1 worker", "1 worker ÷ bare"):
        assert text in result.stdout


def test_bench_worker_runs_take_turns_slice_by_slice_on_the_batch_path() -> None:
    from vigie.corpus import make_corpus

    seen: list[tuple[int, int, int]] = []
    runs = bench.run_worker_bench(
        list(make_corpus(3, ("en",))),
        [1, 1],
        lang="en",
        processes=False,
        rounds=2,
        partition_size=1,
        on_progress=lambda *args: seen.append(args),
    )
    (run,) = runs  # a count given twice runs once
    assert (run.workers, run.rounds, run.documents, run.partitions, run.partition_size) == (1, 2, 3, 3, 1)
    assert run.errors == 0
    assert run.events > 0 and run.peak_rss_mb[0] > 0 and len(run.load_average) == 2
    assert seen == [(1, 1, 3), (1, 2, 3), (1, 3, 3)]


@pytest.mark.parametrize(("value", "counts"), [("1,2", (1, 2)), ("2", (2,)), ("0", ()), ("1, 2, 4", (1, 2, 4))])
def test_bench_workers_option_takes_counts(value: str, counts: tuple[int, ...]) -> None:
    from vigie.cli.bench import _worker_counts

    assert _worker_counts(value) == counts


@pytest.mark.parametrize("value", ["", "one", "0,1", "-1"])
def test_bench_workers_option_rejects_bad_counts(value: str) -> None:
    result = CliRunner().invoke(cli, ["bench", "--workers", value])
    assert result.exit_code == 2 and "--workers" in result.output


def test_bench_own_peak_rss_is_this_process_high_water_mark() -> None:
    import resource

    peak = bench.own_peak_rss_mb()
    assert 10 < peak <= bench._peak_rss_mb(resource.RUSAGE_SELF) + 1


def test_bench_partition_size_leaves_several_partitions_per_worker() -> None:
    assert bench.bench_partition_size(250, 2) == 7
    assert bench.bench_partition_size(5000, 2) == 100
    assert bench.bench_partition_size(3, 2) == 1
    assert [bench.bench_rounds(n) for n in (3, 499, 1000, 20_000)] == [1, 1, 4, 4]


def test_bench_lang_all_is_only_for_the_corpus(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["bench", "--lang", "all", "--docs", "2", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "--lang all is for --make-corpus only" in result.output


# -- --compare-docs: the comparison and the smaller worker counts on a sample, the largest on the corpus --------


def test_bench_spread_sample_is_even_ordered_and_whole_when_not_smaller() -> None:
    articles = make_articles(10)
    assert [a.doc_id for a in bench.spread_sample(articles, 4)] == ["doc-0", "doc-2", "doc-5", "doc-7"]
    assert bench.spread_sample(articles, 1) == articles[:1]
    assert bench.spread_sample(articles, 10) == bench.spread_sample(articles, 50) == articles
    with pytest.raises(InputError):
        bench.spread_sample(articles, 0)


def _worker_run(workers: int, seconds: float, items: int, *, sampled: bool) -> bench.WorkerRun:
    return bench.WorkerRun(
        workers=workers, seconds=seconds, docs_per_s=round(items / seconds, 3), words_per_s=1.0, peak_rss_mb=[1.0],
        max_peak_rss_mb=1.0, cpu_seconds=[1.0], driver_cpu_seconds=0.0, startup_seconds=0.0, partition_size=1,
        partitions=items, documents=items, items=items, words=items, sampled=sampled, events=0, errors=0,
    )  # fmt: skip


def test_bench_scaling_and_batch_ratio_compare_rates_per_document(blank_nlp: Any) -> None:
    articles = make_articles(12)
    sample = bench.spread_sample(articles, 4)
    report = run_bench(
        sample, extract=FakePipeline().extract, model_name="blank:fr", nlp=blank_nlp, lang="fr",
        corpus_documents=len(articles), sample=bench.describe_sample(4, 12),
    )  # fmt: skip
    assert (report.documents, report.corpus_documents) == (4, 12)
    assert report.sample == "4 of 12 documents spread evenly: document i*12//4 for i = 0..3"
    # One worker: 4 sampled documents in 2 s (2 docs/s); two workers: all 12 in 3 s (4 docs/s).
    report = report.with_worker_runs([_worker_run(1, 2.0, 4, sampled=True), _worker_run(2, 3.0, 12, sampled=False)])
    assert report.scaling == {"2": 2.0}
    assert report.batch_ratio == pytest.approx(2.0 / (4 / report.bare_spacy.seconds), rel=1e-3, abs=1e-4)


def test_bench_worker_runs_with_a_sample_run_the_largest_count_on_the_whole_corpus() -> None:
    from vigie.corpus import make_corpus

    articles = list(make_corpus(5, ("en",)))
    sample = bench.spread_sample(articles, 2)
    seen: list[tuple[int, int, int]] = []
    one, two = bench.run_worker_bench(
        articles, [1, 2], lang="en", processes=False, partition_size=1, sample=sample,
        on_progress=lambda *args: seen.append(args),
    )  # fmt: skip
    assert (one.workers, one.items, one.documents, one.sampled) == (1, 2, 2, True)
    assert (two.workers, two.items, two.documents, two.sampled) == (2, 5, 5, False)
    assert one.words == sum(len(a.text.split()) for a in sample)
    assert two.words == sum(len(a.text.split()) for a in articles)
    assert one.docs_per_s == pytest.approx(2 / one.seconds, rel=1e-2)
    assert [s for s in seen if s[0] == 1][-1] == (1, 2, 2) and [s for s in seen if s[0] == 2][-1] == (2, 5, 5)


@pytest.mark.usefixtures("fake_pipeline_module")
def test_bench_command_compare_docs_reports_the_sample_and_the_corpus(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["bench", "--lang", "fr", "--docs", "6", "--compare-docs", "3", "--out", str(tmp_path), "--workers", "0"]
    )
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.glob("*.json")
    assert path.name.endswith("-fr-6-compare3.json")
    report = BenchReport.model_validate_json(path.read_text(encoding="utf-8"))
    assert (report.documents, report.corpus_documents) == (3, 6)
    assert report.sample is not None and report.sample.startswith("3 of 6 documents")
    assert "3 of 6 documents" in result.stdout

    result = CliRunner().invoke(
        cli, ["bench", "--lang", "fr", "--docs", "2", "--compare-docs", "5", "--out", str(tmp_path / "w"),
              "--workers", "0"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (path,) = (tmp_path / "w").glob("*.json")
    report = BenchReport.model_validate_json(path.read_text(encoding="utf-8"))
    assert (report.documents, report.corpus_documents, report.sample) == (2, 2, None)
