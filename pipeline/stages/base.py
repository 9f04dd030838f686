"""What every stage receives and returns.

A stage module exposes ``VERSION`` (bumped when its output for the same input changes)
and ``run(ctx: StageContext) -> StageOutput``. It reads earlier stages' artifacts only
through ``ctx.load`` and never imports another stage, the runner or the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pipeline.config import Config
from pipeline.records import Record

R = TypeVar("R", bound=Record)


class Progress(Protocol):
    def advance(self, n: int = 1) -> None: ...


class _NoProgress:
    def advance(self, n: int = 1) -> None:
        pass


# (description, total) -> a context manager yielding something with .advance(n)
ProgressFactory = Callable[[str, int | None], Any]


@contextmanager
def no_progress(description: str, total: int | None) -> Iterator[Progress]:
    yield _NoProgress()


@dataclass
class StageOutput:
    artifacts: dict[str, list[Record]] = field(default_factory=dict)  # written as <name>.jsonl
    counts: dict[str, Any] = field(default_factory=dict)  # shown in the manifest and the run summary
    notes: list[str] = field(default_factory=list)  # one-line warnings for the run summary
    files: dict[str, str] = field(default_factory=dict)  # run-dir-level files (digest.json, digest.md)


@dataclass
class StageContext:
    config: Config
    run_dir: Path
    load: Callable[[str, str, type], list[Any]]  # (stage, artifact name, record class) -> records
    inputs: list[Path] = field(default_factory=list)  # the input files (ingest only)
    progress: ProgressFactory = no_progress

    def records(self, stage: str, name: str, cls: type[R]) -> list[R]:
        return self.load(stage, name, cls)
