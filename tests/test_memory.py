"""The translation memory: TMX and JSON Lines, matched after whitespace normalisation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.translation.memory import TranslationMemory, normalise
from tests.support.paths import SEED_MEMORY

TMX_14 = """<?xml version="1.0" encoding="utf-8"?>
<tmx version="1.4"><header srclang="fr" adminlang="en" segtype="sentence" datatype="plaintext"/>
<body>
  <tu><tuv xml:lang="fr-FR"><seg>Plus de 1&#160;000 conteneurs.</seg></tuv>
      <tuv xml:lang="en-US"><seg>More than 1,000 containers.</seg></tuv></tu>
  <tu><tuv xml:lang="fr"><seg>Kirby a <bpt i="1">&lt;b&gt;</bpt>parlé<ept i="1">&lt;/b&gt;</ept>.</seg></tuv>
      <tuv xml:lang="en"><seg>Kirby spoke.</seg></tuv></tu>
  <tu><tuv xml:lang="fr"><seg>Sans traduction anglaise.</seg></tuv>
      <tuv xml:lang="de"><seg>Ohne englische Übersetzung.</seg></tuv></tu>
</body></tmx>"""

TMX_11 = """<tmx version="1.1"><header srclang="fr"/><body>
  <tu><tuv lang="FR"><seg>Bonjour.</seg></tuv><tuv lang="EN"><seg>Hello.</seg></tuv></tu>
</body></tmx>"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  a  b ", "a b"),
        ("a\u00a0b", "a b"),
        ("a\u202fb", "a b"),
        ("a\n\tb", "a b"),
        ("1\u00a0000", "1 000"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("content", "suffix", "text", "lang", "expected"),
    [
        (TMX_14, ".tmx", "Plus de 1 000 conteneurs.", "fr", "More than 1,000 containers."),
        (TMX_14, ".tmx", "Plus  de 1\u202f000\nconteneurs. ", "fr", "More than 1,000 containers."),
        (TMX_14, ".tmx", "Kirby a parlé.", "fr", "Kirby spoke."),  # inline markup is not part of the text
        (TMX_14, ".tmx", "Plus de 1 000 conteneurs.", "es", None),  # another source language
        (TMX_14, ".tmx", "Sans traduction anglaise.", "fr", None),  # no English side
        (TMX_11, ".tmx", "Bonjour.", "fr", "Hello."),
        ('{"source": "Bonjour\\u00a0!", "translation": "Hello!"}\n', ".jsonl", "Bonjour !", "fr", "Hello!"),
        ('{"source": "Bonjour", "translation": "Hello"}\n\n', ".jsonl", "Bonjour", "de", "Hello"),  # any language
        ('{"source": "Hallo", "translation": "Hello", "lang": "de"}\n', ".jsonl", "Hallo", "fr", None),
    ],
)
def test_lookup(tmp_path: Path, content: str, suffix: str, text: str, lang: str, expected: str | None) -> None:
    path = tmp_path / f"memory{suffix}"
    path.write_text(content, encoding="utf-8")
    assert TranslationMemory.load(path).lookup(text, lang) == expected


@pytest.mark.parametrize(
    ("content", "suffix", "problem"),
    [
        (None, ".tmx", "does not exist"),
        ("<tmx><body><tu>", ".tmx", "not valid TMX"),
        ("<html></html>", ".tmx", "not <tmx>"),
        ("not json\n", ".jsonl", "line 1 is not JSON"),
        ('{"source": "a", "translation": "b"}\n{"source": "a"}\n', ".jsonl", "line 2 lacks"),
        ('["a", "b"]\n', ".jsonl", "line 1 lacks"),
    ],
)
def test_bad_memory_files_name_the_memory_key(tmp_path: Path, content: str | None, suffix: str, problem: str) -> None:
    path = tmp_path / f"memory{suffix}"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem) as caught:
        TranslationMemory.load(path)
    assert caught.value.key == "memory" and str(path) in str(caught.value)


def test_seed_memory_loads_every_unit() -> None:
    import xml.etree.ElementTree as ET

    units = list(ET.parse(SEED_MEMORY).getroot().iter("tu"))
    memory = TranslationMemory.load(SEED_MEMORY)
    assert len(memory) == len({normalise(tu.find("tuv/seg").text) for tu in units}) > 50
    first = units[0].findall("tuv/seg")
    assert memory.lookup(first[0].text, "fr") == first[1].text


def test_jsonl_and_tmx_of_the_same_pairs_agree(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    pairs = [
        (tu.findall("tuv/seg")[0].text, tu.findall("tuv/seg")[1].text)
        for tu in ET.parse(SEED_MEMORY).getroot().iter("tu")
    ]
    jsonl = tmp_path / "memory.jsonl"
    jsonl.write_text("".join(json.dumps({"source": s, "translation": t}) + "\n" for s, t in pairs), encoding="utf-8")
    from_tmx, from_jsonl = TranslationMemory.load(SEED_MEMORY), TranslationMemory.load(jsonl)
    assert all(from_tmx.lookup(s, "fr") == from_jsonl.lookup(s, "fr") == normalise(t) for s, t in pairs)
