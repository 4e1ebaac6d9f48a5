#!/usr/bin/env python3
"""Save → diffusers-load round trip (not CI): loads a UNet folder written by dbrun with diffusers'
`UNet2DConditionModel.from_pretrained`, runs the input dbrun stored beside it and compares with dbrun's output.

    .build/release/dbrun bench unet --config tiny-latent8 --steps 1 --warmup 0 --save /tmp/rt
    .venv-ref/bin/python scripts/reference/check_unet_roundtrip.py /tmp/rt
"""

import sys
from pathlib import Path

import torch
from safetensors.torch import load_file


def main() -> None:
    from diffusers import UNet2DConditionModel

    folder = Path(sys.argv[1])
    model = UNet2DConditionModel.from_pretrained(folder / "unet").float().eval()
    io = load_file(folder / "io.safetensors")
    with torch.no_grad():
        out = model(io["sample"], io["timesteps"], encoder_hidden_states=io["encoder_hidden_states"]).sample
    error = ((out - io["out"]).abs().max() / io["out"].abs().max()).item()
    print(f"diffusers loaded {folder / 'unet'}; max |diffusers − dbrun| / max |dbrun| = {error:.3g}")
    sys.exit(0 if error < 1e-4 else 1)


if __name__ == "__main__":
    main()
