#!/usr/bin/env python3
"""Load dbrun-saved LoRA files into a diffusers pipeline with `pipe.load_lora_weights` and compare with dbrun.

Not in CI (needs the reference venv: torch, diffusers, transformers, peft). First let the Swift test keep its files:

    DBRUN_LORA_ROUNDTRIP_DIR=/tmp/lora-rt swift test --filter LoRARoundTripTests
    /work/main/.venv-ref/bin/python scripts/reference/check_lora_roundtrip.py /tmp/lora-rt

The pipeline is built from the tiny components of Tests/DiffusionTests/Fixtures/lora (the text encoder and UNet the
Swift test adapted) plus a random tiny VAE and the repository's CLIP tokenizer. Each of
`DIR/diffusers/pytorch_lora_weights.safetensors` (dbrun's PEFT layout, loaded from the folder as a user would) and
`DIR/kohya.safetensors` (dbrun's kohya layout, which diffusers converts) is loaded into a fresh pipeline, and:
- the text encoder's `last_hidden_state` must match dbrun's within 1e-4 of its largest magnitude;
- for every adapted UNet projection, the LoRA branch (adapted layer minus base layer) on dbrun's probe input must match
  dbrun's branch output within 1e-4;
- the whole UNet's output under the two files must agree (same adapters, two layouts).
"""

import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "DiffusionTests" / "Fixtures" / "lora"


def relative_error(actual: torch.Tensor, expected: torch.Tensor) -> float:
    return ((actual - expected).abs().max() / expected.abs().max().clamp_min(1e-12)).item()


def allow_installed_peft() -> None:
    """transformers 5.24 asks for peft >= 0.22 in `load_adapter`, which the package index does not have yet; the
    text-encoder path only uses peft APIs that 0.21 has, so lower the floor for this check and say so."""
    import peft
    import transformers.integrations.peft as integration
    from packaging.version import Version

    if Version(integration.MIN_PEFT_VERSION) > Version(peft.__version__):
        print(f"note: peft {peft.__version__} < transformers' floor {integration.MIN_PEFT_VERSION}; floor lowered "
              "for this check")
        integration.MIN_PEFT_VERSION = peft.__version__


def pipeline():
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    vae = AutoencoderKL(block_out_channels=(8,), norm_num_groups=4, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D",), up_block_types=("UpDecoderBlock2D",))
    return StableDiffusionPipeline(
        vae=vae, text_encoder=CLIPTextModel.from_pretrained(FIXTURES / "text_encoder" / "model"),
        tokenizer=CLIPTokenizer.from_pretrained(REPO / "models" / "clip-tokenizer"),
        unet=UNet2DConditionModel.from_pretrained(FIXTURES / "unet" / "model"), scheduler=DDIMScheduler(),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)


def check(folder: Path) -> bool:
    allow_installed_peft()
    expected = load_file(folder / "expected.safetensors")
    unet_io = load_file(FIXTURES / "unet" / "io.safetensors")
    ok = True
    unet_outputs = {}
    for label, source, kwargs in [("diffusers layout", folder / "diffusers", {}),
                                  ("kohya layout", folder, {"weight_name": "kohya.safetensors"})]:
        pipe = pipeline()
        pipe.load_lora_weights(str(source), **kwargs)
        with torch.no_grad():
            hidden = pipe.text_encoder(input_ids=expected["input_ids"]).last_hidden_state
        err = relative_error(hidden, expected["last_hidden_state"])
        print(f"{label}: text encoder last_hidden_state relative error {err:.2e}")
        ok &= err < 1e-4
        worst, count = 0.0, 0
        with torch.no_grad():
            for key in expected:
                if not (key.startswith("probe.") and key.endswith(".x")):
                    continue
                name = key[len("probe."):-len(".x")]
                layer = pipe.unet.get_submodule(name)
                x = expected[key]
                branch = layer(x) - layer.base_layer(x)
                worst = max(worst, relative_error(branch, expected[f"probe.{name}.delta"]))
                count += 1
            unet_outputs[label] = pipe.unet(unet_io["sample"], unet_io["timestep"],
                                            encoder_hidden_states=unet_io["encoder_hidden_states"]).sample
        print(f"{label}: {count} UNet LoRA branches, worst relative error {worst:.2e}")
        ok &= count > 0 and worst < 1e-4
    err = relative_error(unet_outputs["kohya layout"], unet_outputs["diffusers layout"])
    print(f"UNet output, kohya vs diffusers layout: relative error {err:.2e}")
    ok &= err < 1e-4
    print("OK" if ok else "FAILED")
    return ok


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(0 if check(Path(sys.argv[1])) else 1)
