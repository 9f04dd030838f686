"""Translation speed: one `generate` call per sentence, the transformers stage, the CTranslate2 stage.

Builds a random MarianMT model with opus-mt-fr-en's exact dimensions (it costs what the real
model costs per token; the real one cannot be downloaded here), converts it once for
CTranslate2 (int8 on CPU), then translates the same distinct sentences from the seed reports
with the same model, beams and max_new_tokens rule, greedy and with 4 beams:

- naive: the model card's snippet, one ``model.generate`` call per sentence (model loaded first);
- transformers: ``pipeline.stages.translate.run`` on an empty cache;
- ctranslate2: the same stage with ``backend: ctranslate2`` (int8; ``--compute-types int8 float32``
  adds a float32 way, to show what int8 gains).

Every rate is over translating time: the model's loading (for CTranslate2, the converted model
and the tokenizer) is timed apart and printed in its own column.

Each run is a fresh process, so each peak RSS is its own. Random weights rarely emit eos, so
every generation runs to its max_new_tokens; in a batch that limit is the longest member's, so
the stages generate a few tokens more than the sentences are due. Every rate is therefore taken
over the same work, the target tokens the naive loop generates (each sentence's own limit).

The FLOP ceiling: a large fp32 matmul's rate on this machine (torch, same threads), against the
FLOPs that work takes (encoder per source token, decoder per target token and beam: 2 x the
weights touched plus attention). The int8 run is measured against the same fp32 rate: the share
of what fp32 could do. The last line printed is a JSON object with every figure.

    .venv/bin/python benchmarks/translate.py --sentences 64 --threads 2
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import Config, ModelConfig  # noqa: E402  (light: no model library imported)

SEEDS = ROOT / "seeds"
# opus-mt-fr-en's dimensions (FACTS.md); the FLOP count below reads them from here
SHAPE = {"d_model": 512, "layers": 6, "heads": 8, "ffn": 2048, "vocab": 59514}
# Ways to vary a sentence so that every text is distinct (nothing gained from cache or grouping)
# while its length stays that of real news sentences.
LEADS = ["", "Selon nos informations, ", "D'après un responsable, ", "Mardi, ", "Par ailleurs, "]


def seed_sentences() -> list[str]:
    sentences: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            sentences.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if 40 <= len(s.strip()) <= 400)
    return list(dict.fromkeys(sentences))


def distinct_sentences(count: int) -> list[str]:
    base = seed_sentences()
    out: list[str] = []
    for round_ in range(count // len(base) + 1):
        lead = LEADS[round_ % len(LEADS)]
        out.extend(lead + (s[0].lower() + s[1:] if lead else s) for s in base)
    texts = list(dict.fromkeys(out))[:count]
    if len(texts) < count:
        raise SystemExit(f"only {len(texts)} distinct sentences could be made; ask for fewer")
    return texts


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def in_own_process(function: Callable[..., dict], *args: object) -> dict:
    """Run one way in a fresh process, so each peak memory is its own and none warms another."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_measured, function, *args).result()


def _measured(function: Callable[..., dict], *args: object) -> dict:
    result = function(*args)
    return {**result, "peak_rss_mb": round(peak_rss_mb(), 1), "torch_imported": "torch" in sys.modules}


def cpu_seconds() -> float:
    """CPU time of this process so far: against wall time and threads it shows how much of the
    cores a run had, on a machine other work shares."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def matmul_gflops(threads: int) -> dict:
    """The best fp32 rate of a 2048 x 2048 matmul (torch's sgemm) over a few tries, per wall
    second and per CPU second (the second holds when other work takes some of the cores)."""
    import torch

    torch.set_num_threads(threads)
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b  # warm-up
    best, best_cpu = float("inf"), float("inf")
    for _ in range(8):
        cpu, started = cpu_seconds(), time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, cpu_seconds() - cpu)
    flops = 2 * 2048**3
    return {"gflops": flops / best / 1e9, "gflops_per_cpu_s": flops / best_cpu / 1e9}


def decoder_flops(step: int, source_tokens: int) -> float:
    """One target token of one beam at position ``step``: self-attention projections, the cross
    attention query/output, FFN, output projection, plus attention over the past and the source."""
    d, ffn, layers = SHAPE["d_model"], SHAPE["ffn"], SHAPE["layers"]
    weights = layers * (6 * d * d + 2 * d * ffn) + d * SHAPE["vocab"]
    attention = layers * 4 * d * (step + source_tokens)
    return 2 * weights + attention


def encoder_flops(source_tokens: int) -> float:
    """The encoder over one source, plus the cross-attention keys/values each decoder layer makes of it."""
    d, ffn, layers = SHAPE["d_model"], SHAPE["ffn"], SHAPE["layers"]
    per_token = 2 * (4 * d * d + 2 * d * ffn) + 2 * 2 * d * d
    return layers * source_tokens * (per_token + 4 * d * source_tokens)


def work_flops(sources: list[int], targets: list[int], beams: int) -> float:
    return sum(
        encoder_flops(s) + beams * sum(decoder_flops(t, s) for t in range(1, n + 1))
        for s, n in zip(sources, targets, strict=True)
    )


def run_naive(config: ModelConfig, texts: list[str]) -> dict:
    """One generate call per sentence, as in the model card; max_new_tokens by the same rule."""
    import torch

    from pipeline.translation.backends import load_translator
    from pipeline.translation.marian import MarianTranslator
    from pipeline.translation.translator import max_new_tokens

    translator = load_translator("fr", config)  # loads like any user would, threads set the same way
    assert isinstance(translator, MarianTranslator)
    tokenizer, model = translator.tokenizer, translator.model
    pad = model.config.pad_token_id
    sources, targets = [], []
    cpu, started = cpu_seconds(), time.perf_counter()
    with torch.inference_mode():
        for text in texts:
            inputs = tokenizer([text], return_tensors="pt")
            sources.append(int(inputs["input_ids"].shape[1]))
            limit = max_new_tokens(config, translator.window, sources[-1])
            output = model.generate(**inputs, num_beams=translator.num_beams, max_length=limit + 1)
            tokenizer.batch_decode(output, skip_special_tokens=True)
            targets.append(int((output[:, 1:] != pad).sum()))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "cpu_seconds": cpu_seconds() - cpu, "sources": sources, "targets": targets}


def run_stage(config: ModelConfig, texts: list[str], work: Path) -> dict:
    """The translate stage on an empty cache; the model's loading is timed apart, since the
    naive loop's is not counted either."""
    from pipeline.records import SentenceGroup
    from pipeline.stages import translate
    from pipeline.stages.artifacts import GROUPS
    from pipeline.stages.base import StageContext

    loading: list[tuple[float, float]] = []
    load_translator = translate.load_translator

    def timed_load(lang: str, model: ModelConfig) -> object:
        cpu, started = cpu_seconds(), time.perf_counter()
        translator = load_translator(lang, model)
        loading.append((time.perf_counter() - started, cpu_seconds() - cpu))
        return translator

    translate.load_translator = timed_load  # type: ignore[assignment]
    groups = [SentenceGroup(f"g{i}", f"d:{i}", [f"d:{i}"], text, "fr") for i, text in enumerate(texts)]
    cache = work / f"cache-{config.backend}-{config.compute_type}-{config.num_beams}.sqlite"
    ctx = StageContext.in_memory(
        dataclasses.replace(Config(), models={"fr": config}, cache=str(cache)), {GROUPS: groups}
    )
    cpu, started = cpu_seconds(), time.perf_counter()
    output = translate.run(ctx)
    seconds, cpu_used = time.perf_counter() - started, cpu_seconds() - cpu
    assert output.counts["translated"] == len(texts), output.counts
    ((load_seconds, load_cpu),) = loading
    return {
        "seconds": seconds - load_seconds,
        "cpu_seconds": cpu_used - load_cpu,
        "load_seconds": load_seconds,
        "batches": output.counts["batches"],
    }


def convert_once(config: ModelConfig) -> dict:
    from pipeline.translation.ct2 import convert, resolved_compute_type

    started = time.perf_counter()
    _, compute_type = resolved_compute_type(config)
    path, _ = convert("fr", config, compute_type)
    return {"seconds": time.perf_counter() - started, "compute_type": compute_type, "path": str(path)}


def build_model(folder: Path) -> dict:
    from tests.support.random_model import build_random_marian

    build_random_marian(
        folder,
        [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))],
        d_model=SHAPE["d_model"],
        encoder_layers=SHAPE["layers"],
        decoder_layers=SHAPE["layers"],
        heads=SHAPE["heads"],
        ffn_dim=SHAPE["ffn"],
        pad_vocab_to=SHAPE["vocab"],
        max_position_embeddings=512,
        num_beams=4,
    )
    return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=64, help="distinct sentences to translate")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for every way")
    parser.add_argument("--beams", type=int, nargs="+", default=[1, 4], help="beam sizes to run")
    parser.add_argument(
        "--batch-tokens", type=int, default=ModelConfig.batch_tokens, help="the stages' padded source tokens per batch"
    )
    parser.add_argument(
        "--compute-types",
        nargs="+",
        default=["int8"],
        choices=["int8", "int8_float32", "int16", "float32"],
        help="CTranslate2 compute types to run (each a way of its own; float32 shows what int8 gains)",
    )
    args = parser.parse_args()

    texts = distinct_sentences(args.sentences)
    results: dict = {"sentences": len(texts), "threads": args.threads, "batch_tokens": args.batch_tokens}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # the converted model goes here, not in ~/.cache
        model_dir = work / "opus-shaped"
        started = time.perf_counter()
        in_own_process(build_model, model_dir)
        print(f"built an opus-mt-fr-en-shaped random model in {time.perf_counter() - started:.1f}s")
        matmul = in_own_process(matmul_gflops, args.threads)
        rate, cpu_rate = matmul["gflops"], matmul["gflops_per_cpu_s"]
        results["fp32_matmul_gflops"] = round(rate, 1)
        results["fp32_matmul_gflops_per_cpu_s"] = round(cpu_rate, 1)
        print(
            f"fp32 matmul (2048^3, torch, {args.threads} threads): {rate:.1f} GFLOP/s, "
            f"{cpu_rate:.1f} GFLOP per CPU second"
        )
        # naive and transformers run the checkpoint; the CTranslate2 way replaces the backend below
        settings = {"device": "cpu", "threads": args.threads, "batch_tokens": args.batch_tokens}
        base = ModelConfig(id=str(model_dir), backend="transformers", **settings)
        # the int8 way keeps the name `ctranslate2`; another compute type is `ct2 <type>`
        ct2_ways = {kind: "ctranslate2" if kind == "int8" else f"ct2 {kind}" for kind in args.compute_types}
        for kind in ct2_ways:
            ct2 = dataclasses.replace(base, backend="ctranslate2", compute_type=kind)
            converted = in_own_process(convert_once, ct2)
            results["convert_seconds" if kind == "int8" else f"convert_seconds_{kind}"] = round(converted["seconds"], 2)
            print(f"converted for CTranslate2 ({converted['compute_type']}) in {converted['seconds']:.1f}s")
        print(f"{len(texts)} distinct sentences, {args.threads} threads, batch_tokens {args.batch_tokens}")
        print(f"load average before: {os.getloadavg()[0]:.2f} (other work on this machine slows every way)")
        print(
            f"{'beams':>5} {'way':<13} {'load s':>7} {'seconds':>8} {'cpu s':>7} {'tokens/s':>9} {'speedup':>8} "
            f"{'of fp32':>8} {'(cpu)':>7} {'peak RSS':>9}"
        )
        for beams in args.beams:
            config = dataclasses.replace(base, num_beams=beams)
            naive = in_own_process(run_naive, config, texts)
            tokens = sum(naive["targets"])
            flops = work_flops(naive["sources"], naive["targets"], beams)
            ways = {"naive": naive, "transformers": in_own_process(run_stage, config, texts, work)}
            for kind, way in ct2_ways.items():
                ct2 = dataclasses.replace(config, backend="ctranslate2", compute_type=kind)
                ways[way] = in_own_process(run_stage, ct2, texts, work)
            for way, run in ways.items():
                row = {
                    "load_seconds": round(run.get("load_seconds", 0.0), 2),
                    "seconds": round(run["seconds"], 2),
                    "cpu_seconds": round(run["cpu_seconds"], 2),
                    "tokens_per_s": round(tokens / run["seconds"], 1),
                    "speedup": round(naive["seconds"] / run["seconds"], 2),
                    "fp32_ceiling_share": round(flops / run["seconds"] / 1e9 / rate, 3),
                    "fp32_ceiling_share_cpu": round(flops / run["cpu_seconds"] / 1e9 / cpu_rate, 3),
                    "peak_rss_mb": run["peak_rss_mb"],
                    "torch_imported": run["torch_imported"],
                }
                results[f"beam{beams}_{way.replace(' ', '_')}"] = row
                print(
                    f"{beams:>5} {way:<13} {row['load_seconds'] if way != 'naive' else '':>7} "
                    f"{row['seconds']:>8.1f} {row['cpu_seconds']:>7.1f} "
                    f"{row['tokens_per_s']:>9.1f} {row['speedup']:>7.2f}x {row['fp32_ceiling_share']:>8.1%} "
                    f"{row['fp32_ceiling_share_cpu']:>7.1%} "
                    f"{row['peak_rss_mb']:>6.0f} MB"
                )
            results[f"beam{beams}_target_tokens"] = tokens
            results[f"beam{beams}_gflop"] = round(flops / 1e9, 1)
            print(f"      over the same {tokens} target tokens, {flops / 1e9:.1f} GFLOP of work")
    results["load_average_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
