#!/usr/bin/env python3
"""Write the UNet and VAE parity fixtures from the reference venv (diffusers 0.42.1, torch, CPU, float32).

Each case is a real diffusers folder written by `save_pretrained` (what a user brings), plus `io.safetensors` with
the inputs, diffusers' outputs and, for the UNets, gradients of a scalar loss. Tiny random configs keep the files
small; norms get random affine parameters so that every weight matters. CI never runs this script.

    .venv-ref/bin/python scripts/reference/fixtures_unet.py           # every case
    .venv-ref/bin/python scripts/reference/fixtures_unet.py --only vae_tiny

io.safetensors names:
  UNet: sample, timesteps, encoder_hidden_states, class_labels (float, upscaler only), target, out, loss,
        grad.sample, grad.<parameter name> for the parameters in GRAD_PARAMETERS.
        loss = mean((out - target)^2).
  VAE:  sample, mean, logvar (encode), latent, decoded (decode).
"""

import argparse
import shutil
from pathlib import Path

import torch
from safetensors.torch import save_file

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "DiffusionTests" / "Fixtures"

# A few parameters from every kind of layer whose gradients the Swift test compares.
GRAD_PARAMETERS = {
    "sd_tiny": [
        "conv_in.weight",
        "time_embedding.linear_1.weight",
        "down_blocks.0.attentions.0.proj_in.weight",
        "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight",
        "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight",
        "down_blocks.1.attentions.0.transformer_blocks.0.ff.net.0.proj.weight",
        "mid_block.resnets.0.time_emb_proj.weight",
        "mid_block.attentions.0.norm.weight",
        "up_blocks.1.resnets.0.conv_shortcut.weight",
        "up_blocks.2.attentions.1.transformer_blocks.0.norm3.bias",
        "conv_out.bias",
    ],
    "upscaler_tiny": [
        "class_embedding.weight",
        "down_blocks.1.attentions.0.proj_in.weight",
        "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_k.weight",
        "up_blocks.1.attentions.2.transformer_blocks.0.attn1.to_v.weight",
        "conv_in.weight",
    ],
}

UNET_CONFIGS = {
    # SD 1.x-like: conv projection, cross-attention everywhere but the deepest block, one head dim for all.
    "sd_tiny": dict(
        sample_size=8, in_channels=4, out_channels=4, block_out_channels=(8, 16, 16), layers_per_block=1,
        down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=12, attention_head_dim=2, norm_num_groups=4,
    ),
    # x4-upscaler-like: class labels, linear projection, per-block only_cross_attention and head counts,
    # 7 input channels (latent + low-res image) to 4, other time-embedding options.
    "upscaler_tiny": dict(
        sample_size=8, in_channels=7, out_channels=4, block_out_channels=(8, 16, 16), layers_per_block=2,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        only_cross_attention=(True, True, False), attention_head_dim=(2, 2, 4), use_linear_projection=True,
        num_class_embeds=10, cross_attention_dim=12, norm_num_groups=4, flip_sin_to_cos=False, freq_shift=1,
        upcast_attention=True, mid_block_scale_factor=1.5,
    ),
}


def randomise_norms(model: torch.nn.Module, generator: torch.Generator) -> None:
    """Norm layers start at ones/zeros; give them random affine parameters so a swapped name would show."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + 0.2 * torch.randn(p.shape, generator=generator))


def fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def unet_case(name: str) -> None:
    from diffusers import UNet2DConditionModel

    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    model = UNet2DConditionModel(**UNET_CONFIGS[name])
    randomise_norms(model, g)
    out_dir = fresh(FIXTURES / "unet" / name)
    model.save_pretrained(out_dir / "unet", safe_serialization=True)
    # Reload as a user would, so the fixture is what from_pretrained gives.
    model = UNet2DConditionModel.from_pretrained(out_dir / "unet").float().eval()

    cfg = model.config
    n, size = 2, cfg.sample_size
    sample = torch.randn(n, cfg.in_channels, size, size, generator=g)
    timesteps = torch.tensor([999.0, 37.0]) if name == "sd_tiny" else torch.tensor([250.0])
    context = torch.randn(n, 5, cfg.cross_attention_dim, generator=g)
    target = torch.randn(n, cfg.out_channels, size, size, generator=g)
    kwargs = {}
    io = {"sample": sample, "timesteps": timesteps, "encoder_hidden_states": context, "target": target}
    if cfg.num_class_embeds:
        labels = torch.tensor([3, 7])
        kwargs["class_labels"] = labels
        io["class_labels"] = labels.float()

    x = sample.clone().requires_grad_(True)
    out = model(x, timesteps, encoder_hidden_states=context, **kwargs).sample
    loss = ((out - target) ** 2).mean()
    loss.backward()
    io["out"] = out.detach()
    io["loss"] = loss.detach().reshape(1)
    io["grad.sample"] = x.grad
    params = dict(model.named_parameters())
    for p in GRAD_PARAMETERS[name]:
        io[f"grad.{p}"] = params[p].grad
    save_file({k: v.contiguous() for k, v in io.items()}, out_dir / "io.safetensors")
    print(f"  {out_dir.relative_to(REPO)}: {sum(p.numel() for p in model.parameters())} parameters")


def vae_case(name: str) -> None:
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    g = torch.Generator().manual_seed(2)
    model = AutoencoderKL(
        in_channels=3, out_channels=3, block_out_channels=(8, 16), layers_per_block=1, latent_channels=4,
        norm_num_groups=4, sample_size=16, down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2, scaling_factor=0.5,
    )
    randomise_norms(model, g)
    out_dir = fresh(FIXTURES / "vae" / name)
    model.save_pretrained(out_dir / "vae", safe_serialization=True)
    model = AutoencoderKL.from_pretrained(out_dir / "vae").float().eval()
    sample = torch.rand(2, 3, 16, 16, generator=g) * 2 - 1
    latent = torch.randn(2, 4, 8, 8, generator=g)
    with torch.no_grad():
        dist = model.encode(sample).latent_dist
        decoded = model.decode(latent).sample
    io = {"sample": sample, "mean": dist.mean, "logvar": dist.logvar, "latent": latent, "decoded": decoded}
    save_file({k: v.contiguous() for k, v in io.items()}, out_dir / "io.safetensors")
    print(f"  {out_dir.relative_to(REPO)}: {sum(p.numel() for p in model.parameters())} parameters")


CASES = {"sd_tiny": unet_case, "upscaler_tiny": unet_case, "vae_tiny": vae_case}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=sorted(CASES), help="regenerate only this case")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name in args.only or CASES:
        print(name)
        CASES[name](name)


if __name__ == "__main__":
    main()
