"""The pack's query cache: the same data and question are answered from disk; new data or a new question is not."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from attain import metrics, query_cache
from attain.data import load_dataset

SMALL = Path(__file__).parent / "fixtures" / "data" / "small"


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(SMALL, folder)
    return folder


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(query_cache.ENV, str(folder))
    return folder


class Counter:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame, self.calls = frame, 0

    def __call__(self) -> pd.DataFrame:
        self.calls += 1
        return self.frame.copy()


FRAME = pd.DataFrame({"month": ["2026-01", "2026-02"], "gmv": [1234.5, 99.25], "orders": [3, 1]})


def test_without_the_variable_nothing_is_cached(data, monkeypatch, tmp_path):
    monkeypatch.delenv(query_cache.ENV, raising=False)
    ds, compute = load_dataset(data), Counter(FRAME)
    query_cache.cached(ds, ("q",), compute)
    query_cache.cached(ds, ("q",), compute)
    assert compute.calls == 2 and not list(tmp_path.rglob("*.parquet"))


def test_the_same_question_on_the_same_data_is_answered_once(data, cache):
    ds, compute = load_dataset(data), Counter(FRAME)
    first = query_cache.cached(ds, ("q", 1), compute)
    again = query_cache.cached(load_dataset(data), ("q", 1), compute)     # another kernel loading the same files
    assert compute.calls == 1
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    query_cache.cached(ds, ("q", 2), compute)                            # another question
    assert compute.calls == 2


def test_changed_data_is_never_answered_from_the_cache(data, cache):
    compute = Counter(FRAME)
    query_cache.cached(load_dataset(data), ("q",), compute)
    orders = data / "orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8") + "\n", encoding="utf-8")   # a re-export: new size
    query_cache.cached(load_dataset(data), ("q",), compute)
    assert compute.calls == 2
    os.utime(orders, ns=(orders.stat().st_atime_ns, orders.stat().st_mtime_ns + 10**9))  # same size, newer
    query_cache.cached(load_dataset(data), ("q",), compute)
    assert compute.calls == 3


def test_a_damaged_entry_is_computed_again(data, cache):
    ds, compute = load_dataset(data), Counter(FRAME)
    query_cache.cached(ds, ("q",), compute)
    [entry] = cache.rglob("*.parquet")
    entry.write_bytes(b"not parquet")
    result = query_cache.cached(ds, ("q",), compute)
    assert compute.calls == 2
    pd.testing.assert_frame_equal(result, FRAME)


def test_a_frame_parquet_cannot_hold_exactly_is_not_cached(data, cache):
    mixed = pd.DataFrame({"x": [1, "a"]})          # mixed object column: parquet refuses it
    ds, compute = load_dataset(data), Counter(mixed)
    assert query_cache.cached(ds, ("m",), compute)["x"].tolist() == [1, "a"]
    assert not list(cache.rglob("*.parquet")) and not list(cache.rglob("*.tmp"))


@pytest.mark.parametrize("ask", [
    dict(metrics=["gmv", "orders", "aov"], grain="month", by=["channel"]),
    dict(metrics=["conversion_rate", "roas"], grain="week"),
    dict(metrics=["buyers", "return_rate"], where={"channel": ["直播"]}, start="2026-01-01", end="2026-01-31"),
])
def test_metrics_from_the_cache_equal_metrics_computed(data, cache, monkeypatch, ask):
    cached_first = metrics.compute(load_dataset(data), **ask)
    cached_again = metrics.compute(load_dataset(data), **ask)
    monkeypatch.delenv(query_cache.ENV)
    fresh = metrics.compute(load_dataset(data), **ask)
    assert list(cache.rglob("*.parquet"))
    pd.testing.assert_frame_equal(cached_again, fresh, check_exact=True)
    pd.testing.assert_frame_equal(cached_first, fresh, check_exact=True)


def test_a_bad_question_still_fails_and_caches_nothing(data, cache):
    from attain.errors import MetricError
    with pytest.raises(MetricError, match="unknown metric"):
        metrics.compute(load_dataset(data), ["gmv_typo"])
    assert not list(cache.rglob("*.parquet"))
