"""Chat notifications after a run: a failed or interrupted run, or a report that raised new alerts.

The runner calls ``send(record, reports_dir=...)`` after every run with the record it appended to
``reports/runs.jsonl``. Settings come only from the environment:

- ``ATTAIN_WEBHOOK_URL``: where to POST (nothing is sent without it). Webhook URLs carry tokens, so the URL,
  or any part of it, is never printed, logged or returned;
- ``ATTAIN_WEBHOOK_STYLE``: the JSON shape (``slack`` — also right for Mattermost, Rocket.Chat and a Teams
  workflow reading ``text`` —, ``feishu``/``lark``, ``dingtalk``, ``wecom``); inferred from the host when unset;
- ``ATTAIN_REPORTS_URL``: where ``reports/`` is served, to turn output paths into links; without it the
  message shows the absolute file path.

Every message starts with ``attain``, so a DingTalk or Feishu robot with a keyword check can use that word.
A webhook that fails never fails the run: ``send`` returns a short outcome and logs a warning.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit

from attain import i18n
from attain.alert_state import read_previous
from attain.errors import AttainError
from attain.redaction import redact, scrub, secret_values

log = logging.getLogger("attain.notify")

STYLES = ("slack", "mattermost", "rocketchat", "teams", "feishu", "lark", "dingtalk", "wecom")
_HOSTS = {"open.feishu.cn": "feishu", "open.larksuite.com": "feishu",
          "oapi.dingtalk.com": "dingtalk", "qyapi.weixin.qq.com": "wecom"}
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
MAX_CHARS = 1000
_ERROR_CHARS = 300
_ALERT_CHARS = 180
TOP_ALERTS = 3

i18n.register({
    "notify.head.failed": {"zh": "attain · 运行失败", "en": "attain · run failed"},
    "notify.head.interrupted": {"zh": "attain · 运行中断", "en": "attain · run interrupted"},
    "notify.head.alerts": {"zh": "attain · 新预警 {n} 条", "en": "attain · new alerts: {n}"},
    "notify.report": {"zh": "报告：{what}", "en": "Report: {what}"},
    "notify.job": {"zh": "任务：{job}", "en": "Job: {job}"},
    "notify.manual": {"zh": "手动运行", "en": "manual run"},
    "notify.status": {"zh": "状态：{status}（用时 {seconds} 秒）", "en": "Status: {status} ({seconds} s)"},
    "notify.status.ok": {"zh": "成功", "en": "succeeded"},
    "notify.status.failed": {"zh": "失败", "en": "failed"},
    "notify.status.interrupted": {"zh": "中断", "en": "interrupted"},
    "notify.error": {"zh": "错误：{error}", "en": "Error: {error}"},
    "notify.failed_at": {"zh": "失败的 notebook：{where}", "en": "Failed notebook: {where}"},
    "notify.no_failed": {"zh": "未保留失败的 notebook", "en": "no failed notebook was kept"},
    "notify.alerts_all": {"zh": "新预警：", "en": "New alerts:"},
    "notify.alerts_top": {"zh": "新预警共 {n} 条，最严重的 {k} 条：", "en": "{n} new alerts, the {k} most severe:"},
    "notify.sev.high": {"zh": "高", "en": "high"},
    "notify.sev.medium": {"zh": "中", "en": "medium"},
    "notify.sev.low": {"zh": "低", "en": "low"},
    "notify.owner": {"zh": "（负责人：{owner}）", "en": " (owner: {owner})"},
    "notify.link": {"zh": "查看报告：{where}", "en": "Link: {where}"},
})


# --- deciding ---------------------------------------------------------------------------------------------

def new_alerts(alerts_doc: Mapping | None) -> list[dict]:
    """The alerts in state "new" of an alerts.json document, as listed (empty for None or a malformed doc)."""
    alerts = alerts_doc.get("alerts") if isinstance(alerts_doc, Mapping) else None
    if not isinstance(alerts, list):
        return []
    return [a for a in alerts if isinstance(a, Mapping) and a.get("state") == "new"]


def should_notify(record: Mapping, alerts_doc: Mapping | None) -> bool:
    """True for a failed or interrupted run, or a successful one whose alerts include a new one."""
    status = record.get("status")
    if status in ("failed", "interrupted"):
        return True
    return status == "ok" and bool(new_alerts(alerts_doc))


# --- composing --------------------------------------------------------------------------------------------

def _lang(record: Mapping) -> str:
    params = record.get("params")
    lang = params.get("lang") if isinstance(params, Mapping) else None
    return lang if lang in i18n.LANGS else "zh"


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _first_line(text: object) -> str:
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    return lines[0] if lines else ""


def _where(rel: str | None, *, reports_url: str | None, reports_dir: str | Path | None) -> str | None:
    """A link under ``reports_url``, else the absolute path under ``reports_dir`` (else ``rel`` as is)."""
    if not rel:
        return None
    rel = str(rel)
    if reports_url:
        return reports_url.rstrip("/") + "/" + quote(rel.replace(os.sep, "/").lstrip("/"), safe="/")
    if reports_dir is not None:
        return str((Path(reports_dir) / rel).absolute())
    return rel


def top_alerts(alerts_doc: Mapping | None, k: int = TOP_ALERTS) -> list[dict]:
    """The ``k`` most severe new alerts; equal severities keep the document's order."""
    ranked = sorted(new_alerts(alerts_doc), key=lambda a: _SEVERITY_ORDER.get(str(a.get("severity")), 9))
    return ranked[:k]


def _alert_line(alert: Mapping, lang: str) -> str:
    other = "message_zh" if lang == "en" else "message_en"
    text = alert.get(f"message_{lang}") or alert.get(other) or alert.get("subject") or alert.get("key") or ""
    severity = str(alert.get("severity"))
    sev = i18n.t(f"notify.sev.{severity}", lang) if severity in _SEVERITY_ORDER else severity
    owner = i18n.t("notify.owner", lang, owner=alert["owner"]) if alert.get("owner") else ""
    return _clip(f"- [{sev}] {text}{owner}", _ALERT_CHARS)


def _header(record: Mapping, lang: str, n_new: int) -> list[str]:
    status = str(record.get("status"))
    head = i18n.t(f"notify.head.{status}", lang) if status in ("failed", "interrupted") \
        else i18n.t("notify.head.alerts", lang, n=n_new)
    title = record.get("title") or record.get("notebook") or record.get("target") or ""
    what = " · ".join(str(p) for p in (title, record.get("period"), record.get("audience")) if p)
    job = record.get("job") or i18n.t("notify.manual", lang)
    word = i18n.t(f"notify.status.{status}", lang) if status in ("ok", "failed", "interrupted") else status
    seconds = record.get("seconds")
    secs = f"{float(seconds):.0f}" if isinstance(seconds, (int, float)) else "?"
    return [head, i18n.t("notify.report", lang, what=_clip(what, 120)), i18n.t("notify.job", lang, job=_clip(job, 80)),
            i18n.t("notify.status", lang, status=word, seconds=secs)]


def compose(record: Mapping, alerts_doc: Mapping | None, *, reports_url: str | None = None,
            reports_dir: str | Path | None = None) -> str:
    """A short plain-text message in the report's language (``params.lang``, default zh).

    Failures give the first line of the error and where the failed notebook is; successful runs the
    number of new alerts and the top three. The last line links the report (or failed notebook):
    ``reports_url/<relative path>`` when ``reports_url`` is given, else the path under ``reports_dir``.
    """
    lang = _lang(record)
    fresh = new_alerts(alerts_doc)
    lines = _header(record, lang, len(fresh))
    tail: str | None = None
    if record.get("status") in ("failed", "interrupted"):
        error = _first_line(record.get("error"))
        if error:
            lines.append(i18n.t("notify.error", lang, error=_clip(error, _ERROR_CHARS)))
        where = _where(record.get("failed_notebook"), reports_url=reports_url, reports_dir=reports_dir)
        tail = i18n.t("notify.failed_at", lang, where=where or i18n.t("notify.no_failed", lang))
    else:
        top = top_alerts(alerts_doc)
        if fresh:
            lines.append(i18n.t("notify.alerts_top", lang, n=len(fresh), k=len(top)) if len(fresh) > len(top)
                         else i18n.t("notify.alerts_all", lang))
            lines.extend(_alert_line(a, lang) for a in top)
        where = _where(record.get("html"), reports_url=reports_url, reports_dir=reports_dir)
        tail = i18n.t("notify.link", lang, where=where) if where else None
    body = "\n".join(lines)
    if tail is None:
        return body[:MAX_CHARS]
    room = max(MAX_CHARS - len(tail) - 1, 0)
    return (body if len(body) <= room else body[:max(room - 1, 0)] + "…") + "\n" + tail


# --- shapes and styles ------------------------------------------------------------------------------------

def payload(text: str, style: str) -> dict:
    """The JSON body a chat webhook of ``style`` accepts for a plain-text message."""
    style = str(style).strip().lower()
    if style in ("feishu", "lark"):
        return {"msg_type": "text", "content": {"text": text}}
    if style in ("dingtalk", "wecom"):
        return {"msgtype": "text", "text": {"content": text}}
    if style in ("slack", "mattermost", "rocketchat", "teams"):
        return {"text": text}
    raise _style_error(style)


def _style_error(value: str) -> AttainError:
    return AttainError(f"unknown webhook style {value!r}", where="ATTAIN_WEBHOOK_STYLE",
                       hint=f"set ATTAIN_WEBHOOK_STYLE to one of: {', '.join(STYLES)} (or unset it to infer "
                            "the style from the webhook host)")


def style_for(url: str, configured: str | None = None) -> str:
    """The configured style if set (it must be one of ``STYLES``), else inferred from the URL's host."""
    if configured is not None and configured.strip():
        style = configured.strip().lower()
        if style not in STYLES:
            raise _style_error(configured.strip())
        return style
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        host = ""
    for known, style in _HOSTS.items():
        if host == known or host.endswith("." + known):
            return style
    return "slack"


# --- sending ----------------------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is reported as an HTTP error: following it would turn the POST into a GET."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _answer_error(body: bytes) -> str | None:
    """The error a DingTalk/WeCom (``errcode``) or Feishu (``code``/``StatusCode``) body reports, if any."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict):
        return None
    for key, msg_key in (("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage")):
        try:
            failed = key in doc and doc[key] is not None and int(doc[key]) != 0
        except (TypeError, ValueError):
            failed = False
        if failed:
            detail = f" ({_clip(doc[msg_key], 100)})" if doc.get(msg_key) else ""
            return f"{key} {doc[key]}{detail}"
    return None


def post(url: str, body: dict, *, timeout: float) -> str:
    """POST ``body`` as UTF-8 JSON; "sent" or "failed: …" (the reason may still contain the URL)."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            answer = response.read(65536)
    except urllib.error.HTTPError as exc:
        return f"failed: HTTP {exc.code}"
    except TimeoutError:
        return "failed: timed out"
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return "failed: timed out"
        return f"failed: {exc.reason}"
    problem = _answer_error(answer)
    return f"failed: {problem}" if problem else "sent"


def _load_alerts(record: Mapping, reports_dir: str | Path) -> dict | None:
    rel = record.get("alerts")
    return read_previous(Path(reports_dir) / str(rel)) if rel else None


def send(record: Mapping, *, reports_dir: str | Path, env: Mapping[str, str] | None = None,
         timeout: float = 10.0) -> str:
    """Notify the webhook about ``record`` if there is something to report; never raises.

    Returns "no webhook configured", "skipped: nothing to report", "sent" or "failed: <reason>" (HTTP status,
    time-out, a chat error code, a bad ``ATTAIN_WEBHOOK_STYLE`` …). Failures are logged as warnings on
    ``attain.notify``; the webhook URL is scrubbed from both.
    """
    url = ""
    try:
        env = os.environ if env is None else env
        url = (env.get("ATTAIN_WEBHOOK_URL") or "").strip()
        if not url:
            return "no webhook configured"
        outcome = _send(record, url, reports_dir=reports_dir, env=env, timeout=timeout)
    except AttainError as exc:
        outcome = f"failed: {exc}"
    except Exception as exc:  # noqa: BLE001 - a notification must never break the run
        outcome = f"failed: {type(exc).__name__}: {exc}"
    outcome = _clip(scrub(outcome, url), 300) if url else _clip(outcome, 300)
    if outcome.startswith("failed"):
        run_id = record.get("run_id") if isinstance(record, Mapping) else None
        log.warning("run %s: notification not delivered: %s", run_id, outcome)
    return outcome


def _send(record: Mapping, url: str, *, reports_dir: str | Path, env: Mapping[str, str], timeout: float) -> str:
    style = style_for(url, env.get("ATTAIN_WEBHOOK_STYLE"))
    alerts_doc = _load_alerts(record, reports_dir)
    if not should_notify(record, alerts_doc):
        return "skipped: nothing to report"
    text = compose(record, alerts_doc, reports_url=(env.get("ATTAIN_REPORTS_URL") or "").strip() or None,
                   reports_dir=reports_dir)
    return post(url, payload(text, style), timeout=timeout)


__all__ = ["STYLES", "compose", "new_alerts", "payload", "post", "redact", "scrub", "secret_values", "send",
           "should_notify", "style_for", "top_alerts"]
