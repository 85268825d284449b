"""Files a report publishes next to its HTML (``alerts.json``, an Excel workbook …).

A notebook never writes into the reports folder itself: it *attaches* each file to its executed notebook as
a hidden output (:func:`attach`, in a cell tagged ``remove-cell``), and the runner publishes the attached
files together with the HTML only when the whole run succeeded (:func:`collect`). So a failed run leaves no
half-written artifact, and the executed notebook holds everything the run produced.

A published artifact is named ``<report>.<name>``, e.g. ``reports/2026-Q3/03_tracking.alerts.json``.
"""

from __future__ import annotations

import base64
import re
from typing import Any

MIME = "application/x.attain-artifact+json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name or "") or ".." in name:
        raise ValueError(f"{name!r} is not an artifact name (letters, digits, '.', '_', '-'; no folders)")
    return name


def bundle(name: str, data: bytes | str) -> dict[str, Any]:
    """The display bundle carrying one file."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return {MIME: {"name": check_name(name), "encoding": "base64", "data": base64.b64encode(raw).decode("ascii")}}


def attach(name: str, data: bytes | str) -> None:
    """In a notebook: attach ``data`` as the file ``name`` (published by the runner beside the HTML)."""
    from IPython.display import display

    display(bundle(name, data), raw=True)


def collect(nb: Any) -> dict[str, bytes]:
    """The files attached in an executed notebook, by name (a later attachment of a name wins)."""
    found: dict[str, bytes] = {}
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            item = out.get("data", {}).get(MIME) if out.get("output_type") == "display_data" else None
            if isinstance(item, dict) and item.get("encoding") == "base64":
                found[check_name(str(item.get("name", "")))] = base64.b64decode(item.get("data", ""))
    return found


def published_name(report: str, name: str) -> str:
    return f"{report}.{check_name(name)}"


__all__ = ["MIME", "attach", "bundle", "check_name", "collect", "published_name"]
