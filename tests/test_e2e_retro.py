"""The quarterly retrospective on a copy of the plan: its lessons are appended to the knowledge base."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def test_retrospective_appends_the_quarters_lessons_and_keeps_earlier_ones(sample_dir, tmp_path):
    plan = tmp_path / "plan"
    shutil.copytree(ROOT / "data" / "plan", plan, ignore=shutil.ignore_patterns("targets"))
    kb = plan / "lessons.yaml"
    text = kb.read_text(encoding="utf-8")
    kb.write_text(text[:text.index("  - id: 2026-Q2-01")], encoding="utf-8")   # as before the Q2 retrospective
    before = kb.read_bytes()
    proc = subprocess.run([str(BIN / "attain"), "run", "04", "--as-of", "2026-08-15", "--plan", str(plan),
                           "--out", str(tmp_path / "out"), "--lang", "en"],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = kb.read_bytes()
    assert after.startswith(before)                                     # nothing earlier lost or rewritten
    ids = [e["id"] for e in yaml.safe_load(after.decode("utf-8"))["lessons"]]
    assert ids == ["2026-Q1-01", "2026-Q1-02", "2026-Q1-03"] + [f"2026-Q2-0{i}" for i in range(1, 6)]
    page = (tmp_path / "out" / "2026-Q2" / "04_quarterly_retrospective.html").read_text(encoding="utf-8")
    words = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", page, flags=re.S))
    for heading in ("Key findings", "Results", "What drove the result", "Channel return", "Experiments (A/B tests)",
                    "Success factors and shortfalls", "Lessons learned", "Proposed targets for next quarter"):
        assert heading in words, heading
    assert words.index("Key findings") < words.index("Results")
    assert "5 added to the knowledge base" in words
