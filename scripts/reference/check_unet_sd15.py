#!/usr/bin/env python3
"""Real-size UNet parity check (not CI): an SD1.5-config UNet2DConditionModel with random weights from a seed,
written as a diffusers folder, one input, and diffusers' output; then `dbrun bench unet --reference DIR` loads the
folder, runs the same input and prints max |dbrun − diffusers| / max |diffusers|.

    .venv-ref/bin/python scripts/reference/check_unet_sd15.py /tmp/sd15-check [--dbrun .build/release/dbrun]

Needs about 3.5 GB of disk and, while running, ~4 GB of memory per side.
"""

import argparse
import subprocess
from pathlib import Path

import torch
from safetensors.torch import save_file


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--dbrun", help="run this dbrun on the folder afterwards")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    from diffusers import UNet2DConditionModel

    torch.set_num_threads(args.threads)
    torch.manual_seed(1234)
    model = UNet2DConditionModel(sample_size=64, cross_attention_dim=768, attention_head_dim=8).eval()
    args.folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.folder / "unet", safe_serialization=True)
    g = torch.Generator().manual_seed(5)
    sample = torch.randn(1, 4, 64, 64, generator=g)
    timesteps = torch.tensor([501.0])
    context = torch.randn(1, 77, 768, generator=g)
    with torch.no_grad():
        out = model(sample, timesteps, encoder_hidden_states=context).sample
    save_file({"sample": sample, "timesteps": timesteps, "encoder_hidden_states": context, "out": out},
              args.folder / "io.safetensors")
    print(f"wrote {args.folder}; output max |x| = {out.abs().max().item():.4g}")
    del model
    if args.dbrun:
        subprocess.run([args.dbrun, "bench", "unet", "--reference", str(args.folder), "--threads", str(args.threads)],
                       check=True)


if __name__ == "__main__":
    main()
