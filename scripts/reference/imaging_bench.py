#!/usr/bin/env python3
"""Pillow's side of `dbrun bench imaging`: the same steps on the same JPEG, best and median of --runs (ms).

    .build/release/dbrun bench imaging --save-input /tmp/photo.jpg
    /work/main/.venv-ref/bin/python scripts/reference/imaging_bench.py /tmp/photo.jpg --dbrun .build/release/dbrun

With --dbrun, rounds of dbrun and Pillow alternate (--rounds), so both see the same machine load, and the table
gives each step's best over all rounds and the ratio dbrun/Pillow. Without it, Pillow's figures alone, as JSON.

Steps: decode (Image.open + load, convert("RGB") only if not RGB, as diffusers); resize_8bit (Image.resize
BILINEAR to the short side, what torchvision's Resize does to PIL images); resize_float (the same plus a
ToTensor-like planar float32 conversion, since dbrun's images are planar float32); decode_resize (both in a
row: the training path).
"""
import argparse
import io
import json
import os
import subprocess
import time

import numpy as np
from PIL import Image

STEPS = ["decode", "resize_8bit", "resize_float", "decode_resize"]


def pillow(data, runs, size):
    def decode():
        im = Image.open(io.BytesIO(data))
        im.load()
        return im if im.mode == "RGB" else im.convert("RGB")

    image = decode()
    w, h = image.size
    short, long = min(w, h), max(w, h)
    new_long = int(size * long / short)
    out = (new_long, size) if w > h else (size, new_long)
    results = {}

    def measure(name, fn):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        results[name + "_ms"] = {"best": round(times[0], 3), "median": round(times[len(times) // 2], 3)}

    measure("decode", decode)
    measure("resize_8bit", lambda: image.resize(out, Image.BILINEAR))
    measure("resize_float", lambda: np.asarray(image.resize(out, Image.BILINEAR), dtype=np.float32).transpose(2, 0, 1) / 255)
    measure("decode_resize", lambda: decode().resize(out, Image.BILINEAR))
    results.update({"tool": "pillow " + Image.__version__, "image": f"{w}x{h}", "output": f"{out[0]}x{out[1]}",
                    "bytes": len(data), "runs": runs, "threads": 1})
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--dbrun", help="dbrun binary to alternate with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="dbrun's resize threads (Pillow's resize uses 1)")
    args = parser.parse_args()
    data = open(args.input, "rb").read()
    if not args.dbrun:
        print(json.dumps(pillow(data, args.runs, args.size), indent=2, sort_keys=True))
        return
    best = {"dbrun": {}, "pillow": {}}
    for _ in range(args.rounds):
        ours = json.loads(subprocess.run(
            [args.dbrun, "bench", "imaging", "--input", args.input, "--runs", str(args.runs), "--size", str(args.size),
             "--threads", str(args.threads), "--json"], check=True, capture_output=True, text=True).stdout)
        theirs = pillow(data, args.runs, args.size)
        for tool, result in (("dbrun", ours), ("pillow", theirs)):
            for step in STEPS:
                value = result[step + "_ms"]["best"]
                best[tool][step] = min(best[tool].get(step, value), value)
    print(f"{theirs['image']} -> {theirs['output']}, best of {args.rounds} alternating rounds x {args.runs} runs (ms), "
          f"dbrun resizing on {args.threads} thread(s)")
    print(f"{'step':<15}{'dbrun':>9}{'pillow':>9}{'dbrun/pillow':>14}")
    for step in STEPS:
        a, b = best["dbrun"][step], best["pillow"][step]
        print(f"{step:<15}{a:>9.1f}{b:>9.1f}{a / b:>14.2f}")


if __name__ == "__main__":
    main()
