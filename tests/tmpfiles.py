"""Writing small data and plan files for a test (imported by the test modules; pytest puts tests/ on the path)."""

from __future__ import annotations

from pathlib import Path


def write(folder: Path, **files: str) -> Path:
    """Create ``folder`` with one UTF-8 text file per keyword (file name = text); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
