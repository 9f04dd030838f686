"""Every artifact a stage writes, declared once: the stage that writes it, its name, its record type.

A stage reads another stage's output through these declarations, never by spelling out
folder and file names, so a renamed artifact or a changed record type is one edit here.
"""

from __future__ import annotations

from pipeline.records import Document, DocumentDecision, Event, EventSummary, Sentence, SentenceGroup, Translation
from pipeline.stages.base import Artifact

DOCUMENTS = Artifact("ingest", "documents", Document)
SENTENCES = Artifact("ingest", "sentences", Sentence)
DECISIONS = Artifact("dedup", "documents", DocumentDecision)
GROUPS = Artifact("dedup", "groups", SentenceGroup)
TRANSLATIONS = Artifact("translate", "translations", Translation)
EVENTS = Artifact("events", "events", Event)
SUMMARIES = Artifact("summarize", "summaries", EventSummary)
