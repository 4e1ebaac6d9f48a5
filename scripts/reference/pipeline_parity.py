#!/usr/bin/env python3
"""Run diffusers' StableDiffusionPipeline and StableDiffusionUpscalePipeline and `dbrun generate --upscaler` on the
same folders, prompt, initial latents and noise, and print the largest absolute pixel difference of each.

Not run by CI (it needs the reference venv). Typical use, on the tiny random folders the end-to-end tests write
with dbrun's own save code:

    DBRUN_SD_ROUNDTRIP_DIR=/tmp/tiny-sd DBRUN_UPSCALER_ROUNDTRIP_DIR=/tmp/tiny-x4 \\
        swift test --filter GenerateEndToEndTests
    /work/venv-ref/bin/python scripts/reference/pipeline_parity.py /tmp/tiny-sd /tmp/tiny-x4 --dbrun .build/debug/dbrun

Both sides use each folder's own scheduler (the tiny base: PNDM; the tiny upscaler: the real x4 upscaler's
v-prediction DDIM and its DDPM low_res_scheduler), so the timesteps are the same. dbrun gets the noise through
`dbrun generate`'s hidden options (--initial-noise, --low-res-noise, --upscale-initial-noise) and hands back its
images before 8-bit rounding (--output-tensor). The upscaler is fed dbrun's own low-res image on both sides, so its
figure measures the upscaler alone; `chained` is diffusers' upscaler run on diffusers' base image instead.

Measured (diffusers 0.42.1, torch 2.13.0 CPU, tiny folders, defaults below: 10 + 10 steps, guidance 7.5 / 9,
noise level 20), largest |dbrun - diffusers| in [0, 1] pixel units:
    base (StableDiffusionPipeline)           4.2e-07
    upscale (StableDiffusionUpscalePipeline) 1.5e-06
    chained                                  1.4e-06
(with --steps 25 --upscale-steps 25 --noise-level 100 --seed 3 --negative-prompt blurry: 3.6e-07, 8.3e-07, 1.1e-06),
with over 99% of the pixels strictly inside (0, 1), so clamping hides nothing. Both folders load with no missing,
unexpected or mismatched keys.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from diffusers import AutoencoderKL, StableDiffusionPipeline, StableDiffusionUpscalePipeline, UNet2DConditionModel
from diffusers.pipelines.stable_diffusion import pipeline_stable_diffusion_upscale as upscale_module
from safetensors.torch import load_file, save_file


def given_low_res_noise(noise: torch.Tensor):
    """Stands in for the upscale module's `randn_tensor`: the pipeline draws the low-res noise with it and has no
    argument to pass it (the latents come through `latents=`, so any other draw is a mistake)."""
    def randn_tensor(shape, **_):
        assert tuple(shape) == tuple(noise.shape), f"unexpected draw of shape {shape}"
        return noise.clone()
    return randn_tensor


def check_loading(folder: Path) -> None:
    """from_pretrained only warns about missing or unexpected weights; a parity run on half-loaded models means
    nothing, so refuse them."""
    for cls, subfolder in ((UNet2DConditionModel, "unet"), (AutoencoderKL, "vae")):
        _, info = cls.from_pretrained(folder, subfolder=subfolder, output_loading_info=True)
        problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
        if problems:
            sys.exit(f"{folder}/{subfolder}: {problems}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path, help="a StableDiffusionPipeline folder")
    parser.add_argument("upscaler", type=Path, help="a StableDiffusionUpscalePipeline folder")
    parser.add_argument("--dbrun", default=".build/debug/dbrun")
    parser.add_argument("--prompt", default="a photo of sks dog")
    parser.add_argument("--negative-prompt", default=None)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--guidance", type=float, default=7.5)
    parser.add_argument("--upscale-steps", type=int, default=10)
    parser.add_argument("--upscale-guidance", type=float, default=9.0)
    parser.add_argument("--noise-level", type=int, default=20)
    parser.add_argument("--size", type=int, default=None, help="base image side (default: the base UNet's)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    check_loading(args.base)
    check_loading(args.upscaler)
    base = StableDiffusionPipeline.from_pretrained(args.base, safety_checker=None, requires_safety_checker=False)
    upscaler = StableDiffusionUpscalePipeline.from_pretrained(args.upscaler)
    for pipe in (base, upscaler):
        pipe.set_progress_bar_config(disable=True)
    base_scale = 2 ** (len(base.vae.config.block_out_channels) - 1)
    size = args.size or base.unet.config.sample_size * base_scale
    print(f"base: {type(base.scheduler).__name__}, {size}px; upscaler: {type(upscaler.scheduler).__name__}, "
          f"x{upscaler.vae_scale_factor} to {size * upscaler.vae_scale_factor}px")

    generator = torch.Generator().manual_seed(args.seed)
    latents = torch.randn(1, base.unet.config.in_channels, size // base_scale, size // base_scale, generator=generator)
    low_res_noise = torch.randn(1, 3, size, size, generator=generator)
    upscale_latents = torch.randn(1, upscaler.vae.config.latent_channels, size, size, generator=generator)

    with tempfile.TemporaryDirectory() as tmp, torch.no_grad():
        work = Path(tmp)
        save_file({"latents": latents}, work / "initial.safetensors")
        save_file({"noise": low_res_noise}, work / "low-res-noise.safetensors")
        save_file({"latents": upscale_latents}, work / "upscale-initial.safetensors")
        command = [args.dbrun, "generate", "--model", str(args.base), "--upscaler", str(args.upscaler),
                   "--prompt", args.prompt, "--steps", str(args.steps), "--guidance", str(args.guidance),
                   "--upscale-steps", str(args.upscale_steps), "--upscale-guidance", str(args.upscale_guidance),
                   "--noise-level", str(args.noise_level), "--size", str(size), "--seed", str(args.seed),
                   "--initial-noise", str(work / "initial.safetensors"),
                   "--low-res-noise", str(work / "low-res-noise.safetensors"),
                   "--upscale-initial-noise", str(work / "upscale-initial.safetensors"),
                   "--output-tensor", str(work / "dbrun.safetensors"), "--out", str(work / "dbrun.png")]
        if args.negative_prompt is not None:
            command += ["--negative-prompt", args.negative_prompt]
        subprocess.run(command, check=True)
        dbrun = load_file(work / "dbrun.safetensors")

        low_res = base(args.prompt, negative_prompt=args.negative_prompt, latents=latents.clone(), height=size,
                       width=size, num_inference_steps=args.steps, guidance_scale=args.guidance,
                       output_type="pt").images
        upscale_module.randn_tensor = given_low_res_noise(low_res_noise)
        def upscale(image):
            return upscaler(args.prompt, image=image, negative_prompt=args.negative_prompt,
                            latents=upscale_latents.clone(), num_inference_steps=args.upscale_steps,
                            guidance_scale=args.upscale_guidance, noise_level=args.noise_level,
                            output_type="pt").images
        upscaled = upscale(dbrun["lowres"])  # a [0, 1] tensor: the pipeline maps it to [-1, 1] as dbrun does
        chained = upscale(low_res)

    figures = {
        "base (StableDiffusionPipeline)": (dbrun["lowres"] - low_res).abs().max().item(),
        "upscale (StableDiffusionUpscalePipeline)": (dbrun["images"] - upscaled).abs().max().item(),
        "chained": (dbrun["images"] - chained).abs().max().item(),
    }
    print(f"shapes: dbrun {list(dbrun['lowres'].shape)} -> {list(dbrun['images'].shape)}, "
          f"diffusers {list(low_res.shape)} -> {list(upscaled.shape)}")
    inside = lambda x: ((x > 0) & (x < 1)).float().mean().item()  # a clamped pixel would hide a difference
    print(f"pixels strictly inside (0, 1): base {inside(dbrun['lowres']):.1%}, upscaled {inside(dbrun['images']):.1%}")
    print("largest |dbrun - diffusers|, [0, 1] pixel units:")
    for name, value in figures.items():
        print(f"  {name:42s} {value:.3e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
