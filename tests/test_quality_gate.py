"""The quality gate: each evaluation set keeps the F1 and recall floors pinned in eval/baseline.json.

This is not where figures are reported (`vigie eval` does that); it stops a change that makes
extraction worse from landing unnoticed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigie.cli.evaluate import extract_events
from vigie.crosslingual import evaluate_crosslingual
from vigie.evaluation import evaluate_documents

ROOT = Path(__file__).resolve().parents[1]
BASELINE = json.loads((ROOT / "eval" / "baseline.json").read_text(encoding="utf-8"))
SETS = {name: spec for name, spec in BASELINE.items() if not name.startswith("_") and "gold" in spec}

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", sorted(SETS))
def test_quality_gate_keeps_the_floors(name: str) -> None:
    spec = SETS[name]
    docs, gold = ROOT / spec["docs"], ROOT / spec["gold"]
    if not gold.exists():
        pytest.skip(f"{gold} is not here (the shared seed sits beside the project only in CI and dev)")
    result, _ = evaluate_documents(docs, gold, extract_events)
    assert result.f1 >= spec["f1"], f"{name}: F1 {result.f1:.3f} fell below the floor {spec['f1']}"
    assert result.recall >= spec["recall"], f"{name}: recall {result.recall:.3f} fell below {spec['recall']}"


def test_quality_gate_keeps_the_crosslingual_agreement() -> None:
    spec = BASELINE["crosslingual"]
    report, _ = evaluate_crosslingual(ROOT / spec["docs"], extract_events)
    floor = spec["agreement"]
    assert report.agreement >= floor, f"cross-lingual agreement {report.agreement:.2f} fell below {floor}"
