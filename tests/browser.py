"""Open a rendered report in headless Chromium, offline, and list what a reader would see wrong.

`check_report` loads one HTML file in Debian's chromium (driven by Playwright; no browser is ever downloaded)
with every request outside file:/data:/blob:/about: aborted, and returns `Findings`: requests that tried to
leave the machine, console errors and uncaught exceptions, images that did not decode, expected section headings
missing or out of order, characters drawn as missing-glyph boxes ("tofu"), and visible code cells. It also saves
a full-page screenshot.

Tofu is found by drawing, not by a font list: every distinct non-ASCII character of the visible text is drawn on
a canvas in the computed font of an element that holds it, and compared pixel for pixel with the same font's
drawing of unassigned code points (U+0378, U+0380), which no font has. Chromium draws all such code points with
the one missing-glyph (.notdef) box of the font stack's first font — identical pixels for U+0378, U+0380, U+0FF0,
U+FDD0 or U+10FFFD, checked on this machine — so a character whose drawing equals that box is tofu, whatever the
fonts are. Characters that draw nothing by design (spaces, format and combining marks) are skipped.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

CHROMIUM = "/usr/bin/chromium"
OFFLINE_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--host-resolver-rules=MAP * ~NOTFOUND"]   # no host name resolves: a second wall behind routing
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 60_000
MISSING_REFERENCES = "\u0378\u0380"   # unassigned code points: drawn as the font stack's missing glyph

# Code a reader should never see. Markdown cells also sit in a .jp-InputArea (their rendered text), so the
# lab template's input classes count only inside a code cell; editors and classic-template inputs count anywhere.
CODE_SELECTORS = [
    ".jp-CodeCell .jp-InputArea", ".jp-CodeCell .jp-InputPrompt", ".jp-CodeCell .jp-Cell-inputWrapper pre",
    ".jp-CodeMirrorEditor", ".jp-InputArea-editor", ".CodeMirror",
    ".code_cell .input_area", ".code_cell .input_prompt", ".input_area", ".input .highlight",
    ".jp-InputArea div.highlight",
]


@dataclass
class Findings:
    """What one check saw. Every list is empty for a good report."""

    url: str
    blocked_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    heading_problems: list[str] = field(default_factory=list)    # "missing: …" / "out of order: …"
    tofu: list[str] = field(default_factory=list)                # "U+0378 '\u0378' in <font>"
    visible_code: list[str] = field(default_factory=list)
    headings: list[tuple[str, str]] = field(default_factory=list)   # (tag, text) of visible h1–h4, in order
    images: int = 0                                              # <img> elements on the page
    checked_chars: int = 0                                       # distinct (font, character) pairs drawn
    screenshot: Path | None = None

    def problems(self) -> dict[str, list[str]]:
        """The non-empty problem lists by name."""
        names = ("blocked_requests", "console_errors", "broken_images", "heading_problems", "tofu", "visible_code")
        return {name: getattr(self, name) for name in names if getattr(self, name)}

    def summary(self) -> str:
        lines = [f"{self.url}"] + [f"  {name}: {items[:10]}" for name, items in self.problems().items()]
        return "\n".join(lines)


def normalise(text: str) -> str:
    return " ".join(text.split())


def heading_problems(found: Sequence[str], expected: Sequence[str]) -> list[str]:
    """Expected headings missing from ``found`` or found out of order; one matches a heading containing it."""
    problems, start = [], 0
    texts = [normalise(t) for t in found]
    for want in expected:
        want_n = normalise(want)
        hit = next((i for i in range(start, len(texts)) if want_n in texts[i]), None)
        if hit is not None:
            start = hit + 1
        elif any(want_n in t for t in texts):
            problems.append(f"out of order: {want!r}")
        else:
            problems.append(f"missing: {want!r}")
    return problems


# --- in the page ----------------------------------------------------------------------------------

_IMAGES_JS = """async () => {
  const bad = [];
  for (const img of Array.from(document.images)) {
    let ok = img.complete && img.naturalWidth > 0;
    try { await img.decode(); } catch (e) { ok = false; }
    if (!ok) bad.push((img.currentSrc || img.getAttribute('src') || '(no src)').slice(0, 100)
                      + (img.alt ? ` alt=${img.alt}` : ''));
  }
  return [document.images.length, bad];
}"""

_HEADINGS_JS = """() => Array.from(document.querySelectorAll('h1, h2, h3, h4'))
  .filter(h => h.checkVisibility({visibilityProperty: true, opacityProperty: true}))
  .map(h => [h.tagName.toLowerCase(), h.innerText.replace(/\\s+/g, ' ').trim()])"""

_CODE_JS = """(selectors) => {
  const seen = [];
  for (const sel of selectors) {
    for (const el of document.querySelectorAll(sel)) {
      const box = el.getBoundingClientRect();
      if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true}) || !box.width || !box.height)
        continue;
      seen.push(`${sel}: ${el.innerText.replace(/\\s+/g, ' ').trim().slice(0, 60)}`);
    }
  }
  return seen;
}"""

# Collect each visible non-ASCII character with the computed font of its element, then draw it and the
# missing-glyph references in that font. Same advance width first (cheap), then identical pixels.
_TOFU_JS = """(references) => {
  const skip = /[\\p{White_Space}\\p{Cc}\\p{Cf}\\p{Mn}\\p{Me}]/u;
  const groups = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue;
    if (!/[^\\x00-\\x7f]/.test(text)) continue;
    const el = node.parentElement;
    if (!el || !el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    const cs = getComputedStyle(el);
    const font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    if (!groups.has(font)) groups.set(font, new Set());
    for (const ch of text) if (ch.codePointAt(0) > 0x7f && !skip.test(ch)) groups.get(font).add(ch);
  }
  const tofu = [], blank = [];
  let checked = 0;
  for (const [font, chars] of groups) {
    const size = Math.ceil(parseFloat(font.split(' ')[2]) || 16);
    const canvas = document.createElement('canvas');
    canvas.width = size * 3 + 8; canvas.height = size * 2 + 8;
    const ctx = canvas.getContext('2d', {willReadFrequently: true});
    ctx.font = font; ctx.textBaseline = 'top';
    const draw = (ch) => {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.fillText(ch, 4, 4);
      return [ctx.measureText(ch).width, ctx.getImageData(0, 0, canvas.width, canvas.height).data];
    };
    const refs = Array.from(references).map(draw);
    if (refs.some(([, px]) => !px.some(v => v))) { blank.push(font); continue; }
    for (const ch of chars) {
      checked++;
      const [width, px] = draw(ch);
      const same = refs.some(([w, ref]) => w === width && ref.every((v, i) => v === px[i]));
      if (same) tofu.push([ch.codePointAt(0), font]);
    }
  }
  return {tofu, blank, checked};
}"""


def _describe_char(code: int, font: str) -> str:
    ch = chr(code)
    name = unicodedata.name(ch, "unassigned")
    return f"U+{code:04X} {ch!r} ({name}) in {font}"


def _inspect(page, headings: Sequence[str], findings: Findings) -> None:
    """Run the in-page checks on a loaded page and fill ``findings``."""
    page.evaluate("document.fonts.ready.then(() => true)")
    findings.images, findings.broken_images = page.evaluate(_IMAGES_JS)
    findings.headings = [tuple(h) for h in page.evaluate(_HEADINGS_JS)]
    findings.heading_problems = heading_problems([text for _, text in findings.headings], headings)
    findings.visible_code = page.evaluate(_CODE_JS, CODE_SELECTORS)
    tofu = page.evaluate(_TOFU_JS, MISSING_REFERENCES)
    findings.tofu = [_describe_char(code, font) for code, font in tofu["tofu"]]
    findings.tofu += [f"cannot tell: {font} draws nothing for a missing glyph" for font in tofu["blank"]]
    findings.checked_chars = tofu["checked"]


def _route(route, findings: Findings) -> None:
    url = route.request.url
    if url.startswith(LOCAL_SCHEMES):
        route.continue_()
        return
    if url not in findings.blocked_requests:
        findings.blocked_requests.append(url)
    route.abort("blockedbyclient")


def _record_request(url: str, findings: Findings) -> None:
    """Second net: anything the router did not see (it is blocked by the resolver rules anyway)."""
    if not url.startswith(LOCAL_SCHEMES) and url not in findings.blocked_requests:
        findings.blocked_requests.append(url)


def check_report(path: Path, *, headings: Sequence[str] = (), screenshot: Path | None = None,
                 env: Mapping[str, str] | None = None) -> Findings:
    """Open ``path`` offline in headless chromium and return what is wrong with it (see module docstring).

    ``headings``: section headings expected in this order among the page's visible h1–h4 (a heading matches
    when its text contains the expected one, whitespace normalised). ``screenshot``: where to save a
    full-page PNG (its folder is created). ``env``: extra environment for the browser (e.g. FONTCONFIG_FILE)."""
    from playwright.sync_api import sync_playwright

    findings = Findings(url=Path(path).resolve().as_uri())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=OFFLINE_ARGS, env={**os.environ, **(env or {})})
        try:
            context = browser.new_context(viewport=VIEWPORT, service_workers="block")
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", lambda route: _route(route, findings))
            page = context.new_page()
            page.on("request", lambda request: _record_request(request.url, findings))
            page.on("websocket", lambda ws: _record_request(ws.url, findings))
            page.on("console", lambda msg: findings.console_errors.append(
                f"console.error: {msg.text}") if msg.type == "error" else None)
            page.on("pageerror", lambda err: findings.console_errors.append(f"uncaught: {err}"))
            page.goto(findings.url, wait_until="load")
            _inspect(page, headings, findings)
            if screenshot is not None:
                Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
                findings.screenshot = Path(screenshot)
        finally:
            browser.close()
    return findings


__all__ = ["CHROMIUM", "CODE_SELECTORS", "Findings", "OFFLINE_ARGS", "check_report", "heading_problems"]
