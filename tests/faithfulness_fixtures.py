"""A digest built by hand from the seed reports and the seed translation memory.

Every summary sentence is the memory's English for a seed sentence, citing that sentence at
its exact span in a copy of the seed file; two sentences also cite a second report that
states the same thing. It lets the evaluator be tested on real French and English without
running the pipeline.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import SEED_MEMORY, SEEDS

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# (French of the summary sentence, French of a second report saying the same).
SHARED_FACTS = [
    (
        "La Corée du Nord aurait commencé à transférer des artilleries vers la Russie.",
        "Le Centre d'études stratégiques et internationales a conclu que la Corée du Nord avait commencé à "
        "transférer de l'artillerie à la Russie, probablement pour soutenir la guerre en Ukraine.",
    ),
    (
        "Les informations disponibles suggèrent que plus de 1 000 conteneurs de ce matériel ont été livrés ces "
        "dernières semaines.",
        "En octobre, la Maison Blanche a révélé que la Corée du Nord avait transporté environ 1 000 conteneurs "
        "« d’équipement et de munitions » vers la Russie au cours des dernières semaines.",
    ),
]


def memory_pairs(path: Path = SEED_MEMORY) -> dict[str, str]:
    """French segment -> English segment of every unit in a TMX file."""
    pairs = {}
    for unit in ET.parse(path).getroot().iter("tu"):
        segs = {tuv.get(_XML_LANG): "".join(tuv.find("seg").itertext()) for tuv in unit.iter("tuv")}
        if segs.get("fr") and segs.get("en"):
            pairs[segs["fr"]] = segs["en"]
    return pairs


def _citation(doc_id: str, text: str, french: str, english: str, number: int) -> dict[str, Any]:
    start = text.index(french)
    return {
        "doc_id": doc_id,
        "sentence_id": f"{doc_id}:{number}",
        "start": start,
        "end": start + len(french),
        "source_text": french,
        "translation": english,
    }


def build_digest(folder: Path) -> Path:
    """Copy the seeds into ``folder/inputs`` and write ``folder/digest.json`` citing them."""
    inputs = folder / "inputs"
    inputs.mkdir(parents=True)
    pairs = memory_pairs()
    documents, events, located = [], [], {}
    for seed in sorted(SEEDS.glob("*.txt")):
        copy = inputs / seed.name
        shutil.copyfile(seed, copy)
        doc_id, text = seed.stem, seed.read_text(encoding="utf-8")
        documents.append(
            {
                "doc_id": doc_id,
                "path": str(copy),
                "date": None,
                "lang": "fr",
                "status": "used",
                "encoding": "utf-8",
                "line": None,
            }
        )
        ordered = sorted((text.index(fr), fr) for fr in pairs if fr in text)
        citations = [_citation(doc_id, text, fr, pairs[fr], n) for n, (_, fr) in enumerate(ordered)]
        located.update({c["source_text"]: c for c in citations})
        events.append(
            {
                "event_id": f"event-{doc_id[:3]}",
                "title": doc_id,
                "date": None,
                "summary": [{"text": c["translation"], "citations": [c]} for c in citations],
            }
        )
    for french, also in SHARED_FACTS:
        sentence = next(s for e in events for s in e["summary"] if s["citations"][0]["source_text"] == french)
        sentence["citations"].append(located[also])
    digest = {
        "schema": 1,
        "model": {"fr": {"id": "memory", "revision": "none"}},
        "documents": documents,
        "events": events,
    }
    path = folder / "digest.json"
    path.write_text(json.dumps(digest, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def seed_digest_path(request: pytest.FixtureRequest) -> Path:
    """The pipeline's own seed digest (the shared ``seed_run``), or a skip while the render
    stage that writes it is not there."""
    pytest.importorskip("pipeline.stages.render")
    return request.getfixturevalue("seed_run").run_dir / "digest.json"
