"""The reader's HTML of an executed notebook: nbconvert with the ``attain`` template, no code, a header line
naming the parameters the report was made with, and a title that names its period, cadence and audience."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat

from attain.params import NotebookSpec

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "attain"
_HIDDEN_TAGS = {"parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell"}

HEADER_LABELS = {
    "zh": {"label": "生成参数", "as_of": "数据截至", "period": "期间", "data_dir": "数据",
           "plan_dir": "计划", "lookback_months": "回看月数", "cadence": "频率", "audience": "读者",
           "owner": "负责人"},
    "en": {"label": "Generated with", "as_of": "as of", "period": "period",
           "data_dir": "data", "plan_dir": "plan", "lookback_months": "lookback months",
           "cadence": "cadence", "audience": "audience", "owner": "owner"},
}


_CADENCE_LABELS = {"zh": {"daily": "日报", "monthly": "月报"}, "en": {"daily": "daily", "monthly": "monthly"}}


def report_title(spec: NotebookSpec, params: Mapping[str, Any], period: str, lang: str) -> str:
    """``进度追踪 · 日报 · 2026-Q3 · hq``: the notebook's title, its cadence if not weekly, the period, the audience."""
    parts = [spec.title(lang), _CADENCE_LABELS[lang].get(params.get("cadence", "")), period, params.get("audience")]
    return " · ".join(p for p in parts if p)


def header_fields(params: Mapping[str, Any], lang: str) -> list[list[str]]:
    labels = HEADER_LABELS[lang]
    fields = []
    for key in ("as_of", "period", "data_dir", "plan_dir", "lookback_months", "cadence", "audience", "owner"):
        if params.get(key) is None:
            continue
        value = params[key]
        if key.endswith("_dir"):
            value = Path(str(value)).name or str(value)  # a folder name, never a full path
        fields.append([labels[key], str(value)])
    return fields


def render_html(nb: Any, *, title: str, lang: str, header: dict[str, Any]) -> str:
    """The reader's HTML: outputs and markdown only, self-contained."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(_HIDDEN_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    exporter = HTMLExporter(
        config=config, template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)], exclude_input=True,
        exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True,
        language_code=lang)
    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = title
    nb.metadata.pop("papermill", None)
    body, _ = exporter.from_notebook_node(nb, resources={"attain": header})
    return body
