#!/usr/bin/env python3
"""transformers' side of `dbrun bench tokenizer --python PY`: the same steps on the same folder and prompts.

    PY scripts/reference/tokenizer_bench.py TOKENIZER_FOLDER --prompts PROMPTS.json

PROMPTS.json (written by dbrun) holds "prompts" (encoded "repeats" times after one warm-up pass: words cached),
and "fresh" (prompts of new words, encoded once by a new tokenizer: every word misses the cache). Prints, for
CLIPTokenizer (Python BPE) and CLIPTokenizerFast (Rust), the seconds of: load, cached, fresh, as JSON.
Encoding is `tokenizer(prompt, padding="max_length", max_length=77, truncation=True)`, as diffusers does.
"""
import argparse
import json
import time

from transformers import CLIPTokenizer, CLIPTokenizerFast


def measure(cls, folder, prompts, repeats, fresh):
    start = time.perf_counter()
    tok = cls.from_pretrained(folder)
    load = time.perf_counter() - start

    def encode(t, p):
        return t(p, padding="max_length", max_length=t.model_max_length, truncation=True).input_ids

    for p in prompts:
        encode(tok, p)
    start = time.perf_counter()
    for _ in range(repeats):
        for p in prompts:
            encode(tok, p)
    cached = time.perf_counter() - start
    cold = cls.from_pretrained(folder)
    start = time.perf_counter()
    for p in fresh:
        encode(cold, p)
    return {"load": load, "cached": cached, "fresh": time.perf_counter() - start}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--prompts", required=True)
    args = parser.parse_args()
    spec = json.load(open(args.prompts))
    result = {}
    for name, cls in (("transformers-slow", CLIPTokenizer), ("transformers-fast", CLIPTokenizerFast)):
        result[name] = measure(cls, args.folder, spec["prompts"], spec["repeats"], spec["fresh"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
