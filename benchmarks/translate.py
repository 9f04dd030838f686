"""Translation speed: the translate stage against one `generate` call per sentence.

Builds a random MarianMT model with opus-mt-fr-en's exact dimensions (it costs what the real
model costs per token; the real one cannot be downloaded here), then translates the same
distinct sentences, made from the seed reports, two ways with the same model, beams and
max_new_tokens policy:

- naive: the model card's snippet, one ``model.generate`` call per sentence;
- stage: ``pipeline.stages.translate.run`` on an empty cache (length-sorted batches).

Random weights rarely emit eos, so every generation runs to its max_new_tokens. In a batch
that limit is set by the batch's longest source, so the stage generates a few tokens more than
the sentences are due; both rates are therefore taken over the same work, the target tokens
the naive loop generates (each sentence's own limit), and the speedup is the time ratio. The
last line printed is a JSON object with naive_tokens_per_s, stage_tokens_per_s, speedup and
peak_rss_mb (the translate stage's own process; each way runs in a fresh process).

    .venv/bin/python benchmarks/translate.py --sentences 400 --threads 2
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
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

from pipeline.config import Config, ModelConfig  # noqa: E402
from pipeline.records import SentenceGroup  # noqa: E402
from pipeline.stages import translate  # noqa: E402
from pipeline.stages.base import StageContext  # noqa: E402
from pipeline.translation.marian import load_translator  # noqa: E402
from tests.support.random_model import build_random_marian  # noqa: E402

SEEDS = ROOT / "seeds"
# Ways to vary a sentence so that every text is distinct (nothing gained from cache or grouping)
# while its length stays that of real news sentences.
LEADS = [
    "",
    "Selon nos informations, ",
    "D'après un responsable, ",
    "Mardi, ",
    "Par ailleurs, ",
    "Dans un communiqué, ",
    "Le même jour, ",
    "En outre, ",
    "Toujours selon la même source, ",
    "Jeudi soir, ",
]


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


def in_own_process(function: Callable[..., tuple], *args: object) -> tuple:
    """Run one way in a fresh process, so each peak memory is its own (building the model
    and the other way's copy of it are not counted) and neither warms the other's caches."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_measured, function, *args).result()


def _measured(function: Callable[..., tuple], *args: object) -> tuple:
    return (*function(*args), peak_rss_mb())


def run_naive(model_dir: Path, config: ModelConfig, texts: list[str]) -> tuple[int, float]:
    """One generate call per sentence, as in the model card; max_new_tokens by the same policy."""
    translator = load_translator("fr", config)  # loads like any user would, threads set the same way
    tokenizer, model = translator.tokenizer, translator.model
    pad = model.config.pad_token_id
    tokens = 0
    started = time.perf_counter()
    for text in texts:
        inputs = tokenizer([text], return_tensors="pt")
        new_tokens = translator.max_new_tokens(inputs["input_ids"].shape[1])
        output = model.generate(**inputs, num_beams=translator.num_beams, max_length=new_tokens + 1)
        tokenizer.batch_decode(output, skip_special_tokens=True)
        tokens += int((output != pad).sum())
    return tokens, time.perf_counter() - started


def run_stage(config: ModelConfig, texts: list[str], work: Path) -> tuple[int, float, dict]:
    groups = [SentenceGroup(f"g{i}", f"d:{i}", [f"d:{i}"], text, "fr") for i, text in enumerate(texts)]
    ctx = StageContext(
        config=dataclasses.replace(Config(), models={"fr": config}, cache=str(work / "empty-cache.sqlite")),
        run_dir=work / "run",
        load=lambda stage, name, cls: groups,
    )
    started = time.perf_counter()
    output = translate.run(ctx)
    seconds = time.perf_counter() - started
    assert output.counts["translated"] == len(texts), output.counts
    return output.counts["generated_tokens"], seconds, output.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=400, help="distinct sentences to translate")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads for both ways")
    parser.add_argument(
        "--batch-tokens", type=int, default=ModelConfig.batch_tokens, help="the stage's padded source tokens per batch"
    )
    args = parser.parse_args()

    texts = distinct_sentences(args.sentences)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        model_dir = build_random_marian(
            work / "opus-shaped",
            [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))],
            d_model=512,
            encoder_layers=6,
            decoder_layers=6,
            heads=8,
            ffn_dim=2048,
            pad_vocab_to=59514,
            max_position_embeddings=512,
            num_beams=4,
        )
        print(f"built an opus-mt-fr-en-shaped random model in {time.perf_counter() - started:.1f}s")
        config = ModelConfig(id=str(model_dir), device="cpu", threads=args.threads, batch_tokens=args.batch_tokens)
        print(f"{len(texts)} distinct sentences, {args.threads} threads, beams 4, batch_tokens {args.batch_tokens}")

        stage_tokens, stage_seconds, counts, stage_rss = in_own_process(run_stage, config, texts, work)
        print(
            f"stage: {stage_seconds:.1f}s, {counts['batches']} batches, {stage_tokens} target tokens generated, "
            f"peak memory {stage_rss:.0f} MB"
        )
        naive_tokens, naive_seconds, naive_rss = in_own_process(run_naive, model_dir, config, texts)
        print(
            f"naive: {naive_seconds:.1f}s, {naive_tokens} target tokens generated (one generate call per sentence), "
            f"peak memory {naive_rss:.0f} MB"
        )

    naive_rate, stage_rate = naive_tokens / naive_seconds, naive_tokens / stage_seconds
    print(
        f"over the same {naive_tokens} target tokens: naive {naive_rate:.1f} tokens/s, stage {stage_rate:.1f} tokens/s"
    )
    print(f"peak memory (max RSS) of the translate stage: {stage_rss:.0f} MB")
    print(
        json.dumps(
            {
                "sentences": len(texts),
                "threads": args.threads,
                "naive_tokens": naive_tokens,
                "stage_tokens": stage_tokens,
                "naive_tokens_per_s": round(naive_rate, 2),
                "stage_tokens_per_s": round(stage_rate, 2),
                "speedup": round(naive_seconds / stage_seconds, 2),
                "peak_rss_mb": round(stage_rss, 1),
                "naive_peak_rss_mb": round(naive_rss, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
