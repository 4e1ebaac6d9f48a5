#!/usr/bin/env python3
"""Derive the standard CLIP BPE tokenizer, in diffusers/transformers layout, from open_clip's MIT-licensed data.

The CLIP vocabulary is fully determined by the merge list `bpe_simple_vocab_16e6.txt.gz` that OpenAI published with
CLIP (MIT) and that the open-clip-torch package ships: 256 byte symbols, the same 256 with the end-of-word marker,
one entry per merge (the first 48894 merges), then the two special tokens. This script rebuilds `vocab.json` and
`merges.txt` exactly as `openai/clip-vit-large-patch14` lays them out (ids 0..49407), plus the tokenizer configs
Stable Diffusion 1.x uses (pad = <|endoftext|>, model_max_length = 77).

Run from the reference venv (users and CI never need it):
    .venv-ref/bin/python scripts/reference/make_clip_vocab.py [OUT_DIR]   # default models/clip-tokenizer
"""

import gzip
import json
import sys
from pathlib import Path

import open_clip

MERGE_COUNT = 49152 - 256 - 2  # CLIP keeps this many merges of the file (the first line is a version header)
BOS, EOS = "<|startoftext|>", "<|endoftext|>"


def byte_symbols() -> list[str]:
    """The printable stand-in character of every byte, in CLIP's order: printable Latin-1 bytes map to
    themselves, the other bytes to U+0100 onwards, in increasing byte order."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("\u00a1"), ord("\u00ac") + 1))
        + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    )
    order, symbols = list(printable), [chr(b) for b in printable]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            order.append(byte)
            symbols.append(chr(256 + extra))
            extra += 1
    return symbols


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "models" / "clip-tokenizer"
    out.mkdir(parents=True, exist_ok=True)
    source = Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz"
    lines = gzip.open(source).read().decode("utf-8").split("\n")
    merges = [tuple(line.split()) for line in lines[1 : MERGE_COUNT + 1]]
    assert len(merges) == MERGE_COUNT and all(len(m) == 2 for m in merges)

    symbols = byte_symbols()
    tokens = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges] + [BOS, EOS]
    vocab = {token: index for index, token in enumerate(tokens)}
    assert len(vocab) == 49408, len(vocab)

    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (out / "merges.txt").write_text(
        "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges), encoding="utf-8"
    )
    config = {
        "add_prefix_space": False,
        "bos_token": BOS,
        "clean_up_tokenization_spaces": True,
        "do_lower_case": True,
        "eos_token": EOS,
        "errors": "replace",
        "model_max_length": 77,
        "pad_token": EOS,
        "tokenizer_class": "CLIPTokenizer",
        "unk_token": EOS,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    special = {"bos_token": BOS, "eos_token": EOS, "pad_token": EOS, "unk_token": EOS}
    (out / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(vocab)} tokens, {len(merges)} merges")


if __name__ == "__main__":
    main()
