"""Reading input files into Documents, and re-reading them exactly as ingest did.

Files are read as bytes and decoded directly (``raw.decode(codec)``), never through
``read_text`` or universal newlines, so ``\\r\\n`` stays ``\\r\\n`` and a span found by ingest
indexes the same characters when the evaluator re-reads the file with ``load_original``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from pipeline.errors import NoInputError, UsageError
from pipeline.records import Document

INPUT_SUFFIXES = (".txt", ".md", ".jsonl")
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # POSIX only; elsewhere lstat alone guards
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)

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


# No codec here spends more than 4 bytes on a character (UTF-8, UTF-16 surrogate pairs,
# UTF-32), and a byte-order mark takes at most 4 more.
_MAX_BYTES_PER_CHAR = 4
_BOM_BYTES = 4


def read_bytes(path: Path, max_file_mb: float, max_chars: int | None = None) -> bytes:
    """The bytes of a regular file; UnusableSourceError when it is anything else, too large or unreadable.

    With ``max_chars`` (the file is one document), a file too large to hold that few
    characters in any codec is refused from its size, without being read.

    The path is checked with ``lstat`` before it is opened, so a FIFO, a device such as
    /dev/zero or a symbolic link that discovery did not resolve is never opened; the open
    itself refuses links and never blocks, and ``fstat`` checks what was opened (the entry
    may have been replaced in between).
    """
    limit = int(max_file_mb * 1024 * 1024)
    try:
        _require_regular(os.lstat(path))
        handle = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK)
        try:
            status = os.fstat(handle)
            _require_regular(status)
            if status.st_size > limit:
                raise UnusableSourceError(f"larger than {max_file_mb:g} MB")
            if max_chars is not None and status.st_size > max_chars * _MAX_BYTES_PER_CHAR + _BOM_BYTES:
                raise UnusableSourceError(_too_long(f"{status.st_size:,} bytes", max_chars))
            with os.fdopen(handle, "rb", closefd=False) as stream:
                raw = stream.read(limit + 1)  # bounded: the file may grow after fstat
        finally:
            os.close(handle)
    except OSError as err:
        if err.errno == errno.ELOOP:  # O_NOFOLLOW met a link created after lstat
            raise UnusableSourceError(_link_reason(path)) from None
        raise UnusableSourceError(f"unreadable: {err.strerror or err}") from None
    if len(raw) > limit:
        raise UnusableSourceError(f"larger than {max_file_mb:g} MB")
    return raw


def _require_regular(status: os.stat_result) -> None:
    if stat.S_ISLNK(status.st_mode):
        raise OSError(errno.ELOOP, "symbolic link")
    if not stat.S_ISREG(status.st_mode):
        raise UnusableSourceError(f"not a regular file ({_file_kind(status.st_mode)}), not read")


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "folder"),
        (stat.S_ISFIFO, "named pipe"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    )
    return next((name for test, name in kinds if test(mode)), "special file")


def _link_reason(path: Path) -> str:
    if not path.exists():
        return "dangling symbolic link, not read"
    target = "folder" if path.is_dir() else "file"
    return f"symbolic link to a {target} outside the input folder, not read; pass --follow-links to read it"


def file_sha256(path: Path) -> str:
    """The sha256 of a regular file's bytes; of what stands in for them otherwise (a link's
    target, the kind of special file, the error), so that no special file is ever opened."""
    digest = hashlib.sha256()
    try:
        status = os.lstat(path)
        if stat.S_ISLNK(status.st_mode):
            digest.update(f"symlink:{os.readlink(path)}".encode())
        elif not stat.S_ISREG(status.st_mode):
            digest.update(f"special:{_file_kind(status.st_mode)}".encode())
        else:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    except OSError as err:  # unreadable: ingest skips it with the reason; hash the error instead
        digest.update(f"unreadable:{err.strerror}".encode())
    return digest.hexdigest()


def discover_inputs(paths: list[Path], follow_links: bool = False) -> list[Path]:
    """Files to ingest: given files as they are, folders searched (recursively) for known suffixes.

    A given file that is a symbolic link is followed (it was named). Inside a folder, hidden
    entries are left out and a symbolic link is followed only when it points inside the
    folder, or anywhere with ``follow_links``; other links, dangling links and special files
    (FIFOs, sockets, devices) are returned unresolved, so that ingest records each as skipped
    with its reason instead of losing it. Raises NoInputError when nothing is found.
    """
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"input not found: {', '.join(missing)}; pass existing files or folders")
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(_folder_inputs(path.resolve(), follow_links))
        else:
            found.append(path.resolve() if path.exists() else path.absolute())
    if not found:
        raise NoInputError([str(p) for p in paths])
    return list(dict.fromkeys(found))


def _folder_inputs(root: Path, follow_links: bool) -> list[Path]:
    found: list[Path] = []
    seen_folders: set[tuple[int, int]] = set()  # followed folder links may loop
    for folder, subfolders, names in os.walk(root, followlinks=follow_links):
        status = os.stat(folder)
        if (status.st_dev, status.st_ino) in seen_folders:
            subfolders.clear()
            continue
        seen_folders.add((status.st_dev, status.st_ino))
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        here = Path(folder)
        for name in subfolders:
            if not follow_links and _is_link_outside(here / name, root):
                found.append(here / name)  # a folder link out of the tree: reported, not entered
        for name in sorted(names):
            entry = here / name
            if name.startswith(".") or entry.suffix.lower() not in INPUT_SUFFIXES:
                continue
            if entry.is_symlink() and entry.exists() and (follow_links or not _is_link_outside(entry, root)):
                found.append(entry.resolve())
            else:
                found.append(entry)
    return found


def _is_link_outside(entry: Path, root: Path) -> bool:
    return entry.is_symlink() and not entry.resolve().is_relative_to(root)


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
        raw = Path(path).read_bytes()
    except OSError as err:
        raise UnusableSourceError(f"unreadable: {err.strerror or err}") from None
    return original_text(raw, encoding, line)


def original_text(raw: bytes, encoding: str, line: int | None = None) -> str:
    """``load_original`` on bytes already read."""
    try:
        text = raw.decode(encoding)
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


def read_documents(path: Path, stem: str, max_file_mb: float, max_document_chars: int) -> list[Document]:
    """The documents in one input file: one for *.txt/*.md, one per line for *.jsonl.

    Unusable files and lines come back as skipped Documents with their reason; ids are
    provisional (the caller makes them unique across inputs).
    """
    raw = b""
    jsonl = path.suffix.lower() == ".jsonl"
    try:
        raw = read_bytes(path, max_file_mb, None if jsonl else max_document_chars)
        text, encoding = decode_bytes(raw)
    except UnusableSourceError as err:
        return [Document(doc_id=stem, path=str(path), sha256=_sha256(raw), status="skipped", reason=err.reason)]
    if not jsonl:
        document = Document(doc_id=stem, path=str(path), sha256=_sha256(raw), encoding=encoding)
        if len(text) > max_document_chars:
            return [_skip(document, _too_long(f"{len(text):,} characters", max_document_chars))]
        document.text = text
        return [document]
    return [
        _jsonl_document(path, stem, number, line, encoding, max_document_chars)
        for number, line in enumerate(_jsonl_lines(text), start=1)
        if line.strip()
    ]


def _too_long(size: str, limit: int) -> str:
    return (
        f"{size}, over ingest.max_document_chars ({limit:,}): "
        "split it into reports (one per file, or one per .jsonl line), or raise the limit"
    )


def _jsonl_document(path: Path, stem: str, number: int, line: str, encoding: str, max_chars: int) -> Document:
    base = Document(
        doc_id=f"{stem}-{number}",
        path=str(path),
        sha256=_sha256(line.encode(_plain_codec(encoding))),
        encoding=encoding,
        line=number,
    )
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
    if len(body) > max_chars:
        return _skip(base, f"jsonl line {number}: {_too_long(f'{len(body):,} characters', max_chars)}")
    base.text = body
    for key in ("title", "date", "url"):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            setattr(base, key, value.strip())
    return base


def _skip(document: Document, reason: str) -> Document:
    document.status, document.reason = "skipped", reason
    return document
