"""Decoding input bytes, reading files and jsonl lines, and re-reading them exactly."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from pipeline.sources import (
    UnusableSourceError,
    decode_bytes,
    load_original,
    read_bytes,
    read_documents,
    sanitize_id,
)

FRENCH = "Le président a déclaré qu'il était prêt à négocier. Ça coûte cher, dit-il.\n"
CURLY = "L’État a dit « oui » — 5 €, c’est « l’œuvre » du siècle.\n"


@pytest.mark.parametrize(
    ("raw", "text", "encoding"),
    [
        (FRENCH.encode("utf-8"), FRENCH, "utf-8"),
        (b"\xef\xbb\xbf" + FRENCH.encode("utf-8"), FRENCH, "utf-8-sig"),
        (FRENCH.replace("\n", "\r\n").encode("utf-8"), FRENCH.replace("\n", "\r\n"), "utf-8"),
        (FRENCH.encode("latin-1"), FRENCH, "latin-1"),
        (CURLY.encode("cp1252"), CURLY, "cp1252"),
        ((FRENCH * 20).encode("latin-1"), FRENCH * 20, "latin-1"),
        (FRENCH.encode("utf-16"), FRENCH, "utf-16"),
        (
            "Привет, как дела? Это тест кодировки.\n".encode("cp1251"),
            "Привет, как дела? Это тест кодировки.\n",
            "cp1251",
        ),
    ],
    ids=["utf-8", "utf-8 bom", "crlf kept", "latin-1", "cp1252", "latin-1 long", "utf-16 bom", "cp1251"],
)
def test_decode_bytes(raw: bytes, text: str, encoding: str) -> None:
    assert decode_bytes(raw) == (text, encoding)
    assert raw.decode(encoding) == text  # what load_original does


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty file"),
        (b" \n\t\r\n", "empty file"),
        (b"\xef\xbb\xbf", "empty file"),
        ("\u00a0\u2003\n".encode(), "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"text\x00with a NUL byte", "binary file"),
        (bytes(range(1, 9)) * 50 + b"abc", "binary file"),
        (b"\xff\xfe\x00\xd8", "not valid utf-16 despite its byte-order mark"),
    ],
    ids=["empty", "whitespace", "bom only", "unicode blanks", "png", "nul", "control codes", "broken utf-16"],
)
def test_decode_bytes_rejects(raw: bytes, reason: str) -> None:
    with pytest.raises(UnusableSourceError) as caught:
        decode_bytes(raw)
    assert caught.value.reason == reason


def test_random_bytes_are_rejected_not_decoded_as_noise() -> None:
    raw = bytes((i * 7919 + 13) % 256 or 1 for i in range(4096))
    with pytest.raises(UnusableSourceError) as caught:
        decode_bytes(raw)
    assert caught.value.reason in {"binary file", "not UTF-8 or a known 8-bit encoding"}


def test_read_bytes_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * (1024 * 1024 + 1))
    with pytest.raises(UnusableSourceError, match="larger than 1 MB"):
        read_bytes(path, 1.0)
    assert len(read_bytes(path, 2.0)) == 1024 * 1024 + 1


def test_read_bytes_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnusableSourceError, match="unreadable: No such file or directory"):
        read_bytes(tmp_path / "gone.txt", 50)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_read_bytes_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("Une phrase.", encoding="utf-8")
    path.chmod(0)
    try:
        with pytest.raises(UnusableSourceError, match="unreadable: Permission denied"):
            read_bytes(path, 50)
    finally:
        path.chmod(0o644)


def test_permission_error_becomes_a_skip_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs as root too, where chmod 000 does not stop reading."""
    path = tmp_path / "locked.txt"
    path.write_text("Une phrase.", encoding="utf-8")

    def refuse(target: object, *args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(os, "open", refuse)
    [document] = read_documents(path, "locked", 50, 1_000_000)
    assert (document.doc_id, document.status, document.reason) == ("locked", "skipped", "unreadable: Permission denied")


def test_jsonl_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + '{"text": "Première ligne."}\r\n{"text": "Deuxième."}\r\n'.encode())
    documents = read_documents(path, "feed", 50, 1_000_000)
    assert [(d.doc_id, d.text, d.encoding) for d in documents] == [
        ("feed-1", "Première ligne.", "utf-8-sig"),
        ("feed-2", "Deuxième.", "utf-8-sig"),
    ]
    assert [load_original(path, d.encoding, d.line) for d in documents] == ["Première ligne.", "Deuxième."]


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "cp1252"])
def test_load_original_returns_what_ingest_decoded(tmp_path: Path, encoding: str) -> None:
    text = "Premier paragraphe, « cité ».\r\n\r\nDeuxième : l'été à 5 €.\r\n"
    if encoding == "latin-1":
        text = text.replace("€", "EUR")
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode(encoding))
    [document] = read_documents(path, "doc", 50, 1_000_000)
    assert document.encoding == encoding
    assert document.text == text
    assert document.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert load_original(path, document.encoding) == document.text


def test_jsonl_documents(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "id": "dépêche 1",
                "text": "Une dépêche.\r\nDeux lignes.",
                "date": "2023-10-13",
                "title": "Titre",
                "url": "https://example.com/1",
            },
            ensure_ascii=False,
        ),
        "{not json",
        "",
        json.dumps({"text": "Sans identifiant, avec un séparateur \u2028 dans le texte."}, ensure_ascii=False),
        json.dumps({"id": 7, "title": "sans texte"}),
        json.dumps(["une", "liste"]),
        json.dumps({"id": "x", "text": "   "}),
    ]
    path = tmp_path / "feed.jsonl"
    path.write_bytes("\n".join(lines).encode("utf-8"))
    documents = read_documents(path, "feed", 50, 1_000_000)
    assert [(d.doc_id, d.line, d.status, d.reason) for d in documents] == [
        ("dépêche_1", 1, "used", None),
        ("feed-2", 2, "skipped", "jsonl line 2: not valid JSON"),
        ("feed-4", 4, "used", None),
        ("7", 5, "skipped", "jsonl line 5: no text"),
        ("feed-6", 6, "skipped", "jsonl line 6: not a JSON object"),
        ("x", 7, "skipped", "jsonl line 7: no text"),
    ]
    first = documents[0]
    assert (first.title, first.date, first.url) == ("Titre", "2023-10-13", "https://example.com/1")
    assert first.sha256 == hashlib.sha256(lines[0].encode("utf-8")).hexdigest()
    for document in documents:
        if not document.skipped:
            assert load_original(path, document.encoding, document.line) == document.text


def test_load_original_reports_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text('{"text": "Une phrase."}\n', encoding="utf-8")
    with pytest.raises(UnusableSourceError, match="jsonl line 3: no longer holds a document"):
        load_original(path, "utf-8", 3)
    with pytest.raises(UnusableSourceError, match="unreadable"):
        load_original(tmp_path / "gone.txt", "utf-8")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("000_e807d1a348cd26e1", "000_e807d1a348cd26e1"), ("a:b/c d", "a_b_c_d"), ("..x..", "x"), ("::", "")],
)
def test_sanitize_id(value: str, expected: str) -> None:
    assert sanitize_id(value) == expected
