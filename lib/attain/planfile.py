"""Reading an analyst's plan file (YAML under ``data/plan/``) with errors that name file and line."""

from __future__ import annotations

from pathlib import Path

from attain.errors import AttainError


def read_plan_yaml(path: Path):
    """A plan file's YAML; a syntax error names the file and line."""
    import yaml
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise AttainError(f"not valid YAML ({getattr(exc, 'problem', None) or exc.__class__.__name__})", file=path,
                          where=f"line {mark.line + 1}" if mark else None,
                          hint="fix the YAML syntax (indentation, colons, quotes; quote texts containing ': ')"
                          ) from None
    except UnicodeDecodeError:
        raise AttainError("the file is not UTF-8 text", file=path, hint="save it as UTF-8") from None
