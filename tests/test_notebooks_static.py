"""Every committed notebook: valid, parameterised the way papermill and attain.run expect, clean."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
EXPECTED = {"01_situation_analysis", "02_goal_setting", "03_tracking", "04_quarterly_retrospective"}
COMMON = {"as_of", "data_dir", "plan_dir", "lang"}
MAX_CELL_LINES = 12


def ids(paths):
    return [p.stem for p in paths]


def read(path: Path):
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def parameters_cells(nb):
    return [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]


def assigned(cell) -> dict[str, object]:
    """Names the parameters cell assigns, with their literal values."""
    tree = ast.parse(cell.source)
    out = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, \
            "the parameters cell holds only simple assignments"
        out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def test_the_four_notebooks_exist():
    assert EXPECTED <= {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_valid_nbformat_4(path):
    nb = read(path)
    assert nb.nbformat == 4
    nbformat.validate(nb)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_kernelspec_is_python3(path):
    ks = read(path).metadata["kernelspec"]
    assert ks["name"] == "python3"
    assert ks["display_name"] == "Python 3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_committed_without_outputs_or_execution_counts(path):
    for cell in read(path).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {cell.get('id')} has outputs"
            assert cell.execution_count is None, f"cell {cell.get('id')} has an execution count"
    assert "papermill" not in read(path).metadata


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_exactly_one_parameters_cell_with_the_expected_names(path):
    nb = read(path)
    cells = parameters_cells(nb)
    assert len(cells) == 1, f"{path.name}: {len(cells)} cells tagged 'parameters'"
    assert cells[0].cell_type == "code"
    names = assigned(cells[0])
    assert COMMON <= set(names), f"{path.name} lacks {COMMON - set(names)}"
    if not path.stem.startswith("01"):
        assert "period" in names
    if path.stem.startswith("03"):
        assert names.get("cadence") == "weekly"
    assert names["lang"] in ("zh", "en")
    assert names["data_dir"] == "data/sample" and names["plan_dir"] == "data/plan"


def test_situation_parameters_defaults():
    names = assigned(parameters_cells(read(NOTEBOOKS_DIR / "01_situation_analysis.ipynb"))[0])
    assert names == {"as_of": "2026-08-15", "lookback_months": 24, "data_dir": "data/sample",
                     "plan_dir": "data/plan", "lang": "zh", "audience": None}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_starts_with_a_markdown_title_then_the_parameters(path):
    cells = read(path).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    assert "parameters" in cells[1].metadata.get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_cells_are_thin_and_never_touch_the_theme_or_today(path):
    for cell in read(path).cells:
        if cell.cell_type != "code":
            continue
        lines = [ln for ln in cell.source.splitlines() if ln.strip()]
        assert len(lines) <= MAX_CELL_LINES, f"cell {cell.get('id')} has {len(lines)} lines; move logic to lib/"
        for banned in ("sns.set_theme", "sns.set(", "date.today", "datetime.now", "pd.Timestamp.now"):
            assert banned not in cell.source, f"cell {cell.get('id')} uses {banned}"
