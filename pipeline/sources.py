"""Reading input files into Documents, and re-reading them exactly as ingest did.

Files are read as bytes and decoded directly (``raw.decode(codec)``), never through
``read_text`` or universal newlines, so ``\\r\\n`` stays ``\\r\\n`` and a span found by ingest
indexes the same characters when the evaluator re-reads the file with ``load_original``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from pipeline.records import Document

# Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Control characters no text file holds (tab, newlines, form feed and escape aside).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_BINARY_CONTROL_RATIO = 0.01
_C1_BYTES = re.compile(rb"[\x80-\x9f]")  # printable in cp1252, control codes in latin-1
_CHAOS_TOLERANCE = 0.01  # charset-normalizer "chaos" (0-1) within which cp1252 counts as clean
_ID_UNSAFE = re.compile(r"[^\w.-]+")


class UnusableSourceError(ValueError):
    """A file (or jsonl line) that cannot be used; ``reason`` is the short phrase ingest records."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """(text, codec): UTF-8 (with or without BOM), UTF-16/32 with a BOM, or a detected 8-bit codec.

    Raises UnusableSourceError for empty, binary and undecodable input.
    """
    if not raw.strip():
        raise UnusableSourceError("empty file")
    bom_codec = next((codec for bom, codec in _BOMS if raw.startswith(bom)), None)
    if bom_codec is not None:
        try:
            text, encoding = raw.decode(bom_codec), bom_codec
        except UnicodeDecodeError:
            raise UnusableSourceError(f"not valid {bom_codec} despite its byte-order mark") from None
    elif b"\x00" in raw:
        raise UnusableSourceError("binary file")
    else:
        try:
            text, encoding = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = detect_8bit_codec(raw)
            text = raw.decode(encoding)
    if not text.strip():
        raise UnusableSourceError("empty file")
    if len(_CONTROL.findall(text)) > _BINARY_CONTROL_RATIO * len(text):
        raise UnusableSourceError("binary file")
    return text, encoding


def detect_8bit_codec(raw: bytes) -> str:
    """The codec charset-normalizer finds best, preferring cp1252 when it decodes as cleanly.

    On short texts charset-normalizer often ranks Central European (cp1250, mac_latin2),
    Baltic or DOS codecs above cp1252 for Western text, on coherence scores that mean little
    at that length; the input languages are mostly Western European, so cp1252 wins whenever
    it decodes strictly with no more chaos than the best candidate. It is named ``latin-1``
    when no byte in 0x80-0x9F tells the two apart (both then decode identically).
    """
    import charset_normalizer  # imported here: only non-UTF-8 input needs it

    best = charset_normalizer.from_bytes(raw).best()
    if best is None:
        raise UnusableSourceError("not UTF-8 or a known 8-bit encoding")
    if _decodes_strictly(raw, "cp1252"):
        western = charset_normalizer.from_bytes(raw, cp_isolation=["cp1252"]).best()
        if western is not None and western.chaos <= best.chaos + _CHAOS_TOLERANCE:
            return "cp1252" if _C1_BYTES.search(raw) else "latin-1"
    return best.encoding


def _decodes_strictly(raw: bytes, codec: str) -> bool:
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def read_bytes(path: Path, max_file_mb: float) -> bytes:
    """The file's bytes; UnusableSourceError when it is too large or cannot be read."""
    try:
        size = path.stat().st_size
        if size > max_file_mb * 1024 * 1024:
            raise UnusableSourceError(f"larger than {max_file_mb:g} MB")
        return path.read_bytes()
    except OSError as err:
        raise UnusableSourceError(f"unreadable: {err.strerror or err}") from None


def _jsonl_lines(text: str) -> list[str]:
    # Only "\n" ends a JSON Lines record; U+2028 and friends may sit unescaped inside strings.
    return text.split("\n")


def _plain_codec(encoding: str) -> str:
    return {"utf-8-sig": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}.get(encoding, encoding)


def _jsonl_text(record: Any) -> str | None:
    body = record.get("text") if isinstance(record, dict) else None
    return body if isinstance(body, str) and body.strip() else None


def load_original(path: str | Path, encoding: str, line: int | None = None) -> str:
    """The text ingest decoded from ``path`` (for a jsonl, the ``text`` of 1-based ``line``).

    Sentence spans index this string. Raises UnusableSourceError when the file is gone,
    unreadable, or no longer holds that document.
    """
    try:
        text = Path(path).read_bytes().decode(encoding)
    except OSError as err:
        raise UnusableSourceError(f"unreadable: {err.strerror or err}") from None
    except (UnicodeDecodeError, LookupError):
        raise UnusableSourceError(f"no longer decodes as {encoding}") from None
    if line is None:
        return text
    lines = _jsonl_lines(text)
    try:
        body = _jsonl_text(json.loads(lines[line - 1])) if 0 < line <= len(lines) else None
    except json.JSONDecodeError:
        body = None
    if body is None:
        raise UnusableSourceError(f"jsonl line {line}: no longer holds a document")
    return body


def sanitize_id(value: str) -> str:
    """A doc_id safe inside sentence ids (``<doc_id>:<n>``) and file names."""
    return _ID_UNSAFE.sub("_", value).strip("_.")[:120]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_documents(path: Path, stem: str, max_file_mb: float) -> list[Document]:
    """The documents in one input file: one for *.txt/*.md, one per line for *.jsonl.

    Unusable files and lines come back as skipped Documents with their reason; ids are
    provisional (the caller makes them unique across inputs).
    """
    raw = b""
    try:
        raw = read_bytes(path, max_file_mb)
        text, encoding = decode_bytes(raw)
    except UnusableSourceError as err:
        return [Document(doc_id=stem, path=str(path), sha256=_sha256(raw), status="skipped", reason=err.reason)]
    if path.suffix.lower() != ".jsonl":
        return [Document(doc_id=stem, path=str(path), sha256=_sha256(raw), text=text, encoding=encoding)]
    return [
        _jsonl_document(path, stem, number, line, encoding)
        for number, line in enumerate(_jsonl_lines(text), start=1)
        if line.strip()
    ]


def _jsonl_document(path: Path, stem: str, number: int, line: str, encoding: str) -> Document:
    base = Document(doc_id=f"{stem}-{number}", path=str(path), sha256=_sha256(line.encode(_plain_codec(encoding))),
                    encoding=encoding, line=number)
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return _skip(base, f"jsonl line {number}: not valid JSON")
    if not isinstance(record, dict):
        return _skip(base, f"jsonl line {number}: not a JSON object")
    given_id = record.get("id")
    if isinstance(given_id, (str, int)) and not isinstance(given_id, bool) and sanitize_id(str(given_id)):
        base.doc_id = sanitize_id(str(given_id))
    body = _jsonl_text(record)
    if body is None:
        return _skip(base, f"jsonl line {number}: no text")
    base.text = body
    for key in ("title", "date", "url"):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            setattr(base, key, value.strip())
    return base


def _skip(document: Document, reason: str) -> Document:
    document.status, document.reason = "skipped", reason
    return document
