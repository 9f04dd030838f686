"""digest.html without a browser: self-contained, every input text escaped, each citation's
panel holding the exact cited span in its original context, corroboration and flags shown,
and the faithfulness page carrying every sentence's verdict."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_render import HOSTILE, TEXT, digest_of, records

from pipeline.faithfulness.evaluate import evaluate_path
from pipeline.html_digest import FAITHFULNESS_PAGE, render_html
from pipeline.records import Conflict, FigureVariant


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each element with an id."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[tuple[str, str | None]] = []
        self.text_by_id: dict[str, str] = {}
        self.marks: dict[str, str] = {}
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag not in ("meta", "input", "br", "img", "link"):
            self.open.append((tag, attributes.get("id")))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        ids = [i for _, i in self.open if i]
        for element_id in ids:
            self.text_by_id[element_id] = self.text_by_id.get(element_id, "") + data
        if self.open and self.open[-1][0] == "mark" and ids:
            self.marks[ids[-1]] = self.marks.get(ids[-1], "") + data


def test_page_is_self_contained():
    page = render_html(digest_of(records()))
    tags = Elements(page).tags
    names = [t for t, _ in tags]
    assert names.count("script") == names.count("style") == 1  # both inline
    for tag, attributes in tags:
        assert tag not in ("link", "iframe", "img", "object")
        assert "src" not in attributes and not (attributes.get("href") or "").startswith(("http", "//"))
    assert "default-src 'none'" in page  # the CSP forbids any fetch even if text slipped through


@pytest.mark.parametrize("hostile", HOSTILE)
def test_input_text_is_escaped(hostile):
    recs = records()
    recs["documents"][0].path = f"/in/{hostile}.txt"
    event = recs["summaries"][2]
    event.title = event.summary[0].text = hostile
    event.summary[0].citations[0].translation = hostile
    event.summary[0].flags = [hostile]
    tags = Elements(render_html(digest_of(recs))).tags
    names = [t for t, _ in tags]
    assert names.count("script") == 1 and "img" not in names and "b" not in names
    assert not any(k.startswith("on") for _, attributes in tags for k in attributes)
    shown = Elements(render_html(digest_of(recs))).text_by_id["s-ev-early-0"]
    assert shown.count(hostile) >= 2  # the sentence and its translation, as typed


def test_every_citation_panel_shows_its_span_in_context():
    digest = digest_of(records())
    parsed = Elements(render_html(digest))
    buttons = [a for t, a in parsed.tags if t == "button" and "cite" in (a.get("class") or "").split()]
    citations = [c for e in digest["events"] for s in e["summary"] for c in s["citations"]]
    assert len(buttons) == len(citations) == 5
    for button, citation in zip(buttons, citations, strict=True):
        panel = button["aria-controls"]
        assert parsed.marks[panel] == citation["source_text"]
        shown = parsed.text_by_id[panel]
        context = citation["context"]["before"] + citation["source_text"] + citation["context"]["after"]
        assert context in shown and context in TEXT
        assert citation["translation"] in shown


def test_corroboration_copies_conflicts_and_flags_are_shown():
    recs = records()
    sentence = recs["summaries"][2].summary[0]
    sentence.outlets, sentence.copies = 2, {"c": "a"}
    sentence.conflicts = [Conflict("death toll", [FigureVariant("632", ["a:0"]), FigureVariant("1,037", ["b:0"])])]
    parsed = Elements(render_html(digest_of(recs)))
    shown = " ".join(parsed.text_by_id["s-ev-early-0"].split())
    assert "2 outlets" in shown
    assert "Counted once: c.txt copies a.txt." in shown
    assert "death toll: 632 (a.txt); 1,037 (b.txt)" in shown
    flagged = " ".join(parsed.text_by_id["s-ev-late-0"].split())
    assert flagged.startswith("⚠ unverified translation") and "1 source document" in flagged  # outlets not counted
    assert '<span class="flag" title="number-missing:9">' in render_html(digest_of(recs))


def test_timeline_in_digest_order_with_dates_and_outlet_filters():
    digest = digest_of(records())
    parsed = Elements(render_html(digest))
    events = [a for t, a in parsed.tags if t == "li" and "event" in (a.get("class") or "").split()]
    assert [(e["id"], e["data-date"]) for e in events] == [
        ("event-ev-early", "2023-10-13"),
        ("event-ev-late", "2023-11-09"),
        ("event-bg", ""),
    ]
    outlets = [a["value"] for t, a in parsed.tags if t == "input" and a.get("name") == "outlet"]
    assert len(outlets) == 3  # a, b and c are cited; no URL, so each file is its own outlet
    dates = {a["id"]: (a["min"], a["max"]) for t, a in parsed.tags if t == "input" and a.get("type") == "date"}
    assert dates == {"from": ("2023-10-13", "2023-11-09"), "to": ("2023-10-13", "2023-11-09")}


def test_outlet_is_the_url_host():
    recs = records()
    recs["documents"][0].url = "https://www.lemonde.fr/international/article/1.html"
    digest = digest_of(recs)
    assert [d["outlet"] for d in digest["documents"]] == ["lemonde.fr", None, None, None, None]
    assert re.search(r'value="o\d+" checked> lemonde.fr</label>', render_html(digest))


def test_evaluate_writes_the_faithfulness_page(seed_run, tmp_path: Path):
    shutil.copy(seed_run.run_dir / "digest.json", tmp_path / "digest.json")
    report = evaluate_path(tmp_path / "digest.json")
    page = (tmp_path / FAITHFULNESS_PAGE).read_text(encoding="utf-8")
    verdicts = re.findall(r'<span class="verdict (supported|unsupported)"', page)
    assert verdicts == ["supported" if s.supported else "unsupported" for s in report.sentences]
    assert len(verdicts) == sum(len(e["summary"]) for e in json.loads((tmp_path / "digest.json").read_text())["events"])


def test_seed_run_writes_the_page_from_its_digest(seed_run):
    digest = json.loads((seed_run.run_dir / "digest.json").read_text(encoding="utf-8"))
    page = (seed_run.run_dir / "digest.html").read_text(encoding="utf-8")
    assert page == render_html(digest)
    marks = Elements(page).marks
    cited = [c for e in digest["events"] for s in e["summary"] for c in s["citations"]]
    assert len(marks) == len(cited) > 0
    for citation in cited:
        original = Path(next(d["path"] for d in digest["documents"] if d["doc_id"] == citation["doc_id"]))
        text = original.read_text(encoding="utf-8")
        before, after = citation["context"]["before"], citation["context"]["after"]
        start, end = citation["start"] - len(before), citation["end"] + len(after)
        assert text[start:end] == before + citation["source_text"] + after


def test_a_digest_with_only_the_required_fields_renders():
    """Evaluate accepts digests with less than render writes; its page must not fail on them."""
    minimal = {
        "schema": 1,
        "documents": [{"doc_id": "a", "path": "/in/a.txt"}],
        "events": [{"event_id": "e1", "summary": [{"text": "A sentence."}]}],
    }
    parsed = Elements(render_html(minimal, {("e1", 0): {"supported": False, "score": 0.1, "problems": []}}))
    shown = " ".join(parsed.text_by_id["s-e1-0"].split())
    assert shown == "A sentence. 0 source documents NOT supported (0.10)"
