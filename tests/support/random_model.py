"""A randomly initialised MarianMT model built offline, for tests and benchmarks.

It loads and generates through exactly the code path of a hub model (MarianTokenizer,
MarianMTModel, ``generate``), only its output is gibberish. With opus-mt-fr-en's dimensions
(d_model 512, 6+6 layers, 8 heads, FFN 2048, vocabulary padded to 59,514) it costs what the
real model costs per token, which is what a speed benchmark needs.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path


def _train_sentencepiece(texts: list[str], prefix: Path, vocab_size: int) -> None:
    import sentencepiece as spm

    corpus = prefix.with_suffix(".txt")
    corpus.write_text("\n".join(line for text in texts for line in text.splitlines() if line.strip()), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        bos_id=-1,
        eos_id=-1,
        pad_id=-1,
        unk_id=0,
        hard_vocab_limit=False,  # small corpora cannot always fill the asked-for vocabulary
        minloglevel=2,
        num_threads=1,
    )


def _pieces(model_file: Path) -> list[str]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(model_file))
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def build_random_marian(
    out_dir: Path,
    texts: Iterable[str],
    *,
    vocab_size: int = 800,
    d_model: int = 32,
    encoder_layers: int = 1,
    decoder_layers: int = 1,
    heads: int = 2,
    ffn_dim: int = 64,
    pad_vocab_to: int | None = None,
    seed: int = 0,
    max_position_embeddings: int = 512,
    num_beams: int | None = None,
) -> Path:
    """Train SentencePiece on ``texts``, save a random MarianMTModel and its tokenizer in ``out_dir``."""
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = list(texts)
    with tempfile.TemporaryDirectory() as work:
        source, target = Path(work) / "source", Path(work) / "target"
        _train_sentencepiece(texts, source, vocab_size)
        # the target side sees the same texts: its pieces only need to exist, not to be English
        _train_sentencepiece(texts, target, vocab_size)
        pieces = dict.fromkeys(
            ["</s>", "<unk>", *_pieces(source.with_suffix(".model")), *_pieces(target.with_suffix(".model"))]
        )
        pieces.pop("<pad>", None)
        vocab = {piece: i for i, piece in enumerate(pieces)}
        if pad_vocab_to is not None:  # filler pieces so the output projection has the real size
            for i in range(len(vocab), pad_vocab_to - 1):
                vocab[f"<filler_{i}>"] = i
        pad_id = len(vocab)
        vocab["<pad>"] = pad_id
        (out_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        (out_dir / "source.spm").write_bytes(source.with_suffix(".model").read_bytes())
        (out_dir / "target.spm").write_bytes(target.with_suffix(".model").read_bytes())

    config = MarianConfig(
        vocab_size=len(vocab),
        pad_token_id=pad_id,
        eos_token_id=0,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=0,
        d_model=d_model,
        encoder_layers=encoder_layers,
        decoder_layers=decoder_layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn_dim,
        decoder_ffn_dim=ffn_dim,
        activation_function="swish",
        scale_embedding=True,
        max_position_embeddings=max_position_embeddings,
        share_encoder_decoder_embeddings=True,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    model.generation_config = GenerationConfig(
        pad_token_id=pad_id,
        eos_token_id=0,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=0,
        bad_words_ids=[[pad_id]],
        num_beams=num_beams or 1,
        max_length=max_position_embeddings,
    )
    model.save_pretrained(out_dir)
    tokenizer = MarianTokenizer(
        str(out_dir / "source.spm"),
        str(out_dir / "target.spm"),
        str(out_dir / "vocab.json"),
        source_lang="fr",
        target_lang="en",
        model_max_length=max_position_embeddings,
    )
    tokenizer.save_pretrained(out_dir)
    return out_dir
