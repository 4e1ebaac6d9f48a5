#!/usr/bin/env python3
"""Check that what `finetune-base` writes with `use_lora: true` means in diffusers what it means in dbrun.

Not in CI (needs the reference venv: torch, diffusers, transformers, peft). Given the base folder the stage trained
from, its `lora` output and its `model` output (dbrun's folder with the adapters merged in):

    /work/venv-ref/bin/python scripts/reference/check_dreambooth_lora.py BASE LORA_DIR MERGED [--prompt P]

diffusers samples the same prompt from the same initial latents three ways — the base with
`pipe.load_lora_weights(LORA_DIR)` (dbrun's PEFT file), the base with the kohya/A1111 file, and the merged folder —
and prints the largest pixel difference of the first two from the third. (`pipeline_parity.py` on MERGED checks
that diffusers and dbrun agree on the merged folder itself, so the chain closes: dbrun's LoRA = diffusers' LoRA.)
"""

import argparse
from pathlib import Path

import torch
from diffusers import StableDiffusionPipeline


def sample(pipe, prompt, latents, steps, guidance):
    with torch.no_grad():
        return pipe(prompt, latents=latents.clone(), num_inference_steps=steps, guidance_scale=guidance,
                    output_type="pt").images


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("lora", type=Path)
    parser.add_argument("merged", type=Path)
    parser.add_argument("--prompt", default="a photo of ait dog")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--guidance", type=float, default=7.5)
    args = parser.parse_args()

    merged = StableDiffusionPipeline.from_pretrained(args.merged, safety_checker=None, torch_dtype=torch.float32)
    size = merged.unet.config.sample_size
    latents = torch.randn(1, merged.unet.config.in_channels, size, size, generator=torch.Generator().manual_seed(0))
    reference = sample(merged, args.prompt, latents, args.steps, args.guidance)

    for name in ["pytorch_lora_weights.safetensors", "lora_kohya.safetensors"]:
        pipe = StableDiffusionPipeline.from_pretrained(args.base, safety_checker=None, torch_dtype=torch.float32)
        pipe.load_lora_weights(args.lora, weight_name=name)
        images = sample(pipe, args.prompt, latents, args.steps, args.guidance)
        untuned = sample(StableDiffusionPipeline.from_pretrained(args.base, safety_checker=None, torch_dtype=torch.float32), args.prompt, latents,
                         args.steps, args.guidance)
        print(f"{name}: largest |base+LoRA - merged| = {(images - reference).abs().max().item():.3e} "
              f"(the LoRA's own effect, |base - merged|: {(untuned - reference).abs().max().item():.3e})")


if __name__ == "__main__":
    main()
