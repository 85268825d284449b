"""Secrets of the environment kept out of every text attain writes.

Webhook URLs, connection strings and tokens reach attain only through environment variables. Error texts can
still quote them (a database driver may print its connection string; Python's URL errors print the URL), so
every error text bound for a log, ``runs.jsonl`` or a chat message goes through :func:`redact`, and webhook
texts through :func:`scrub`.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, unquote, urlsplit


def _secret_parts(url: str) -> list[str]:
    """The URL and the pieces of it that may hold a token, longest first (to scrub them from messages)."""
    parts = {url, url.strip()}
    try:
        split = urlsplit(url)
        parts.update({split.netloc, split.path, split.query, split.fragment})
        parts.update(seg for seg in split.path.split("/") if len(seg) >= 8)
        parts.update(v for _, v in parse_qsl(split.query, keep_blank_values=True) if len(v) >= 8)
    except ValueError:
        pass
    parts.update({unquote(p) for p in parts} | {quote(p, safe="") for p in parts})
    return sorted((p for p in parts if p and len(p) >= 4 and p not in ("http", "https", "http:", "https:")),
                  key=len, reverse=True)


_SECRET_NAME = re.compile(r"URL|URI|DSN|TOKEN|SECRET|PASSWORD|PASSWD|KEY|REMOTE|CREDENTIAL|AUTH", re.I)
_PIECES = re.compile(r"[/;&=?@:,\s]+")


def _token_like(text: str) -> bool:
    """A piece of a secret worth hiding alone: 10+ characters with letters and digits (not a host or a word)."""
    return any(len(p) >= 10 and re.search(r"[A-Za-z]", p) and re.search(r"\d", p)
               for p in _PIECES.split(unquote(text)))


def secret_values(env: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names suggest a secret (``*_URL``, ``*TOKEN*``, ``*SECRET*``,
    ``*KEY*``, ``SPARK_REMOTE`` …) and their token-like pieces (URL path segments and query values,
    ``;token=`` values: 10+ characters mixing letters and digits) and URL passwords, longest first."""
    env = os.environ if env is None else env
    found: set[str] = set()
    for name, value in env.items():
        value = str(value).strip()
        if not _SECRET_NAME.search(name) or len(value) < 10:
            continue
        found.update(p for p in [*_secret_parts(value), *_PIECES.split(value)] if _token_like(p))
        with contextlib.suppress(ValueError):
            password = urlsplit(value).password or ""
            found.update({password, quote(password, safe="")} if len(password) >= 6 else set())
    return sorted(found, key=len, reverse=True)


def redact(text: object, env: Mapping[str, str] | None = None) -> str:
    """``text`` with every :func:`secret_values` of the environment replaced by ``***`` (for error texts that
    go to a log, ``runs.jsonl`` or a message: a driver may quote its connection string)."""
    out = str(text)
    for part in secret_values(env):
        out = out.replace(part, "***")
    return out


def scrub(text: object, url: str) -> str:
    """``text`` with the URL and any token-like part of it replaced by ``***``."""
    out = str(text)
    for part in _secret_parts(url):
        out = out.replace(part, "***")
    return out
