"""A translation memory: human translations that take the place of the model's.

TMX (1.4, read with the standard library's ElementTree: a TMX file is plain XML and needs no
dedicated parser) or JSON Lines of ``{"source": ..., "translation": ...}``. Sources are
matched after whitespace normalisation, so a no-break space or a line break inside a
sentence does not hide a match.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from pipeline.errors import ConfigError

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ALLOWED = 'a TMX file or JSON Lines of {"source": ..., "translation": ...}'


def normalise(text: str) -> str:
    """Every run of Unicode whitespace (no-break spaces included) becomes one space; ends stripped."""
    return re.sub(r"\s+", " ", text).strip()


def _primary(lang: str | None) -> str | None:
    return lang.split("-")[0].split("_")[0].lower() if lang else None


class TranslationMemory:
    """Source sentence (per source language, or for any language) -> English translation."""

    def __init__(self, entries: dict[tuple[str | None, str], str]):
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, text: str, lang: str | None) -> str | None:
        key = normalise(text)
        found = self._entries.get((_primary(lang), key))
        return found if found is not None else self._entries.get((None, key))

    @classmethod
    def load(cls, path: Path, target_lang: str = "en") -> TranslationMemory:
        if not path.is_file():
            raise ConfigError("", "memory", f"{path} does not exist", _ALLOWED)
        if path.suffix.lower() in (".jsonl", ".json"):
            return cls(_read_jsonl(path))
        return cls(_read_tmx(path, target_lang))


def _fail(path: Path, problem: str) -> ConfigError:
    return ConfigError("", "memory", f"{path} {problem}", _ALLOWED)


def _segment_text(element: ET.Element) -> str:
    """The text of a <seg>: inline codes (<bpt>, <ept>, <ph>, <it>) hold markup, not text; <hi> holds text."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "hi":
            parts.append(_segment_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _read_tmx(path: Path, target_lang: str) -> dict[tuple[str | None, str], str]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise _fail(path, f"is not valid TMX/XML ({err})") from None
    except OSError as err:
        raise _fail(path, f"cannot be read ({err.strerror})") from None
    if root.tag != "tmx":
        raise _fail(path, f"has root element <{root.tag}>, not <tmx>")
    entries: dict[tuple[str | None, str], str] = {}
    for unit in root.iter("tu"):
        segments: dict[str | None, str] = {}
        for variant in unit.iter("tuv"):
            lang = _primary(variant.get(_XML_LANG) or variant.get("lang"))  # TMX 1.4 and 1.1
            seg = variant.find("seg")
            if seg is not None:
                segments[lang] = normalise(_segment_text(seg))
        target = segments.pop(target_lang, None)
        if target is None:
            continue  # a unit without the target language cannot help
        for lang, source in segments.items():
            if source:
                entries[(lang, source)] = target
    return entries


def _read_jsonl(path: Path) -> dict[tuple[str | None, str], str]:
    entries: dict[tuple[str | None, str], str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise _fail(path, f"cannot be read as UTF-8 ({err})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise _fail(path, f"line {number} is not JSON ({err.msg})") from None
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("source"), str)
            or not isinstance(row.get("translation"), str)
        ):
            raise _fail(path, f"line {number} lacks string fields `source` and `translation`")
        entries[(_primary(row.get("lang")), normalise(row["source"]))] = row["translation"]
    return entries
