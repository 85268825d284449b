"""Notifications: what is sent, in which shape, and that a failing webhook never breaks a run or leaks its URL.

Sending is tested against a real HTTP server on 127.0.0.1 that records each request and can answer 200, 500,
a chat-style error body, or nothing until after the client's time-out.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from attain import notify
from attain.alert_state import Alert, document, dumps
from attain.errors import AttainError

TOKEN_PATH = "T0KEN-s3cr3t-abcdef"
TOKEN_QUERY = "AT-9f8e7d6c5b"
REPORTS_URL = "https://reports.example.com/attain/"


# --- a real webhook server --------------------------------------------------------------------------------

class _Hook(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = "ok"
        self.requests: list[dict] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Hook

    def log_message(self, *args: object) -> None:   # keep test output quiet
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append({"path": self.path, "type": self.headers.get("Content-Type"),
                                     "body": body})
        mode = self.server.mode
        if mode == "sleep":
            time.sleep(3)
        status, answer = {"ok": (200, b"ok"), "500": (500, b"boom"),
                          "errcode": (200, b'{"errcode": 310000, "errmsg": "keywords not in content"}'),
                          "errcode0": (200, b'{"errcode": 0, "errmsg": "ok"}'),
                          "feishu_err": (200, b'{"code": 19001, "msg": "param invalid"}'),
                          "sleep": (200, b"ok"), "redirect": (302, b"")}[mode]
        try:
            self.send_response(status)
            if mode == "redirect":
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:     # the client gave up (time-out test)
            pass


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch):
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    server = _Hook()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}/hook/{TOKEN_PATH}?access_token={TOKEN_QUERY}"
    yield server
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- records and alerts documents -------------------------------------------------------------------------

def _record(**over: object) -> dict:
    rec = {"run_id": "20260817T000012-3f2a1b9c", "job": "weekly-tracking", "target": "03_tracking-hq",
           "notebook": "03_tracking", "audience": "hq", "period": "2026-Q3", "title": "进度追踪",
           "params": {"as_of": "2026-08-16", "lang": "zh"}, "started": "2026-08-17T00:00:12+00:00",
           "seconds": 21.4, "status": "ok", "html": "2026-Q3/03_tracking-hq.html",
           "ipynb": "2026-Q3/03_tracking-hq.ipynb", "failed_notebook": None,
           "alerts": "2026-Q3/03_tracking-hq.alerts.json", "error": None}
    rec.update(over)
    return rec


def _failed(**over: object) -> dict:
    base = {"status": "failed", "html": None, "ipynb": None, "alerts": None,
            "failed_notebook": "_failed/2026-Q3/03_tracking-20260817T000033.ipynb",
            "error": "KeyError: 'gmv' in cell 5\nTraceback (most recent call last): ..."}
    base.update(over)
    return _record(**base)


def _alert(key: str, severity: str, state: str, en: str, zh: str = "", owner: str | None = None) -> Alert:
    return Alert(key=key, rule=key.split(":")[0], severity=severity, subject=key.split(":")[1],
                 message_zh=zh or en, message_en=en, owner=owner, state=state, first_seen="2026-08-16")


MIXED = [_alert("rule:a", "low", "new", "Low one"),
         _alert("pace:G02", "high", "new", "G02 behind pace", "G02 进度落后", owner="王芳"),
         _alert("cac:直播", "medium", "new", "CAC over budget in 直播"),
         _alert("burn:M1", "high", "new", "M1 burning fast", "M1 花费超前"),
         _alert("pace:G01", "high", "ongoing", "G01 still behind"),
         _alert("stale:traffic", "high", "resolved", "traffic data fresh again")]


def _doc(alerts: list[Alert]) -> dict:
    return document(alerts, {"as_of": None, "alerts": []}, report="03_tracking", period="2026-Q3",
                    as_of="2026-08-16")


def _write_doc(reports_dir: Path, alerts: list[Alert]) -> None:
    path = reports_dir / "2026-Q3" / "03_tracking-hq.alerts.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(_doc(alerts)), encoding="utf-8")


FAILED_ZH = ("attain · 运行失败\n"
             "报告：进度追踪 · 2026-Q3 · hq\n"
             "任务：weekly-tracking\n"
             "状态：失败（用时 21 秒）\n"
             "错误：KeyError: 'gmv' in cell 5\n"
             "失败的 notebook：https://reports.example.com/attain/_failed/2026-Q3/03_tracking-20260817T000033.ipynb")


# --- deciding ---------------------------------------------------------------------------------------------

def test_should_notify_fires_on_failure_and_new_alerts_only():
    assert notify.should_notify(_failed(), None)
    assert notify.should_notify(_record(status="interrupted", error=None), None)
    assert notify.should_notify(_record(), _doc(MIXED))
    assert notify.should_notify(_record(), _doc([MIXED[0]]))
    assert not notify.should_notify(_record(), None)
    assert not notify.should_notify(_record(), _doc([]))
    assert not notify.should_notify(_record(), _doc(MIXED[4:]))           # ongoing + resolved only
    assert not notify.should_notify(_record(), {"alerts": "garbage"})


# --- composing --------------------------------------------------------------------------------------------

def test_compose_failure_in_chinese_with_link():
    assert notify.compose(_failed(), None, reports_url=REPORTS_URL) == FAILED_ZH


def test_compose_new_alerts_in_english_top3_by_severity_then_listed(tmp_path):
    rec = _record(job=None, audience=None, params={"lang": "en"})
    text = notify.compose(rec, _doc(MIXED), reports_dir=tmp_path)
    assert text == ("attain · new alerts: 4\n"
                    "Report: 进度追踪 · 2026-Q3\n"
                    "Job: manual run\n"
                    "Status: succeeded (21 s)\n"
                    "4 new alerts, the 3 most severe:\n"
                    "- [high] G02 behind pace (owner: 王芳)\n"
                    "- [high] M1 burning fast\n"
                    "- [medium] CAC over budget in 直播\n"
                    f"Link: {tmp_path.absolute()}/2026-Q3/03_tracking-hq.html")


def test_compose_lists_all_new_alerts_when_three_or_fewer():
    text = notify.compose(_record(), _doc([MIXED[3], MIXED[4]]), reports_url="https://r.example")
    assert text.splitlines()[0] == "attain · 新预警 1 条"
    assert text.splitlines()[4:] == ["新预警：", "- [高] M1 花费超前", "查看报告：https://r.example/2026-Q3/03_tracking-hq.html"]


def test_compose_interrupted_without_failed_notebook():
    text = notify.compose(_record(status="interrupted", error=None, failed_notebook=None), None)
    assert text.splitlines()[0] == "attain · 运行中断"
    assert "状态：中断（用时 21 秒）" in text
    assert text.splitlines()[-1] == "失败的 notebook：未保留失败的 notebook"


def test_compose_stays_short_and_keeps_the_link():
    long_alerts = [_alert(f"rule:x{i}", "high", "new", "very long message " * 60) for i in range(5)]
    text = notify.compose(_record(), _doc(long_alerts), reports_url=REPORTS_URL)
    assert len(text) <= 1000
    assert all(len(line) <= 180 for line in text.splitlines()[5:8])
    assert text.endswith("2026-Q3/03_tracking-hq.html")
    text = notify.compose(_failed(error="x" * 5000), None, reports_url=REPORTS_URL)
    assert len(text) < 1000
    assert "\n错误：" + "x" * 299 + "…\n" in text      # 300 characters with the ellipsis
    assert text.endswith("03_tracking-20260817T000033.ipynb")


# --- shapes and styles ------------------------------------------------------------------------------------

def test_payload_shapes():
    assert notify.payload("hi", "slack") == {"text": "hi"}
    assert notify.payload("hi", "mattermost") == {"text": "hi"}
    assert notify.payload("hi", "feishu") == {"msg_type": "text", "content": {"text": "hi"}}
    assert notify.payload("hi", "lark") == {"msg_type": "text", "content": {"text": "hi"}}
    assert notify.payload("hi", "dingtalk") == {"msgtype": "text", "text": {"content": "hi"}}
    assert notify.payload("hi", "wecom") == {"msgtype": "text", "text": {"content": "hi"}}


@pytest.mark.parametrize("url,style", [
    ("https://open.feishu.cn/open-apis/bot/v2/hook/abc", "feishu"),
    ("https://open.larksuite.com/open-apis/bot/v2/hook/abc", "feishu"),
    ("https://oapi.dingtalk.com/robot/send?access_token=abc", "dingtalk"),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "wecom"),
    ("https://hooks.slack.com/services/T0/B0/abc", "slack"),
    ("https://chat.example.com/hooks/abc", "slack"),
    ("https://evil.example/open.feishu.cn/hook", "slack"),
])
def test_style_inferred_from_host(url, style):
    assert notify.style_for(url) == style


def test_configured_style_wins_and_unknown_style_is_explained():
    assert notify.style_for("https://open.feishu.cn/x", "WeCom") == "wecom"
    assert notify.style_for("https://open.feishu.cn/x", "  ") == "feishu"
    with pytest.raises(AttainError) as err:
        notify.style_for("https://open.feishu.cn/x", "teams-card")
    assert "ATTAIN_WEBHOOK_STYLE" in str(err.value) and "dingtalk" in str(err.value)


# --- sending ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("style,expected", [
    ("slack", {"text": FAILED_ZH}),
    ("feishu", {"msg_type": "text", "content": {"text": FAILED_ZH}}),
    ("dingtalk", {"msgtype": "text", "text": {"content": FAILED_ZH}}),
    ("wecom", {"msgtype": "text", "text": {"content": FAILED_ZH}}),
])
def test_send_failure_posts_expected_json(hook, tmp_path, style, expected, caplog):
    env = {"ATTAIN_WEBHOOK_URL": hook.url, "ATTAIN_WEBHOOK_STYLE": style, "ATTAIN_REPORTS_URL": REPORTS_URL}
    with caplog.at_level(logging.WARNING, logger="attain.notify"):
        assert notify.send(_failed(), reports_dir=tmp_path, env=env) == "sent"
    assert len(hook.requests) == 1
    req = hook.requests[0]
    assert req["path"] == f"/hook/{TOKEN_PATH}?access_token={TOKEN_QUERY}"
    assert req["type"].startswith("application/json")
    assert json.loads(req["body"].decode("utf-8")) == expected
    assert not caplog.records


def test_send_new_alerts_reads_alerts_file_and_links_absolute_path(hook, tmp_path):
    _write_doc(tmp_path, MIXED)
    env = {"ATTAIN_WEBHOOK_URL": hook.url, "ATTAIN_WEBHOOK_STYLE": "feishu"}
    assert notify.send(_record(), reports_dir=tmp_path, env=env) == "sent"
    body = json.loads(hook.requests[0]["body"].decode("utf-8"))
    assert set(body) == {"msg_type", "content"} and body["msg_type"] == "text"
    lines = body["content"]["text"].splitlines()
    assert lines[0] == "attain · 新预警 4 条"
    assert lines[4:] == ["新预警共 4 条，最严重的 3 条：", "- [高] G02 进度落后（负责人：王芳）", "- [高] M1 花费超前",
                         "- [中] CAC over budget in 直播",
                         f"查看报告：{tmp_path.absolute()}/2026-Q3/03_tracking-hq.html"]


@pytest.mark.parametrize("alerts", [None, [], MIXED[4:], "garbage"])
def test_send_skips_ok_runs_without_new_alerts(hook, tmp_path, alerts):
    if alerts == "garbage":
        (tmp_path / "2026-Q3").mkdir()
        (tmp_path / "2026-Q3" / "03_tracking-hq.alerts.json").write_text("{not json", encoding="utf-8")
    elif alerts is not None:
        _write_doc(tmp_path, alerts)
    env = {"ATTAIN_WEBHOOK_URL": hook.url}
    assert notify.send(_record(), reports_dir=tmp_path, env=env) == "skipped: nothing to report"
    assert hook.requests == []


def test_send_without_url_sends_nothing(hook, tmp_path):
    assert notify.send(_failed(), reports_dir=tmp_path, env={"ATTAIN_WEBHOOK_URL": "  "}) == "no webhook configured"
    assert notify.send(_failed(), reports_dir=tmp_path, env={}) == "no webhook configured"
    assert hook.requests == []


def test_send_accepts_zero_errcode(hook, tmp_path):
    hook.mode = "errcode0"
    env = {"ATTAIN_WEBHOOK_URL": hook.url, "ATTAIN_WEBHOOK_STYLE": "dingtalk"}
    assert notify.send(_failed(), reports_dir=tmp_path, env=env) == "sent"


def _secrets(url: str) -> list[str]:
    return [url, TOKEN_PATH, TOKEN_QUERY, url.split("/hook/")[0]]


@pytest.mark.parametrize("mode,expected", [
    ("500", "failed: HTTP 500"),
    ("errcode", "failed: errcode 310000 (keywords not in content)"),
    ("feishu_err", "failed: code 19001 (param invalid)"),
    ("sleep", "failed: timed out"),
    ("redirect", "failed: HTTP 302"),
])
def test_send_failures_return_quietly_without_the_url(hook, tmp_path, caplog, mode, expected):
    hook.mode = mode
    env = {"ATTAIN_WEBHOOK_URL": hook.url}
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="attain.notify"):
        outcome = notify.send(_failed(), reports_dir=tmp_path, env=env, timeout=0.5)
    assert time.monotonic() - started < 2.0
    assert outcome == expected
    assert len(hook.requests) == 1
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert expected in caplog.text
    for secret in _secrets(hook.url):
        assert secret not in outcome and secret not in caplog.text


def _refused_url() -> str:
    return f"http://127.0.0.1:{_closed_port()}/hook/{TOKEN_PATH}?access_token={TOKEN_QUERY}"


@pytest.mark.parametrize("make_env,expected_part", [
    (lambda: {"ATTAIN_WEBHOOK_URL": _refused_url()}, "refused"),
    # http.client puts the URL into its error message: it must be scrubbed
    (lambda: {"ATTAIN_WEBHOOK_URL": _refused_url().replace("?", " x?")}, "control characters"),
    # urllib.request puts the whole URL into this one
    (lambda: {"ATTAIN_WEBHOOK_URL": f"no-scheme/hook/{TOKEN_PATH}?access_token={TOKEN_QUERY}"}, "unknown url type"),
    (lambda: {"ATTAIN_WEBHOOK_URL": _refused_url(), "ATTAIN_WEBHOOK_STYLE": "carrier-pigeon"},
     "ATTAIN_WEBHOOK_STYLE"),
])
def test_send_broken_setups_never_raise_nor_leak(tmp_path, caplog, make_env, expected_part):
    env = make_env()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="attain.notify"):
        outcome = notify.send(_failed(), reports_dir=tmp_path, env=env, timeout=0.5)
    assert time.monotonic() - started < 2.0
    assert outcome.startswith("failed: ") and expected_part in outcome
    assert len(caplog.records) == 1
    for secret in _secrets(env["ATTAIN_WEBHOOK_URL"]):
        assert secret not in outcome and secret not in caplog.text


def test_send_never_raises_on_a_malformed_record(hook, tmp_path):
    outcome = notify.send({"status": "failed", "params": "zh", "seconds": "n/a"}, reports_dir=tmp_path,
                          env={"ATTAIN_WEBHOOK_URL": hook.url})
    assert outcome == "sent"
    assert notify.send(None, reports_dir=tmp_path, env={"ATTAIN_WEBHOOK_URL": hook.url}).startswith("failed: ")
