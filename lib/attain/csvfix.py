"""Safe, announced fixes for CSV exports as spreadsheet programs write them.

Only fixes that cannot change a value are made, and each one is said in a note (``Source.notes``) that
reaches the user on stderr and in the data-quality table:

- a UTF-8 byte-order mark (Excel's "CSV UTF-8") is ignored;
- a file in GBK/GB18030 (Excel's "CSV" on a Chinese Windows) is converted to UTF-8, streaming, into a
  private cache file (``<tmp>/attain-utf8-<uid>/``, mode 0600) named after the source's path, size and
  modification time, so a changed export is converted again and an unchanged one is not;
- numbers written with thousands separators (``1,234.50``) are read in ``attain.data`` (see
  ``THOUSANDS_RE``), never a bare ``1,5``.

A file that is neither UTF-8 nor GBK is refused with the line of the first bad byte.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import os
import stat
import tempfile
from pathlib import Path

from .errors import DataError

BOM = b"\xef\xbb\xbf"
CHUNK = 1 << 20
#: a number with thousands separators: 1,234 / -12,345.50 (a bare 1,5 does not match)
THOUSANDS_RE = r"-?\d{1,3}(,\d{3})+(\.\d+)?"
GBK_NOTE = "read as GBK (the Chinese encoding Excel uses for 'CSV'), converted to UTF-8"
BOM_NOTE = "starts with a UTF-8 byte-order mark (as Excel writes 'CSV UTF-8'); ignored"
SAVE_AS_UTF8 = "save it as UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)')"


def _open(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _chunks(path: Path):
    with _open(path) as fh:
        while True:
            block = fh.read(CHUNK)
            if not block:
                return
            yield block


def _first_bad(path: Path, codec: str) -> tuple[int, bytes] | None:
    """(line number, bad bytes) of the first byte sequence ``codec`` cannot decode, or None."""
    decoder = codecs.getincrementaldecoder(codec)()
    lines = 1
    for block in _chunks(path):
        try:
            decoder.decode(block)
        except UnicodeDecodeError as exc:
            return lines + block[: exc.start].count(b"\n"), block[exc.start: exc.start + 2]
        lines += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return lines, exc.object[exc.start: exc.start + 2]
    return None


def _mostly_chinese(path: Path) -> bool:
    """The non-ASCII characters of the file's first MB read as GB18030 are common Chinese characters and
    punctuation (the GB2312 set, with at most 5 % rarer ones), so a Latin-1 export whose bytes happen to
    decode ('Saint-Étienne') is not taken for GBK."""
    with _open(path) as fh:
        text = fh.read(CHUNK).decode("gb18030", errors="ignore")
    common = rare = 0
    for ch in text:
        if ord(ch) > 127:
            try:
                ch.encode("gb2312")
                common += 1
            except UnicodeEncodeError:
                rare += 1
    return common > 0 and rare * 20 <= common


def _cache_dir(root: Path | None) -> Path:
    """The private folder of converted copies; one that someone else owns or can read is not used (a fresh
    private folder is made instead), so the customer data in a copy stay private on a shared machine."""
    folder = root or Path(tempfile.gettempdir()) / f"attain-utf8-{os.getuid()}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return Path(tempfile.mkdtemp(prefix="attain-utf8-"))
    return folder


def utf8_copy(path: Path, codec: str, cache: Path | None = None) -> Path:
    """A UTF-8 copy of ``path`` (read as ``codec``), converted once per version of the file."""
    stat = path.stat()
    place = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    version = hashlib.sha1(f"{stat.st_size}:{stat.st_mtime_ns}:{codec}".encode()).hexdigest()[:16]
    folder = _cache_dir(cache)
    target = folder / f"{place}-{version}.csv"
    if target.is_file():
        return target
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{place}.", suffix=".tmp")   # mode 0600
    try:
        decoder = codecs.getincrementaldecoder(codec)()
        with os.fdopen(fd, "wb") as out:
            for block in _chunks(path):
                out.write(decoder.decode(block).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for old in folder.glob(f"{place}-*.csv"):   # earlier versions of the same export
        if old != target:
            old.unlink(missing_ok=True)
    return target


def readable_csv(path: Path, cache: Path | None = None) -> tuple[Path, list[str]]:
    """The file DuckDB should read for the CSV ``path`` and the notes on what was done to it."""
    with _open(path) as fh:
        head = fh.read(len(BOM))
    bad = _first_bad(path, "utf-8")
    if bad is None:
        return path, ([BOM_NOTE] if head == BOM else [])
    if _first_bad(path, "gb18030") is None and _mostly_chinese(path):
        return utf8_copy(path, "gb18030", cache), [GBK_NOTE]
    line, raw = bad
    raise DataError(f"bytes that are not utf-8 encoded text ({raw.hex(' ')}), and the file is not GBK Chinese "
                    "text either", file=path, where=f"line {line}", hint=SAVE_AS_UTF8)
