#!/usr/bin/env python3
"""Check that a model folder written by dbrun loads into diffusers, and that dbrun and diffusers agree on it.

Not run by CI (it needs the reference venv). Typical use:

    DBRUN_SD_ROUNDTRIP_DIR=/tmp/sd-rt swift test --filter GenerateEndToEndTests   # writes a dbrun-saved folder
    .venv-ref/bin/python scripts/reference/check_model_folder.py /tmp/sd-rt --dbrun .build/debug/dbrun

For each component: diffusers/transformers must load it with no missing, unexpected or mismatched keys, then
`dbrun model run` and the PyTorch module must give the same outputs (within 1e-4 of the largest magnitude) on
random inputs.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from diffusers import AutoencoderKL, StableDiffusionPipeline, UNet2DConditionModel
from safetensors.torch import load_file, save_file
from transformers import CLIPTextModel


def relative_error(actual: torch.Tensor, expected: torch.Tensor) -> float:
    return float((actual - expected).abs().max() / expected.abs().max().clamp_min(1e-12))


def dbrun_run(dbrun: str, folder: Path, component: str, inputs: dict, work: Path) -> dict:
    source, target = work / f"{component}-in.safetensors", work / f"{component}-out.safetensors"
    save_file({k: v.contiguous() for k, v in inputs.items()}, source)
    subprocess.run([dbrun, "model", "run", "--model", str(folder), "--component", component,
                    "--inputs", str(source), "--output", str(target)], check=True)
    return load_file(target)


def check_loading(name: str, info: dict) -> bool:
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    print(f"  {name}: {'loads cleanly' if not problems else problems}")
    return not problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--dbrun", default=".build/debug/dbrun")
    args = parser.parse_args()
    folder, ok = args.folder, True
    torch.manual_seed(0)

    print("loading into diffusers:")
    pipe = StableDiffusionPipeline.from_pretrained(folder, safety_checker=None)
    print(f"  pipeline: {type(pipe).__name__} with {type(pipe.scheduler).__name__}")
    unet, info = UNet2DConditionModel.from_pretrained(folder, subfolder="unet", output_loading_info=True)
    ok &= check_loading("unet", info)
    vae, info = AutoencoderKL.from_pretrained(folder, subfolder="vae", output_loading_info=True)
    ok &= check_loading("vae", info)
    text, info = CLIPTextModel.from_pretrained(folder, subfolder="text_encoder", output_loading_info=True)
    ok &= check_loading("text_encoder", info)

    with tempfile.TemporaryDirectory() as tmp, torch.no_grad():
        work = Path(tmp)
        ids = pipe.tokenizer(["a photo of sks dog", "a dog"], padding="max_length", max_length=77,
                             return_tensors="pt").input_ids
        side = unet.config.sample_size
        latents = torch.randn(2, unet.config.in_channels, side, side)
        context = text(ids).last_hidden_state
        image = torch.rand(2, 3, side * 2 ** (len(vae.config.block_out_channels) - 1), side * 2 ** (len(vae.config.block_out_channels) - 1)) * 2 - 1
        cases = [
            ("text_encoder", {"input_ids": ids}, {"last_hidden_state": context}),
            ("unet", {"sample": latents, "timestep": torch.tensor([981.0, 21.0]), "encoder_hidden_states": context},
             {"sample": unet(latents, torch.tensor([981.0, 21.0]), context).sample}),
            ("vae_decoder", {"latent": latents}, {"sample": vae.decode(latents).sample}),
            ("vae_encoder", {"sample": image}, {"mean": vae.encode(image).latent_dist.mean,
                                                "logvar": vae.encode(image).latent_dist.logvar}),
        ]
        print("dbrun model run vs PyTorch:")
        for component, inputs, expected in cases:
            actual = dbrun_run(args.dbrun, folder, component, inputs, work)
            for name, value in expected.items():
                error = relative_error(actual[name], value)
                ok &= error < 1e-4
                print(f"  {component}.{name}: max relative error {error:.2e}")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
