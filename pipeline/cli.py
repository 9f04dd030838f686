"""The `pipeline` command: thin typer functions over the library.

Exit codes: 0 done; 1 bad usage, bad config or model not found; 2 some input unusable
while the rest went through; 3 `evaluate --min-support` not met.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipeline.errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_UNFAITHFUL,
    PipelineError,
    terminal_safe,
)

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.faithfulness.report import FaithfulnessReport

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="French news reports in, an English digest out: one summary per event, every sentence "
    "citing its exact sources. Exit codes: 0 done, 1 bad usage/config/model, 2 some input "
    "unusable (the rest went through), 3 evaluate below --min-support.",
)
err_console = Console(stderr=True)


def _leave_progress_to_the_cli() -> None:
    """The libraries' own bars and advisories ("Loading weights", tqdm) would interleave with
    the run's display and break --quiet; they read these once, at import, so set them first."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_VERBOSITY", "error")  # its retry warnings; the failure itself is one error line


def _fail(err: PipelineError) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {terminal_safe(str(err))}", highlight=False, soft_wrap=True)
    return typer.Exit(err.exit_code)


def _rich_progress(console: Console):
    """A progress factory for the stages: one rich bar per unit of work, on a terminal only."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    @contextmanager
    def factory(description: str, total: int | None):
        columns = [
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ]
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(description, total=total)

            class _Advance:
                def advance(self, n: int = 1) -> None:
                    bar.advance(task, n)

            yield _Advance()

    return factory


def _summary_table(result: Any) -> Table:
    # every text from input (paths, names, reasons) is escaped: rich would read `[/]` in it as markup
    table = Table(title=f"run summary: {terminal_safe(str(result.run_dir))}", show_lines=False)
    table.add_column("stage")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    table.add_column("counts")
    for report in result.stages:
        counts = ", ".join(f"{k} {v}" for k, v in report.counts.items() if not isinstance(v, (dict, list)))
        table.add_row(
            report.name,
            terminal_safe(report.status + (f" ({report.detail})" if report.detail else "")),
            f"{report.seconds:.1f}" if report.status == "done" else "",
            terminal_safe(counts),
        )
    return table


def _documents_table(documents: list[dict[str, Any]]) -> Table:
    table = Table(title="documents")
    table.add_column("doc_id")
    table.add_column("status")
    table.add_column("date")
    table.add_column("lang")
    for doc in documents:
        style = "red" if doc["status"].startswith("skipped") else ("yellow" if doc["status"] != "used" else None)
        cells = (terminal_safe(doc.get(key) or "") for key in ("doc_id", "status", "date", "lang"))
        table.add_row(*cells, style=style)
    return table


def _faithfulness_tables(report: FaithfulnessReport) -> list[Table]:
    """Two tables for the terminal: the digest-wide rates, then one row per summary sentence."""
    from pipeline.faithfulness.checker import WARNING

    overall = report.overall
    totals = Table(title=f"faithfulness: {terminal_safe(report.digest)}")
    totals.add_column("measure")
    totals.add_column("value", justify="right")
    for name in ("support_rate", "citation_recall", "citation_precision"):
        totals.add_row(name.replace("_", " "), f"{overall[name]:.3f}")
    totals.add_row("sentences", str(overall["sentences"]))
    totals.add_row("unsupported", str(overall["unsupported"]))
    totals.add_row("unresolved citations", str(overall["unresolved_citations"]))

    sentences = Table(title="sentences", show_lines=False)
    for column, justify in (
        ("event", "left"),
        ("#", "right"),
        ("ok", "center"),
        ("score", "right"),
        ("problems", "left"),
        ("sentence", "left"),
    ):
        sentences.add_column(column, justify=justify)  # type: ignore[arg-type]
    for verdict in report.sentences:
        # digest texts may hold rich markup (`[/]`) or control characters: printed as they are
        problems = "\n".join(
            terminal_safe(f"{p.code}{'' if p.severity != WARNING else ' (warning)'}: {p.detail}")
            for p in verdict.problems
        )
        sentences.add_row(
            terminal_safe(verdict.event_id),
            str(verdict.index),
            "yes" if verdict.supported else "NO",
            f"{verdict.score:.2f}",
            problems,
            terminal_safe(verdict.text),
            style=None if verdict.supported else "red",
        )
    return [totals, sentences]


@app.command()
def run(
    inputs: Annotated[list[Path], typer.Argument(help="Files or folders: *.txt, *.md, *.jsonl (one document a line).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Run folder: artifacts, manifest.json, digest.")] = Path(
        "outputs"
    ),
    config: Annotated[Path | None, typer.Option(help="models.yaml (defaults apply when omitted).")] = None,
    model: Annotated[
        list[str] | None, typer.Option("--model", help="LANG=ID_OR_DIR, overrides models.yaml; repeatable.")
    ] = None,
    memory: Annotated[Path | None, typer.Option(help="Translation memory: TMX or JSON Lines.")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu or cuda (overrides models.yaml).")] = None,
    until: Annotated[str | None, typer.Option(help="Stop after this stage.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redo every stage, reusing nothing.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="If another run is using --out, wait for it to end.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    follow_links: Annotated[
        bool, typer.Option("--follow-links", help="Read symbolic links in input folders that point outside them.")
    ] = False,
) -> None:
    """Run the stages (ingest, dedup, translate, events, summarize, render) on INPUTS."""
    from pipeline.config import load_config, parse_model_overrides, with_overrides
    from pipeline.runner import run_pipeline

    _leave_progress_to_the_cli()
    console = Console(quiet=quiet)
    try:
        cfg = with_overrides(
            load_config(config), parse_model_overrides(model or []), device, str(memory.resolve()) if memory else None
        )
        progress = _rich_progress(console) if console.is_terminal and not quiet else None

        def on_stage(report: Any) -> None:
            tag = {"reused": "reused (inputs and config unchanged)", "done": f"done in {report.seconds:.1f}s"}
            shown = terminal_safe(tag.get(report.status, report.status))
            console.print(f"[bold]{report.name}[/]: {shown}", highlight=False)

        kwargs = {"progress": progress} if progress else {}
        result = run_pipeline(
            inputs,
            out,
            cfg,
            until=until,
            force=force,
            on_stage=on_stage,
            wait=wait,
            follow_links=follow_links,
            **kwargs,
        )
    except PipelineError as err:
        raise _fail(err) from None
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: finished stages are kept in {terminal_safe(str(out))}; rerun the same command to resume",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    console.print(_summary_table(result))
    console.print(_documents_table(result.documents))
    for report in result.stages:
        for note in report.notes:
            console.print(f"[yellow]{report.name}:[/] {terminal_safe(note)}", highlight=False)
    if result.digest_path is not None:
        digest = result.digest_path
        shown = ", ".join(terminal_safe(str(digest.with_suffix(suffix))) for suffix in (".md", ".html", ".json"))
        console.print(f"digest: {shown}")
    skipped = [d for d in result.documents if d["status"].startswith("skipped")]
    if skipped:
        err_console.print(
            f"[yellow]{len(skipped)} input(s) skipped, the rest went through:[/] "
            + terminal_safe("; ".join(f"{d['path']}: {d['reason']}" for d in skipped)),
            highlight=False,
        )
    raise typer.Exit(EXIT_PARTIAL if result.partial else EXIT_OK)


@app.command()
def inspect(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (the --out of `pipeline run`).")],
    stage: Annotated[str, typer.Argument(help="ingest, dedup, translate, events, summarize or render.")],
) -> None:
    """Print a finished stage's records as JSON Lines."""
    from pipeline.runner import inspect_stage

    try:
        rows = inspect_stage(run_dir, stage)
    except PipelineError as err:
        raise _fail(err) from None
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


@app.command()
def models(
    config: Annotated[Path | None, typer.Option(help="models.yaml (defaults apply when omitted).")] = None,
    model: Annotated[list[str] | None, typer.Option("--model", help="LANG=ID_OR_DIR; repeatable.")] = None,
    download: Annotated[bool, typer.Option("--download", help="Fetch the models into the Hugging Face cache.")] = False,
    convert: Annotated[
        bool, typer.Option("--convert", help="Convert the `backend: ctranslate2` models into the CTranslate2 cache.")
    ] = False,
) -> None:
    """List the configured translation models, whether each resolves offline, and its backend."""
    from pipeline.config import load_config, parse_model_overrides, with_overrides
    from pipeline.translation.marian import download_models, model_statuses

    _leave_progress_to_the_cli()
    console = Console()
    try:
        cfg = with_overrides(load_config(config), parse_model_overrides(model or []))
        statuses = download_models(cfg) if download else model_statuses(cfg)
        if convert:
            from pipeline.translation.ct2 import convert_models

            convert_models(cfg)
        conversions = _conversions(cfg)
    except PipelineError as err:
        raise _fail(err) from None
    table = Table(title="translation models")
    for column in ("lang", "model", "revision", "offline", "where", "backend", "converted"):
        table.add_column(column)
    for status in statuses:
        table.add_row(
            *map(terminal_safe, (status.lang, status.model_id, status.revision)),
            "yes" if status.available else "no",
            terminal_safe(status.where),
            cfg.models[status.lang].backend,
            terminal_safe(conversions.get(status.lang, "-")),
        )
    console.print(table)


def _conversions(cfg: Config) -> dict[str, str]:
    """Compute type and converted folder of each `backend: ctranslate2` model."""
    wanted = {lang: m for lang, m in cfg.models.items() if m.backend == "ctranslate2"}
    if not wanted:
        return {}
    from pipeline.translation.ct2 import conversion_status

    return {lang: conversion_status(lang, m) for lang, m in wanted.items()}


@app.command()
def evaluate(
    target: Annotated[Path, typer.Argument(help="A run folder or a digest.json.")],
    min_support: Annotated[
        float | None, typer.Option(help="Exit 3 when the support rate is below this (0..1).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print faithfulness.json instead of tables.")] = False,
    aliases: Annotated[
        Path | None,
        typer.Option(help="Name alias file (English = French | other); default: the one the run used."),
    ] = None,
) -> None:
    """Check a digest against its sources; write faithfulness.json beside it."""
    from pipeline.faithfulness.evaluate import evaluate_path

    try:
        report = evaluate_path(target, aliases=aliases)
    except PipelineError as err:
        raise _fail(err) from None
    console = Console()
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        for table in _faithfulness_tables(report):
            console.print(table)
    if min_support is not None and report.overall["support_rate"] < min_support:
        err_console.print(f"support rate {report.overall['support_rate']:.3f} is below --min-support {min_support}")
        raise typer.Exit(EXIT_UNFAITHFUL)


if __name__ == "__main__":
    app()
