"""The stage contract: what a stage declares, receives and returns.

A stage module exposes one ``STAGE`` (a :class:`Stage`): its name and version, the config
sections it reads, the artifacts it reads and writes (declared once, in
``pipeline.stages.artifacts``), the run-level files it writes and the extra inputs its output
depends on. Its ``run(ctx)`` reads earlier artifacts only through ``ctx.read(ARTIFACT)`` and
never imports another stage, the runner or the CLI. ``StageContext.in_memory`` calls a stage
directly with records, as tests and benchmarks do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, Protocol, TypeVar

from pipeline.config import Config
from pipeline.records import Record

R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Artifact(Generic[R]):
    """One stage output: ``RUN/<stage>/<name>.jsonl``, one ``record`` per line."""

    stage: str
    name: str
    record: type[R]

    @property
    def filename(self) -> str:
        return f"{self.name}.jsonl"

    def __str__(self) -> str:
        return f"{self.stage}/{self.filename}"


class ArtifactSource(Protocol):
    def read(self, artifact: Artifact[R]) -> list[R]: ...


class MemoryStore:
    """Artifacts held in memory, for calling a stage directly with records."""

    def __init__(self, records: Mapping[Artifact[Any], Sequence[Record]] | None = None):
        self._records: dict[Artifact[Any], list[Record]] = {a: list(rs) for a, rs in (records or {}).items()}

    def read(self, artifact: Artifact[R]) -> list[R]:
        if artifact not in self._records:
            raise KeyError(f"no records given for {artifact}")
        return list(self._records[artifact])  # type: ignore[arg-type]


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
    artifacts: dict[str, Sequence[Record]] = field(default_factory=dict)  # artifact name -> records
    counts: dict[str, Any] = field(default_factory=dict)  # shown in the manifest and the run summary
    notes: list[str] = field(default_factory=list)  # one-line warnings for the run summary
    # run-dir-level files (digest.json, digest.md); a ``RenderedOnRead`` renders each when read
    files: Mapping[str, str] = field(default_factory=dict)


class RenderedOnRead(Mapping[str, str]):
    """File name -> text, each text rendered when it is read and not kept: the runner writes
    one file at a time, so a large digest's JSON, Markdown and HTML are never all in memory."""

    def __init__(self, renderers: Mapping[str, Callable[[], str]]):
        self._renderers = dict(renderers)

    def __getitem__(self, name: str) -> str:
        return self._renderers[name]()

    def __iter__(self) -> Iterator[str]:
        return iter(self._renderers)

    def __len__(self) -> int:
        return len(self._renderers)


@dataclass
class StageContext:
    config: Config
    inputs: list[Path] = field(default_factory=list)  # the input files (stages that declare "inputs")
    progress: ProgressFactory = no_progress
    store: ArtifactSource = field(default_factory=MemoryStore)

    @classmethod
    def in_memory(
        cls,
        config: Config,
        records: Mapping[Artifact[Any], Sequence[Record]] | None = None,
        inputs: Sequence[Path] = (),
        progress: ProgressFactory = no_progress,
    ) -> StageContext:
        return cls(config=config, inputs=list(inputs), progress=progress, store=MemoryStore(records))

    def read(self, artifact: Artifact[R]) -> list[R]:
        return self.store.read(artifact)


ExtraInput = Literal["inputs", "memory"]  # the input files' bytes; the translation memory file's bytes
InspectRows = Callable[[Callable[[Artifact[Any]], list[dict[str, Any]]]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Stage:
    """Everything the runner needs to know about a stage, declared next to its code."""

    name: str
    version: str  # bumped by hand for output changes the code hash cannot see (e.g. a data file)
    run: Callable[[StageContext], StageOutput]
    config_sections: tuple[str, ...] = ()
    reads: tuple[Artifact[Any], ...] = ()
    writes: tuple[Artifact[Any], ...] = ()
    files: tuple[str, ...] = ()  # run-folder files it writes (digest.json, digest.md)
    extra_inputs: tuple[ExtraInput, ...] = ()
    # `pipeline inspect RUN STAGE`: (read artifact rows) -> rows; None: every artifact's rows
    inspect: InspectRows | None = None

    def __post_init__(self) -> None:
        foreign = [str(a) for a in self.writes if a.stage != self.name]
        if foreign:
            raise ValueError(f"stage {self.name} declares artifacts of another stage: {', '.join(foreign)}")
