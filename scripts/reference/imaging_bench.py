#!/usr/bin/env python3
"""Pillow's side of `dbrun bench imaging --pillow PY`: the same steps on the same JPEG, best and median of --runs (ms).

    PY scripts/reference/imaging_bench.py PHOTO.jpg --runs 5 --size 512     # prints JSON

dbrun runs this once per round, alternating with its own rounds, so both see the same machine load.
Steps: decode (Image.open + load, convert("RGB") only if not RGB, as diffusers); resize_8bit (Image.resize
BILINEAR to the short side, what torchvision's Resize does to PIL images); resize_float (the same plus a
ToTensor-like planar float32 conversion, since dbrun's images are planar float32); decode_resize (both in a
row: the training path).
"""
import argparse
import io
import json
import os
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
    args = parser.parse_args()
    data = open(args.input, "rb").read()
    print(json.dumps(pillow(data, args.runs, args.size), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
