"""The harness end to end on a tiny dataset: every operation runs, has a floor
and a ratio, and the JSON has the documented shape. No timing assertions."""

import json
import random

import pytest

from aftercare.bench.harness import NOT_MEASURED, as_json, load_operations, run_bench
from aftercare.bench.history import build_history
from aftercare.demo.builder import DemoOptions, build_demo
from aftercare.service.models import RepairOrder, RepairOrderLine

# transaction=True: the write floor issues its own BEGIN/COMMIT, as a real request does.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_harness_measures_every_operation_against_a_floor():
    result = build_demo(DemoOptions(seed=2026, stores=1, customers=200, vehicles=250, activity=False))
    assert result.vehicles == 250
    history = build_history(result.stores[0], orders=300, rng=random.Random(1), open_per_state=3)
    assert history.orders == 300 and history.open_orders == 21 and history.jobs > 0
    assert 6 * 300 <= history.lines <= 10 * 300 + 8 * 21
    order = RepairOrder.objects.filter(status="delivered").order_by("id")[150]
    amounts = RepairOrderLine.objects.filter(repair_order=order).values_list("amount", flat=True)
    assert order.total == sum(amounts) == order.labour_total + order.parts_total  # totals as the services keep them

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
    assert len(lines) == len(names) + 1 + len(NOT_MEASURED)  # header, one line per operation, the missing ones
    assert report["not_measured"] == NOT_MEASURED
