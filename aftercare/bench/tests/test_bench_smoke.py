"""The harness end to end on a tiny dataset: every operation runs, has a floor
and a ratio, and the JSON has the documented shape. No timing assertions."""

import json

import pytest

from aftercare.bench.harness import as_json, load_operations, run_bench
from aftercare.demo.builder import DemoOptions, build_demo

# transaction=True: the write floor issues its own BEGIN/COMMIT, as a real request does.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_harness_measures_every_operation_against_a_floor():
    result = build_demo(DemoOptions(seed=2026, stores=1, customers=200, vehicles=250, activity=False))
    assert result.vehicles == 250

    lines = []
    results = run_bench(scale="tiny", repeats=1, warmup=0, log=lines.append)
    report = json.loads(json.dumps(as_json(results, scale="tiny"), default=str))

    assert report["scale"] == "tiny"
    assert report["database"]["vendor"] in ("sqlite", "postgresql")
    assert report["machine"]["cores"] >= 1
    names = [r["name"] for r in report["results"]]
    assert names == list(load_operations())  # every registered operation, in order
    for row in report["results"]:
        assert {"name", "ms", "floor_ms", "ratio", "goal_ratio", "queries"} <= set(row)
        assert row["error"] is None, row
        assert row["ratio"] is not None and row["ratio"] > 0, row
        assert row["floor_ms"] > 0 and row["queries"] > 0, row
        assert row["same_answer"] is not False, row  # the floor answered the same question
    exports = [r for r in report["results"] if r["name"].startswith("export.")]
    assert exports and all(r["memory"]["peak_kib_4n"] > 0 for r in exports)
    assert len(lines) == len(names) + 1  # the header, then one line per operation
