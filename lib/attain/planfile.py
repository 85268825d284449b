"""Reading an analyst's plan files (YAML under ``data/plan/``) with errors that name file, entry and field.

Every plan file has one top-level key holding a list of entries (``goals:``, ``modules:``,
``checkins:`` …). :func:`read` parses without implicit dates (so ``2026-02-30`` reaches the model as
text and is reported with its entry and field), :func:`entries` checks the top-level shape,
:func:`validate` turns a pydantic error into an ``AttainError`` (file, entry, field, what to do) and
:func:`no_duplicates` refuses an id used twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from attain.errors import AttainError


def read_plan_yaml(path: Path):
    """A plan file's YAML; a syntax error names the file and line."""
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


class _TextDates(yaml.SafeLoader):
    """YAML without implicit dates: 2026-02-30 stays text, so the models report it (entry, field) instead
    of the YAML library failing on it without a location."""


_TextDates.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def read(path: Path) -> Any:
    """A plan file's YAML (dates as text); a syntax error names the file and line."""
    try:
        return yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_TextDates)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError:
        return read_plan_yaml(path)   # raises the house's message (file, line, what to do)
    except UnicodeDecodeError:
        raise AttainError("the file is not UTF-8 text", file=path, hint="save it as UTF-8") from None


def entries(path: Path, doc: Any, key: str) -> list:
    """The list under the file's one top-level ``key`` (an empty file: no entries)."""
    if doc is None:
        doc = {key: []}
    if not isinstance(doc, dict) or set(doc) - {key}:
        extra = sorted(str(k) for k in doc) if isinstance(doc, dict) else []
        raise AttainError(f"expected one top-level key '{key}'" + (f", found: {', '.join(extra)}" if extra else ""),
                          file=path, hint=f"start the file with '{key}:' and list the entries under it")
    items = doc.get(key) or []
    if not isinstance(items, list):
        raise AttainError(f"'{key}' must be a list", file=path, where=key, hint="start each entry with '- '")
    return items


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _is_type_tag(part: str) -> bool:
    """pydantic puts union members and validator wrappers into an error's location; they are not fields."""
    return part in ("str", "int", "float", "list[str]") or part.startswith(("function-", "literal["))


def _raise_invalid(path: Path, model, what: str, exc: ValidationError, hints: Mapping[str, str]) -> None:
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")  # a misspelt key first
    err = errors[0]
    loc = tuple(p for p in err["loc"] if isinstance(p, int) or not _is_type_tag(p))
    field = _field_path(loc) or "?"
    if err["type"] == "extra_forbidden":
        message = f"unknown key '{loc[-1]}'"
    elif err["type"] == "missing":
        message = f"'{loc[-1]}' is missing"
    else:
        ctx = err.get("ctx", {}).get("error")
        message = str(ctx if ctx is not None else err["msg"])
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem(s) in this entry)"
    top = next((str(p) for p in loc if isinstance(p, str)), "")
    hint = hints.get(top) or hints.get(str(loc[-1]) if loc else "")
    if err["type"] == "extra_forbidden" and len(loc) == 1:
        hint = f"the keys are: {', '.join(model.model_fields)}"
    raise AttainError(message, file=path, where=f"{what}, field {field}",
                      hint=hint or "check the value against the file's header comment") from None


def validate(path: Path, model, item: Any, what: str, hints: Mapping[str, str] | None = None):
    """``item`` as an instance of the pydantic ``model``; a problem names file, entry (``what``) and field."""
    if not isinstance(item, dict):
        raise AttainError(f"{what} is not a mapping of keys to values", file=path, where=what,
                          hint="write each entry as 'key: value' lines under its '- '")
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        _raise_invalid(path, model, what, exc, hints or {})


def label(kind: str, i: int, item: Any, key: str = "id") -> str:
    """How an entry is named in a message: ``goal G03`` or ``goal 4 (no id)``."""
    ident = item.get(key) if isinstance(item, dict) else None
    return f"{kind} {ident}" if ident not in (None, "") else f"{kind} {i} (no id)"


def no_duplicates(path: Path, kind: str, ids: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, ident in enumerate(ids, start=1):
        if ident in seen:
            raise AttainError(f"{kind} id '{ident}' is used twice ({kind}s {seen[ident]} and {i})", file=path,
                              where=f"{kind} {ident}, field id", hint=f"give each {kind} an id of its own")
        seen[ident] = i


#: plan files and the loaders that read them: (module, function) so that only the loaders of files present
#: are imported (some pull in plotting or statistics libraries)
LOADERS: dict[str, tuple[tuple[str, str], ...]] = {
    "goals.yaml": (("goals", "load_goals"),),
    "plan.yaml": (("goals", "load_plan"),),
    "budget.yaml": (("budget", "load_budget_if_present"),),
    "risks.yaml": (("risks", "load_risks"),),
    "swot.yaml": (("swot_plan", "load_swot"),),
    "capabilities.yaml": (("capability_plan", "load_capabilities"),),
    "checkins.yaml": (("checkins", "load_checkins"),),
    "experiments.yaml": (("experiments", "load_experiments"),),
    "lessons.yaml": (("lessons", "load_lessons"),),
    "alerts.yaml": (("alert_rules", "load_alert_rules"),),
    "channels.yaml": (("channels", "load_channel_groups"), ("channels", "load_segments")),
}


def check_folder(plan_dir: Path, only: tuple[str, ...] | None = None) -> list[str]:
    """Read every plan file present in ``plan_dir`` (or the ``only`` ones) with its loader and return the
    names checked; the first problem raises ``AttainError`` (file, entry, field, what to do)."""
    import importlib
    plan_dir = Path(plan_dir)
    if not plan_dir.is_dir():
        raise AttainError("the plan folder does not exist", file=plan_dir,
                          hint="pass --plan DIR with goals.yaml (copy data/plan as a starting point)")
    checked = []
    for name, loaders in LOADERS.items():
        if (only is not None and name not in only) or not (plan_dir / name).exists():
            continue
        if not (plan_dir / name).is_file():
            raise AttainError("this is a folder, not a plan file", file=plan_dir / name,
                              hint="put the YAML file here (or rename the folder)")
        for module, function in loaders:
            getattr(importlib.import_module(f"attain.{module}"), function)(plan_dir)
        checked.append(name)
    if only is None and (plan_dir / "retro").is_dir():
        from attain.lessons import load_retro
        from attain.params import check_period
        for path in sorted((plan_dir / "retro").glob("*.yaml")):
            try:
                check_period(path.stem)
            except ValueError:
                raise AttainError("a retrospective file is named after its quarter", file=path,
                                  hint="rename it, e.g. retro/2026-Q2.yaml") from None
            load_retro(plan_dir, path.stem)
            checked.append(f"retro/{path.name}")
    return checked
