"""Large inputs: time and peak memory of each stage on about 50 MB of French reports.

Builds the input from the seed reports and the dev corpus (``../shared/seeds``,
``../shared/dev-corpus/docs``): many reports, each a source text with light variation
(numbers redrawn, two names swapped for others, paragraphs shuffled) so that it is not all
exact copies, in two shapes:

- ``single``: one ``.txt`` file of about ``--mb`` MB (one document to ingest);
- ``folder``: a folder of ``--files`` files of the same total size, one in ten an exact copy
  of an earlier one (a wire story re-posted);
- ``archive``: the synthetic archive of ``benchmarks/events_scale.py`` (reports of about ten
  sentences, one file each, events told by 1 to 20 reports) up to the same size, with a
  translation memory of every sentence in it, so that translation is served by the memory
  and every stage, through ``render``, can be measured on the whole input.

Each stage runs in a fresh ``pipeline run INPUT --out RUN --until STAGE`` process on one run
folder, so every process redoes only its own stage (the earlier ones are reused) and its peak
memory is that stage's. Two peaks are reported per stage: ``peak_rss_mb``, the process's own
high-water mark (``ru_maxrss`` from ``wait4``), and ``peak_tree_mb``, the largest sum of the
proportional set size (PSS) of the process and its workers, sampled with psutil every 0.1 s. Translation
is real but fast: a tiny random MarianMT model (``tests/support/random_model.py``) and the dev
translation memory. A stage that runs past ``--stage-timeout`` is stopped and the benchmark
ends there.

    .venv/bin/python benchmarks/large_input.py [--mb 50] [--files 5000] [--variants single folder]
        [--until events] [--stage-timeout 600]

The last line printed is a JSON object with the figures.

This process imports nothing of the pipeline (torch and the rest load in the children): Linux
carries ``ru_maxrss`` over ``fork`` and ``exec``, so a large parent would inflate every child's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SOURCES = (ROOT / "seeds", SHARED / "seeds", SHARED / "dev-corpus" / "docs")
MEMORY = SHARED / "dev-corpus" / "memory_en.jsonl"
COPY_SHARE = 0.1
# The stage order, as pipeline.runner.STAGE_NAMES has it (checked in main, in a child process).
STAGE_NAMES = ("ingest", "dedup", "translate", "events", "summarize", "render")
NUMBER_CHANGE = 0.5  # share of the numbers in a report that are redrawn
_NUMBER = re.compile(r"(?<![\d-])\d{1,4}(?![\d-])")
# A capitalised word after a lower-case one: a name, not a sentence start.
_NAME = re.compile(r"(?<=[a-zà-ÿ,] )[A-Z][a-zà-ÿ]{3,}")
_DATE_HEADER = re.compile(r"\A\s*date[ \t]+\S+[ \t]*", re.IGNORECASE)


def source_texts() -> list[str]:
    texts = []
    for folder in SOURCES:
        texts.extend(_DATE_HEADER.sub("", p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt")))
    if not texts:
        raise SystemExit(f"no source texts in {', '.join(map(str, SOURCES))}")
    return texts


def vary(text: str, rng: random.Random, names: list[str]) -> str:
    """One report: the source with some numbers redrawn, two names swapped, paragraphs shuffled."""
    text = _NUMBER.sub(lambda m: str(rng.randrange(2, 5000)) if rng.random() < NUMBER_CHANGE else m.group(), text)
    present = sorted(set(_NAME.findall(text)))
    for name in rng.sample(present, min(2, len(present))):
        text = re.sub(rf"\b{name}\b", rng.choice(names), text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if len(paragraphs) > 2:
        head, rest = paragraphs[0], paragraphs[1:]  # the headline stays on top
        rng.shuffle(rest)
        paragraphs = [head, *rest]
    return "\n\n".join(p.strip() for p in paragraphs) + "\n"


def reports(rng: random.Random) -> Iterator[str]:
    """An endless stream of dated, varied reports."""
    texts = source_texts()
    names = sorted({n for t in texts for n in _NAME.findall(t)})
    while True:
        day = f"2023-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        yield f"date {day}\n" + vary(rng.choice(texts), rng, names)


def build_single(path: Path, size: int, seed: int) -> int:
    stream, written = reports(random.Random(seed)), 0
    with path.open("w", encoding="utf-8") as handle:
        while True:
            report = next(stream).encode("utf-8")
            if written + len(report) + 1 > size:
                return written
            handle.write(report.decode("utf-8") + "\n")
            written += len(report) + 1


def build_folder(folder: Path, size: int, files: int, seed: int) -> int:
    rng = random.Random(seed)
    stream, written, made = reports(rng), 0, []
    folder.mkdir(parents=True)
    per_file = size // files
    for n in range(files):
        if made and rng.random() < COPY_SHARE:
            body = rng.choice(made)
        else:
            parts: list[str] = []
            while sum(map(len, parts)) < per_file * 0.9:
                parts.append(next(stream))
            body = "\n".join(parts)
            made.append(body)
        data = body.encode("utf-8")
        (folder / f"{n:05d}.txt").write_bytes(data)
        written += len(data)
    return written


def measure(command: list[str], timeout: float) -> dict[str, object]:
    """Run ``command``; its wall seconds, exit status and both memory peaks."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tree_peak, done = 0, threading.Event()

    def sample() -> None:
        nonlocal tree_peak
        process = psutil.Process(child.pid)
        while not done.wait(0.1):
            try:
                members = [process, *process.children(recursive=True)]
                total = 0
                for member in members:
                    with contextlib.suppress(psutil.NoSuchProcess):  # a worker may end between the calls
                        # PSS: pages a forked worker shares with its parent count once, not per process
                        total += member.memory_full_info().pss
                tree_peak = max(tree_peak, total)
            except psutil.NoSuchProcess:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    timer = threading.Timer(timeout, child.kill)
    timer.start()
    _, status, usage = os.wait4(child.pid, 0)
    timer.cancel()
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode("utf-8", "replace") if child.stderr else ""
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 1),
        "exit": child.returncode,
        "timed_out": seconds >= timeout,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # kilobytes on Linux
        "peak_tree_mb": round(tree_peak / 2**20, 1),
        "error": stderr.strip().splitlines()[-1] if child.returncode not in (0, 2) and stderr.strip() else None,
    }


def run_stages(inputs: Path, run_dir: Path, config: Path, until: str, timeout: float) -> dict[str, object]:
    figures: dict[str, object] = {}
    for stage in STAGE_NAMES[: STAGE_NAMES.index(until) + 1]:
        command = [sys.executable, "-m", "pipeline.cli", "run", str(inputs), "--out", str(run_dir)]
        command += ["--config", str(config), "--until", stage, "--quiet"]
        result = measure(command, timeout)
        manifest = run_dir / "manifest.json"
        if manifest.is_file():
            report = json.loads(manifest.read_text(encoding="utf-8"))["stages"].get(stage, {})
            result["stage_seconds"] = report.get("seconds")
            result["counts"] = {k: v for k, v in report.get("counts", {}).items() if isinstance(v, int)}
        figures[stage] = result
        print(json.dumps({stage: result}), file=sys.stderr, flush=True)
        if result["exit"] not in (0, 2):
            break
    return figures


_BUILD_MODEL = """
import sys
from pathlib import Path
from pipeline.runner import STAGE_NAMES
from tests.support.random_model import build_random_marian
assert STAGE_NAMES == tuple(sys.argv[2:]), STAGE_NAMES
texts = [p.read_text(encoding="utf-8") for folder in {sources!r} for p in sorted(Path(folder).glob("*.txt"))]
build_random_marian(Path(sys.argv[1]), texts)
"""


def build_model(work: Path) -> Path:
    """The tiny random model, built in a child process (see the module docstring)."""
    model = work / "model"
    script = _BUILD_MODEL.format(sources=[str(s) for s in SOURCES])
    subprocess.run([sys.executable, "-c", script, str(model), *STAGE_NAMES], check=True, cwd=ROOT)
    return model


def build_archive(folder: Path, memory: Path, size: int, seed: int) -> int:
    """The synthetic archive of ``benchmarks/events_scale.py`` as files, and its memory (built
    in a child process, see the module docstring)."""
    script = ROOT / "benchmarks" / "events_scale.py"
    command = [sys.executable, str(script), "--write-archive", str(folder), str(memory), str(size / 1_000_000)]
    # the archive draws names in set order: a fixed hash seed makes the same seed the same archive
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [*command, "--seed", str(seed)], check=True, capture_output=True, text=True, cwd=ROOT, env=environment
    )
    return int(json.loads(done.stdout.strip().splitlines()[-1])["bytes"])


def write_config(work: Path, model: Path, variant: str, memory: Path = MEMORY) -> Path:
    """Each variant has its own translation cache, so neither reuses the other's work."""
    config = work / f"{variant}-models.yaml"
    config.write_text(
        json.dumps(  # YAML is a superset of JSON
            {
                "models": {"fr": {"id": str(model), "num_beams": 1}},
                "memory": str(memory),
                "cache": str(work / f"{variant}-translations.sqlite"),
            }
        ),
        encoding="utf-8",
    )
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="input size in MB (10^6 bytes)")
    parser.add_argument("--files", type=int, default=5000, help="files in the folder variant")
    parser.add_argument(
        "--variants", nargs="+", choices=("single", "folder", "archive"), default=["single", "folder", "archive"]
    )
    parser.add_argument("--until", choices=STAGE_NAMES, default="events", help="last stage to measure")
    parser.add_argument("--stage-timeout", type=float, default=600.0, help="seconds before a stage is stopped")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, help="keep inputs and runs here (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="large-input-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    try:
        model = build_model(work)
        size = int(args.mb * 1_000_000)
        results: dict[str, object] = {"mb": args.mb}
        for variant in args.variants:
            memory = MEMORY
            if variant == "single":
                inputs = work / "single.txt"
                written = build_single(inputs, size, args.seed)
            else:
                inputs = work / variant
                shutil.rmtree(inputs, ignore_errors=True)
                if variant == "folder":
                    written = build_folder(inputs, size, args.files, args.seed)
                else:
                    memory = work / "archive-memory.jsonl"
                    written = build_archive(inputs, memory, size, args.seed)
            run_dir = work / f"{variant}-run"
            shutil.rmtree(run_dir, ignore_errors=True)
            config = write_config(work, model, variant, memory)
            (work / f"{variant}-translations.sqlite").unlink(missing_ok=True)
            stages = run_stages(inputs, run_dir, config, args.until, args.stage_timeout)
            results[variant] = {"bytes": written, "stages": stages}
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
