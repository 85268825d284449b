"""Notebook parameters: validation, period labels, command-line parsing, lookup."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from attain.errors import ParameterError
from attain.params import (
    NOTEBOOKS,
    default_period,
    find_notebook,
    merge_params,
    parse_cli_params,
    period_label,
    select_notebooks,
    validate_params,
)

AS_OF = "2026-06-30"


# --------------------------------------------------------------------------- good values

def test_good_values_are_plain_json():
    out = validate_params("01", {"as_of": AS_OF, "lookback_months": "12", "lang": "en",
                                 "data_dir": "data/sample", "plan_dir": "data/plan"})
    assert out == {"as_of": AS_OF, "lookback_months": 12, "lang": "en",
                   "data_dir": "data/sample", "plan_dir": "data/plan"}
    assert json.loads(json.dumps(out)) == out


def test_defaults_filled_and_unset_optionals_left_out():
    out = validate_params("01_situation_analysis", {"as_of": AS_OF})
    assert out == {"as_of": AS_OF, "lang": "zh", "lookback_months": 24}


def test_date_object_becomes_string():
    out = validate_params("02", {"as_of": dt.date(2026, 8, 15)})
    assert out["as_of"] == "2026-08-15" and isinstance(out["as_of"], str)


@pytest.mark.parametrize("period, expected", [
    ("2026", "2026"), ("2026-Q3", "2026-Q3"), ("2026q3", "2026-Q3"), ("2026-07", "2026-07"),
])
def test_period_forms(period, expected):
    out = validate_params("02_goal_setting", {"as_of": AS_OF, "period": period})
    assert out["period"] == expected


def test_period_notebook_gets_quarter_of_as_of_by_default():
    assert validate_params("03", {"as_of": "2026-08-15"})["period"] == "2026-Q3"


def test_cadence():
    out = validate_params("03_tracking", {"as_of": AS_OF, "cadence": "monthly"})
    assert out["cadence"] == "monthly"


# --------------------------------------------------------------------------- bad values

def test_unknown_key_names_it_and_lists_allowed():
    with pytest.raises(ParameterError) as exc:
        validate_params("01", {"as_of": AS_OF, "regoin": "north"})
    msg = str(exc.value)
    assert "'regoin'" in msg
    for key in ("as_of", "data_dir", "lang", "lookback_months", "plan_dir"):
        assert key in msg


def test_period_is_unknown_for_situation_analysis():
    with pytest.raises(ParameterError, match="'period'"):
        validate_params("01", {"as_of": AS_OF, "period": "2026-Q3"})


@pytest.mark.parametrize("key, value, form", [
    ("as_of", "2026-13-01", "YYYY-MM-DD"),
    ("as_of", "2026-02-30", "YYYY-MM-DD"),
    ("as_of", "30/06/2026", "YYYY-MM-DD"),
    ("as_of", "20260630", "YYYY-MM-DD"),
    ("lang", "fr", "zh or en"),
    ("lookback_months", "0", "1 to 120"),
    ("lookback_months", 121, "1 to 120"),
    ("lookback_months", "twelve", "1 to 120"),
    ("lookback_months", 12.5, "1 to 120"),
    ("lookback_months", True, "1 to 120"),
    ("data_dir", "", "folder"),
])
def test_malformed_value_names_key_value_and_form(key, value, form):
    raw = {"as_of": AS_OF, key: value}
    with pytest.raises(ParameterError) as exc:
        validate_params("01", raw)
    msg = str(exc.value)
    assert repr(key) in msg and repr(value) in msg and form in msg


@pytest.mark.parametrize("period", ["2026-Q5", "2026-13", "26-Q1", "Q3", "2026-7"])
def test_malformed_period(period):
    with pytest.raises(ParameterError) as exc:
        validate_params("03", {"as_of": AS_OF, "period": period})
    assert repr(period) in str(exc.value) and "YYYY-Qn" in str(exc.value)


def test_bad_cadence():
    with pytest.raises(ParameterError, match="daily, weekly or monthly"):
        validate_params("03", {"as_of": AS_OF, "cadence": "hourly"})


def test_as_of_is_required():
    with pytest.raises(ParameterError, match="'as_of' is required"):
        validate_params("02", {"period": "2026-Q3"})


# --------------------------------------------------------------------------- labels

def test_period_label():
    assert period_label("01", {"as_of": "2026-06-30"}) == "2026-06"
    assert period_label("02", {"as_of": "2026-06-30", "period": "2026-Q3"}) == "2026-Q3"
    assert period_label("03", {"as_of": "2026-06-30", "period": "2026-07"}) == "2026-07"
    assert period_label("04", {"as_of": "2026-06-30"}) == "2026-Q2"


@pytest.mark.parametrize("as_of, quarter", [
    ("2026-01-01", "2026-Q1"), ("2026-03-31", "2026-Q1"), ("2026-04-01", "2026-Q2"),
    ("2026-08-15", "2026-Q3"), ("2026-12-31", "2026-Q4"),
])
def test_default_period(as_of, quarter):
    assert default_period(as_of) == quarter


# --------------------------------------------------------------------------- command line

def test_parse_cli_params():
    assert parse_cli_params(["as_of=2026-06-30", "lookback-months=12", "data_dir=a=b"]) == {
        "as_of": "2026-06-30", "lookback_months": "12", "data_dir": "a=b"}
    assert validate_params("01", parse_cli_params(["as_of=2026-06-30", "lookback_months=12"]))[
        "lookback_months"] == 12


@pytest.mark.parametrize("items", [["as_of"], ["=2026"], ["lang=zh", "lang=en"]])
def test_parse_cli_params_errors(items):
    with pytest.raises(ParameterError):
        parse_cli_params(items)


def test_option_and_p_together_is_an_error():
    assert merge_params({"as_of": AS_OF, "lang": None}, {"lang": "en"}) == {
        "as_of": AS_OF, "lang": "en"}
    with pytest.raises(ParameterError, match="'as_of'"):
        merge_params({"as_of": AS_OF}, {"as_of": AS_OF})


# --------------------------------------------------------------------------- lookup

@pytest.mark.parametrize("name", ["01", "1", "situation_analysis", "01_situation_analysis",
                                  "01_situation_analysis.ipynb", "Situation-Analysis"])
def test_find_notebook(name):
    assert find_notebook(name).name == "01_situation_analysis"


def test_find_notebook_others():
    assert find_notebook("quarterly_retrospective").file == "04_quarterly_retrospective.ipynb"
    assert find_notebook("03").period_based and not find_notebook("01").period_based
    assert find_notebook("02").title("zh") and find_notebook("02").title("en") == "Goal setting"


@pytest.mark.parametrize("name", ["05", "all", "tracking_weekly", ""])
def test_find_notebook_unknown(name):
    with pytest.raises(ParameterError, match="01_situation_analysis"):
        find_notebook(name)


def test_select_notebooks():
    assert [s.name for s in select_notebooks(["all"])] == list(NOTEBOOKS)
    assert [s.name for s in select_notebooks(["03", "01", "tracking"])] == [
        "01_situation_analysis", "03_tracking"]


def test_weekly_and_monthly_tracking_reports_have_their_own_file_names():
    from attain.params import output_name
    weekly = validate_params("03", {"as_of": "2026-08-15"})
    monthly = validate_params("03", {"as_of": "2026-08-15", "cadence": "monthly"})
    assert weekly["cadence"] == "weekly"          # the default
    assert output_name("03", weekly) == "03_tracking"
    assert output_name("03", monthly) == "03_tracking_monthly"
    assert output_name("01", {"as_of": "2026-08-15"}) == "01_situation_analysis"
    daily = validate_params("03", {"as_of": "2026-08-15", "cadence": "daily"})
    assert output_name("03", daily) == "03_tracking_daily"
    with pytest.raises(ParameterError, match="cadence"):
        validate_params("03", {"as_of": "2026-08-15", "cadence": "hourly"})


def test_an_audience_gets_its_own_file_name_and_must_be_a_plain_name():
    from attain.params import output_name
    hq = validate_params("03", {"as_of": "2026-08-15", "audience": "hq", "lang": "en"})
    assert output_name("03", hq) == "03_tracking-hq"
    assert output_name("04", validate_params("04", {"as_of": "2026-08-15", "audience": "cfo"})) == \
        "04_quarterly_retrospective-cfo"
    for bad in ("HQ", "../x", "a b", "总部"):
        with pytest.raises(ParameterError, match="audience"):
            validate_params("03", {"as_of": "2026-08-15", "audience": bad})


def test_the_retrospective_defaults_to_the_last_complete_quarter_and_takes_only_quarters():
    assert validate_params("04", {"as_of": "2026-08-15"})["period"] == "2026-Q2"   # Q3 is not over
    assert validate_params("04", {"as_of": "2026-09-30"})["period"] == "2026-Q3"   # its last day
    assert validate_params("04", {"as_of": "2026-01-01"})["period"] == "2025-Q4"
    with pytest.raises(ParameterError, match="expected a quarter YYYY-Qn"):
        validate_params("04", {"as_of": "2026-08-15", "period": "2026"})
