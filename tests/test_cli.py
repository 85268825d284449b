"""The `attain` command: output formats, exit codes, no tracebacks for user mistakes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from attain.cli import main, to_cent

SMALL = "tests/fixtures/data/small"


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_metrics_csv_layout(capsys):
    code, out, _ = run(capsys, "metrics", "gmv", "orders", "roas", "--by", "quarter,channel",
                       "--data", SMALL, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["quarter", "channel", "gmv", "orders", "roas"]
    # Q1 直播: A1 150.5 + A3 30.25 + A5 300 + A6 60 (by hand); spend 500 + 400
    first = rows[0]
    assert (first["quarter"], first["channel"], first["gmv"], first["orders"]) == ("2026-Q1", "直播", "540.75", "4")
    assert float(first["roas"]) == pytest.approx(540.75 / 900)


def test_metrics_json_with_filter_and_range(capsys):
    code, out, _ = run(capsys, "metrics", "gmv", "buyers", "--by", "week", "--where", "channel=私域",
                       "--from", "2026-01-01", "--to", "2026-01-31", "--data", SMALL, "--format", "json")
    assert code == 0
    # 私域 in January: A2 200 (c2, week 2026-W02) and A4 80 (c1, week 2026-W04)
    assert json.loads(out) == [{"week": "2026-W02", "gmv": 200.0, "buyers": 1},
                               {"week": "2026-W04", "gmv": 80.0, "buyers": 1}]


def test_metrics_list(capsys):
    code, out, _ = run(capsys, "metrics", "--list", "--lang", "zh")
    assert code == 0 and "复购率" in out and "客单价" in out and "投产比" in out


@pytest.mark.parametrize("args, words", [
    (["metrics", "gmv", "--by", "month,quarter"], "more than one time grain"),
    (["metrics", "gmv", "--where", "channel"], "not a filter"),
    (["metrics", "revenue"], "unknown metric"),
    (["metrics"], "at least one metric"),
    (["metrics", "roas", "--by", "category"], "recorded by channel"),
    (["validate", "--data", "tests/fixtures/no-such-folder"], "does not exist"),
])
def test_user_mistakes_exit_2_without_traceback(capsys, args, words):
    if "--data" not in args:
        args = args + ["--data", SMALL]
    code, out, err = run(capsys, *args)
    assert code == 2
    assert words in err and "Traceback" not in err + out


def test_validate_prints_a_summary(capsys):
    code, out, _ = run(capsys, "validate", "--data", SMALL)
    assert code == 0
    assert "orders" in out and "12" in out and "OK" in out


def test_sample_if_missing_keeps_existing_data(capsys, tmp_path):
    (tmp_path / "orders.parquet").write_bytes(b"not really parquet")
    code, out, _ = run(capsys, "sample", "--out", str(tmp_path), "--if-missing")
    assert code == 0 and "already" in out
    assert (tmp_path / "orders.parquet").read_bytes() == b"not really parquet"


@pytest.mark.parametrize("value, cents", [
    (1.005, 1.01), (0.125, 0.13), (2.675, 2.68), (10125.695, 10125.70), (-1.005, -1.01),
    (2.674999, 2.67), (0.0, 0.0), (1234.5, 1234.5),
])
def test_money_rounds_half_a_cent_away_from_zero(value, cents):
    assert to_cent(value) == cents


def test_nan_stays_missing():
    assert to_cent(float("nan")) != to_cent(float("nan"))
