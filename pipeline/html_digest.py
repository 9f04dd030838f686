"""``digest.html``: the digest as one self-contained page, rendered from the digest.json object.

Events form a timeline; each summary sentence shows its corroboration (independent outlets,
copies counted once, conflicting figures) and citation buttons that open the French original,
the cited span highlighted in its context, beside its English translation. CSS and script are
inlined (no network); every text from the input goes through markupsafe's escaping, and the
script only moves the page's own nodes around. ``faithfulness_page`` is the same page with the
verdict of ``pipeline evaluate`` on each sentence.
"""

from __future__ import annotations

import calendar
import json
from functools import cache
from importlib.resources import files
from pathlib import Path, PurePath
from typing import Any

from markupsafe import Markup

FLAG_LABEL = "⚠ unverified translation"
FAITHFULNESS_PAGE = "faithfulness.html"


@cache
def _asset(name: str) -> Markup:
    # Trusted text shipped with the package, inlined so the page needs no network.
    return Markup(files("pipeline").joinpath("templates").joinpath(name).read_text(encoding="utf-8"))


def render_html(digest: dict[str, Any], verdicts: dict[tuple[str, int], dict[str, Any]] | None = None) -> str:
    """The page. ``verdicts``: (event_id, sentence index) -> {"supported", "score", "problems"}."""
    page = _Page(digest, verdicts or {})
    return str(page.render())


def faithfulness_page(digest_path: Path, report: dict[str, Any]) -> str:
    """The page of the digest at ``digest_path`` marked with each sentence's verdict from a
    faithfulness report dict (``FaithfulnessReport.to_dict()``)."""
    digest = json.loads(digest_path.read_text(encoding="utf-8"))
    verdicts = {(s["event_id"], s["index"]): s for s in report.get("sentences", [])}
    return render_html(digest, verdicts)


class _Page:
    def __init__(self, digest: dict[str, Any], verdicts: dict[tuple[str, int], dict[str, Any]]):
        self.digest = digest
        self.verdicts = verdicts
        self.documents = {d["doc_id"]: d for d in digest["documents"]}
        self.citation_number = 0
        # Filter keys: one per outlet (the publisher's host where known, else the document itself).
        self.outlet_of = {d["doc_id"]: d.get("outlet") or _file_name(d) for d in digest["documents"]}
        cited = {c["doc_id"] for e in digest["events"] for s in e["summary"] for c in s.get("citations", [])}
        self.outlet_keys = {
            name: f"o{i}" for i, name in enumerate(sorted({self.outlet_of[d] for d in cited if d in self.outlet_of}))
        }

    def render(self) -> Markup:
        title = "Faithfulness of the digest" if self.verdicts else "Digest of the reports"
        body = Markup("").join([self._header(title), self._timeline(), self._documents(), self._viewer()])
        return Markup(
            '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
            "<title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n{}<script>\n{}</script>\n</body>\n</html>\n"
        ).format(title, _asset("digest.css"), body, _asset("digest.js"))

    def _header(self, title: str) -> Markup:
        span = self.digest.get("date_range") if isinstance(self.digest.get("date_range"), dict) else None
        events = sum(not e.get("background") for e in self.digest["events"])
        covered = ""
        if span:
            covered = span["start"] if span["start"] == span["end"] else f"{span['start']} to {span['end']}"
            covered = f"Covering {covered}: "
        documents = count_noun(len(self.digest["documents"]), "input document")
        meta = (
            f"{covered}{documents}, {count_noun(events, 'event')}. Generated at {self.digest.get('generated_at', '')}."
        )
        untranslated = self.digest.get("untranslated")
        missing = Markup("")
        if isinstance(untranslated, dict) and untranslated:
            which = ", ".join(f"{count_noun(n, 'sentence')} in {lang}" for lang, n in untranslated.items())
            missing = Markup('<p class="meta">Not translated, so not summarised: {}.</p>\n').format(which)
        bounds = {"min": _first_day(span["start"]), "max": _last_day(span["end"])} if span else {}
        limits = Markup("").join(Markup(' {}="{}"').format(k, v) for k, v in bounds.items())
        boxes = Markup("").join(
            Markup('<label><input type="checkbox" name="outlet" value="{}" checked> {}</label>').format(key, name)
            for name, key in self.outlet_keys.items()
        )
        return Markup(
            '<header>\n<h1>{title}</h1>\n<p class="meta">{meta}</p>\n{missing}'
            '<form id="filters" aria-label="Filters">\n'
            '<label>From <input type="date" id="from"{limits}></label>\n'
            '<label>To <input type="date" id="to"{limits}></label>\n'
            # Folded: with dozens of outlets the list would take the screen.
            "<details><summary>Outlets ({outlets})</summary><fieldset><legend>Show sentences citing</legend>"
            "{boxes}</fieldset></details>\n"
            '<p id="shown" aria-live="polite"></p>\n</form>\n</header>\n'
        ).format(title=title, meta=meta, missing=missing, limits=limits, boxes=boxes, outlets=len(self.outlet_keys))

    def _timeline(self) -> Markup:
        events = Markup("").join(self._event(e) for e in self.digest["events"])
        return Markup('<main>\n<ol class="timeline">\n{}</ol>\n').format(events)

    def _event(self, event: dict[str, Any]) -> Markup:
        # Only event_id and summary are certain: evaluate renders digests it accepts with less.
        background, date = bool(event.get("background")), event.get("date")
        if background:
            when = Markup('<span class="undated">Background</span>')
            note = Markup('<p class="meta">Context reported alongside the events, not an event of its own.</p>')
        elif date:
            when, note = Markup('<time datetime="{0}">{0}</time>').format(date), Markup("")
        else:
            when, note = Markup('<span class="undated">Undated</span>'), Markup("")
        sentences = Markup("").join(self._sentence(event["event_id"], i, s) for i, s in enumerate(event["summary"]))
        return Markup(
            '<li class="event{cls}" id="event-{id}" data-date="{date}">\n{when}<h2>{title}</h2>\n{note}'
            '<ul class="summary">\n{sentences}</ul>\n</li>\n'
        ).format(
            cls=" background" if background else "",
            id=event["event_id"],
            date="" if background else date or "",
            when=when,
            title=event.get("title", ""),
            note=note,
            sentences=sentences,
        )

    def _sentence(self, event_id: str, index: int, sentence: dict[str, Any]) -> Markup:
        citations = sentence.get("citations", [])
        keys = sorted(
            {
                self.outlet_keys[self.outlet_of[c["doc_id"]]]
                for c in citations
                if self.outlet_of.get(c["doc_id"]) in self.outlet_keys
            }
        )
        flags = sentence.get("flags") or []
        flag = (
            Markup('<span class="flag" title="{1}">{0}</span> ').format(FLAG_LABEL, ", ".join(flags))
            if flags
            else Markup("")
        )
        # Digests from before outlets were counted say 0: show the cited documents instead.
        outlets = (
            count_noun(sentence["outlets"], "outlet")
            if sentence.get("outlets")
            else count_noun(len({c["doc_id"] for c in citations}), "source document")
        )
        buttons, details = Markup(""), Markup("")
        for citation in citations:
            self.citation_number += 1
            button, detail = self._citation(self.citation_number, citation)
            buttons += button
            details += detail
        return Markup(
            '<li id="s-{event}-{index}" data-outlets="{keys}">{flag}<span class="text">{text}</span> '
            '<span class="corroboration">{outlets}</span>{verdict} <span class="cites">{buttons}</span>'
            "{copies}{conflicts}\n{details}</li>\n"
        ).format(
            event=event_id,
            index=index,
            keys=" ".join(keys),
            flag=flag,
            text=sentence["text"],
            outlets=outlets,
            verdict=self._verdict(event_id, index),
            buttons=buttons,
            copies=self._copies(sentence.get("copies") or {}),
            conflicts=self._conflicts(sentence.get("conflicts") or []),
            details=details,
        )

    def _citation(self, number: int, citation: dict[str, Any]) -> tuple[Markup, Markup]:
        doc = self.documents.get(citation["doc_id"], {})
        detail_id = f"cite-{number}"
        where = f"{_file_name(doc) if doc else citation['doc_id']}, {doc.get('date') or 'undated'}"
        button = Markup(
            '<button type="button" class="cite" aria-controls="{id}" aria-expanded="false" aria-haspopup="dialog" '
            'title="Source {n}: {where}">{n}</button>'
        ).format(id=detail_id, n=number, where=where)
        context = citation.get("context") or {}
        detail = Markup(
            '<section class="cite-detail" id="{id}" hidden aria-label="Source {n}">\n'
            "<h3>Source {n}: {where}, sentence {sentence}, characters {start}-{end}</h3>\n"
            '<div class="original" lang="{lang}"><span class="label">French original</span>'
            '<span class="context">{before}</span><mark>{text}</mark><span class="context">{after}</span></div>\n'
            '<div class="translation" lang="en"><span class="label">English translation</span>{english}</div>\n'
            "</section>\n"
        ).format(
            id=detail_id,
            n=number,
            where=where,
            sentence=citation["sentence_id"],
            start=citation["start"],
            end=citation["end"],
            lang=doc.get("lang") or "fr",
            before=context.get("before", ""),
            text=citation["source_text"],
            after=context.get("after", ""),
            english=citation["translation"],
        )
        return button, detail

    def _copies(self, copies: dict[str, str]) -> Markup:
        if not copies:
            return Markup("")
        return Markup('<p class="copies">Counted once: {}.</p>').format(copies_text(copies, self.documents))

    def _conflicts(self, conflicts: list[dict[str, Any]]) -> Markup:
        items = Markup("").join(Markup("<li>{}</li>").format(conflict_text(c, self.documents)) for c in conflicts)
        return (
            Markup('<div class="conflicts">Sources disagree:<ul>{}</ul></div>').format(items) if items else Markup("")
        )

    def _verdict(self, event_id: str, index: int) -> Markup:
        verdict = self.verdicts.get((event_id, index))
        if verdict is None:
            return Markup("")
        problems = "; ".join(f"{p.get('code')}: {p.get('detail')}" for p in verdict.get("problems", []))
        supported = bool(verdict.get("supported"))
        return Markup(' <span class="verdict {cls}" title="{problems}">{label} ({score:.2f})</span>').format(
            cls="supported" if supported else "unsupported",
            problems=problems,
            label="supported" if supported else "NOT supported",
            score=float(verdict.get("score", 0.0)),
        )

    def _documents(self) -> Markup:
        rows = Markup("").join(
            Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n").format(
                d["doc_id"],
                _file_name(d),
                d.get("date") or "",
                d.get("outlet") or "",
                status_text(d.get("status", "")),
                d.get("citations", 0),
            )
            for d in self.digest["documents"]
        )
        return Markup(
            '<section aria-labelledby="documents-heading">\n<h2 id="documents-heading">Documents</h2>\n'
            '<table class="documents">\n<thead><tr><th scope="col">document</th><th scope="col">file</th>'
            '<th scope="col">date</th><th scope="col">outlet</th><th scope="col">status</th>'
            '<th scope="col">citations</th></tr></thead>\n<tbody>\n{}</tbody>\n</table>\n</section>\n</main>\n'
        ).format(rows)

    def _viewer(self) -> Markup:
        return Markup(
            '<dialog id="viewer" aria-label="Source">\n'
            '<button type="button" class="close" aria-label="Close (Esc)">Close</button>\n'
            '<div id="viewer-body"></div>\n</dialog>\n'
        )


def copies_text(copies: dict[str, str], documents: dict[str, dict[str, Any]]) -> str:
    """Which cited documents copy which, by file name: ``b.txt copies a.txt; ...``."""
    return "; ".join(
        f"{_doc_name(copy, documents)} copies {_doc_name(original, documents)}" for copy, original in copies.items()
    )


def conflict_text(conflict: dict[str, Any], documents: dict[str, dict[str, Any]]) -> str:
    """``death toll: 632 (a.txt); 1,037 (b.txt, c.txt)``: each value with the files giving it."""
    variants = "; ".join(
        f"{v['value']} ({_sources_of(v['sentence_ids'], documents)})" for v in conflict.get("variants", [])
    )
    return f"{conflict.get('what', 'figure')}: {variants}"


def _sources_of(sentence_ids: list[str], documents: dict[str, dict[str, Any]]) -> str:
    """The files giving a value, from sentence ids ``<doc_id>:<n>``."""
    return ", ".join(dict.fromkeys(_doc_name(s.rpartition(":")[0], documents) for s in sentence_ids))


def _doc_name(doc_id: str, documents: dict[str, dict[str, Any]]) -> str:
    doc = documents.get(doc_id)
    return _file_name(doc) if doc else doc_id


def _file_name(doc: dict[str, Any]) -> str:
    name = PurePath(doc["path"]).name
    return f"{name} line {doc['line']}" if doc.get("line") else name


def status_text(status: str) -> str:
    kind, _, detail = status.partition(":")
    return {"duplicate-of": f"duplicate of {detail}", "skipped": f"skipped: {detail}"}.get(kind, status)


def count_noun(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _first_day(date: str) -> str:
    return (date + "-01-01")[:10]


def _last_day(date: str) -> str:
    if len(date) == 4:
        return f"{date}-12-31"
    if len(date) == 7:
        return f"{date}-{calendar.monthrange(int(date[:4]), int(date[5:]))[1]:02d}"
    return date
