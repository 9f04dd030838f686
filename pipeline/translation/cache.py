"""A persistent translation cache in SQLite (standard library).

Keyed by model identity, generation settings and source text, so a changed model or setting
never returns a stale translation. Each batch is committed as soon as it is translated: a
run killed mid-stage keeps everything done so far and the next run translates the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from pipeline.errors import ConfigError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    source TEXT NOT NULL,
    translation TEXT NOT NULL,
    parts INTEGER NOT NULL DEFAULT 1,
    created TEXT NOT NULL DEFAULT (datetime('now'))
)
"""


@dataclass(frozen=True)
class CachedTranslation:
    translation: str
    parts: int


def default_cache_path() -> Path:
    """``$XDG_CACHE_HOME/pipeline/translations.sqlite`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pipeline" / "translations.sqlite"


def cache_key(model_identity: str, settings: dict[str, Any], source: str) -> str:
    payload = json.dumps({"model": model_identity, "settings": settings, "source": source}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _open(path: Path) -> sqlite3.Connection:
    """Connect and check every page: damage found later would end the stage mid-way."""
    # a generous timeout: parallel workers may share one cache file
    db = sqlite3.connect(path, timeout=60)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        verdict = db.execute("PRAGMA quick_check").fetchone()
        if verdict is None or verdict[0] != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {verdict[0] if verdict else 'no answer'}")
        db.execute(_SCHEMA)
        db.commit()
    except sqlite3.Error:
        db.close()
        raise
    return db


class TranslationCache:
    def __init__(self, path: Path):
        self.notes: list[str] = []  # what happened to the file (a damaged one moved aside)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = _open(path)
            except sqlite3.DatabaseError as damage:  # not a database, or malformed pages
                aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
                for suffix in ("", "-wal", "-shm"):
                    if Path(f"{path}{suffix}").exists():
                        os.replace(f"{path}{suffix}", f"{aside}{suffix}")
                self.notes.append(f"translation cache {path} was damaged ({damage}); moved to {aside}, rebuilt empty")
                self._db = _open(path)
        except (OSError, sqlite3.Error) as err:
            raise ConfigError("", "cache", f"{path} cannot be used: {err}", "a writable SQLite file path") from None

    def get_many(self, keys: list[str]) -> dict[str, CachedTranslation]:
        found: dict[str, CachedTranslation] = {}
        for start in range(0, len(keys), 500):  # stay under SQLite's bound-parameter limit
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, translation, parts FROM translations WHERE key IN ({marks})", chunk)
            found.update({key: CachedTranslation(text, parts) for key, text, parts in rows})
        return found

    def put_many(self, rows: list[tuple[str, str, str, str, int]]) -> None:
        """(key, model, source, translation, parts) rows, committed at once."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO translations (key, model, source, translation, parts) VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
