#!/usr/bin/env python3
"""Write the backward-pass parity fixtures: PyTorch's gradients of the committed tiny models (AutoencoderKL encoder
and decoder, CLIPVisionModel, CLIPModel's contrastive loss, ViTModel) on the inputs already in their io.safetensors.

Run once from the reference venv (torch 2.13 CPU, diffusers 0.42.1, transformers 5.x); the outputs are committed, CI
never runs this. It reads the model folders and inputs written by fixtures_unet.py / fixtures_clip.py and changes
neither; each case gets a `grad.safetensors` beside its `io.safetensors`.

    .venv-ref/bin/python scripts/reference/fixtures_gradients.py

grad.safetensors names (float32):
  r.<output>       a fixed random tensor the output is weighted with; the loss is Σ_outputs Σ output ⊙ r.<output>
                   (CLIPModel: transformers' contrastive loss, `return_loss=True`, no r)
  loss             the loss, shape [1]
  grad.<input>     ∂loss/∂input (pixel_values, sample, latent)
  grad.<name>      ∂loss/∂parameter, named as dbrun's module tree names it: the transformers-4 checkpoint names
                   (`encoder.layer.0.attention.attention.query.weight`, `vision_model.` in front for CLIPVisionModel)
                   and diffusers' names. transformers 5 renames parameters in memory, so a parameter is found by
                   matching its values against the checkpoint file, which holds the old names.
"""

from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "DiffusionTests" / "Fixtures"


def by_checkpoint_name(model: torch.nn.Module, checkpoint: Path) -> dict:
    """The model's parameters keyed by the names in its checkpoint file (matched by value: every tensor of these
    random-weight models is distinct)."""
    stored = load_file(checkpoint)
    out = {}
    for name, p in model.named_parameters():
        hits = [k for k, v in stored.items() if v.shape == p.shape and torch.equal(v, p.detach())]
        assert len(hits) == 1, f"{name}: {len(hits)} checkpoint tensors match"
        out[hits[0]] = p
    return out


def weighted(outputs: dict, seed: int, io: dict) -> torch.Tensor:
    """Σ output ⊙ r over the named outputs, with r drawn here and stored as r.<name>."""
    g = torch.Generator().manual_seed(seed)
    loss = 0
    for name, y in outputs.items():
        r = torch.randn(y.shape, generator=g)
        io["r." + name] = r
        loss = loss + (y * r).sum()
    return loss


def write(folder: Path, io: dict) -> None:
    path = folder / "grad.safetensors"
    save_file({k: v.detach().float().contiguous() for k, v in io.items()}, path, metadata={"format": "pt"})
    print(f"  {path.relative_to(REPO)}  ({path.stat().st_size} bytes)")


def record(io: dict, params: dict, names: list, prefix: str = "") -> None:
    for n in names:
        assert params[n].grad is not None, f"no gradient for {n}"
        io["grad." + prefix + n] = params[n].grad


def vae_case() -> None:
    from diffusers import AutoencoderKL

    folder = FIXTURES / "vae" / "vae_tiny"
    model = AutoencoderKL.from_pretrained(folder / "vae").float().eval()
    params = dict(model.named_parameters())
    inputs = load_file(folder / "io.safetensors")
    io = {}

    sample = inputs["sample"].clone().requires_grad_(True)
    dist = model.encode(sample).latent_dist
    loss = weighted({"mean": dist.mean, "logvar": dist.logvar}, 21, io)
    loss.backward()
    io["encode.loss"] = loss.reshape(1)
    io["grad.sample"] = sample.grad
    record(io, params, ["encoder.conv_in.weight", "encoder.down_blocks.0.resnets.0.norm1.weight",
                        "encoder.down_blocks.0.downsamplers.0.conv.weight",
                        "encoder.down_blocks.1.resnets.0.conv_shortcut.weight",
                        "encoder.mid_block.attentions.0.to_q.weight", "encoder.mid_block.attentions.0.to_out.0.bias",
                        "encoder.conv_norm_out.bias", "quant_conv.weight"])
    model.zero_grad()

    latent = inputs["latent"].clone().requires_grad_(True)
    decoded = model.decode(latent).sample
    loss = weighted({"decoded": decoded}, 22, io)
    loss.backward()
    io["decode.loss"] = loss.reshape(1)
    io["grad.latent"] = latent.grad
    record(io, params, ["post_quant_conv.weight", "decoder.conv_in.bias", "decoder.mid_block.attentions.0.to_v.weight",
                        "decoder.mid_block.resnets.1.norm2.weight", "decoder.up_blocks.0.upsamplers.0.conv.weight",
                        "decoder.up_blocks.1.resnets.0.conv_shortcut.weight", "decoder.conv_out.weight"])
    write(folder, io)


def vision_case(cls, folder: Path, seed: int, names: list[str], prefix: str = "") -> None:
    """An image encoder's outputs (last hidden state and pooled) weighted into one loss; gradients of the pixels
    and of the named parameters."""
    model = cls.from_pretrained(folder).eval()
    params = by_checkpoint_name(model, folder / "model.safetensors")
    pixels = load_file(folder / "io.safetensors")["pixel_values"].clone().requires_grad_(True)
    out = model(pixel_values=pixels)
    io = {}
    loss = weighted({"last_hidden_state": out.last_hidden_state, "pooler_output": out.pooler_output}, seed, io)
    loss.backward()
    io["loss"] = loss.reshape(1)
    io["grad.pixel_values"] = pixels.grad
    record(io, params, names, prefix=prefix)
    write(folder, io)


def clip_vision_case() -> None:
    from transformers import CLIPVisionModel

    vision_case(CLIPVisionModel, FIXTURES / "clip" / "vision_model", 23,
                ["embeddings.class_embedding", "embeddings.patch_embedding.weight",
                 "embeddings.position_embedding.weight", "pre_layrnorm.weight",
                 "encoder.layers.0.self_attn.k_proj.weight", "encoder.layers.0.self_attn.v_proj.bias",
                 "encoder.layers.1.layer_norm1.weight", "encoder.layers.1.mlp.fc2.bias", "post_layernorm.bias"],
                prefix="vision_model.")


def clip_contrastive_case() -> None:
    """transformers' CLIP loss, (CE(logits_per_text, arange) + CE(logits_per_image, arange)) / 2, on the first two
    captions of the fixture against its two images."""
    from transformers import CLIPModel

    folder = FIXTURES / "clip" / "clip_model"
    model = CLIPModel.from_pretrained(folder).eval()
    params = by_checkpoint_name(model, folder / "model.safetensors")
    inputs = load_file(folder / "io.safetensors")
    pixels = inputs["pixel_values"].clone().requires_grad_(True)
    ids = inputs["input_ids"][:2]
    out = model(input_ids=ids, pixel_values=pixels, return_loss=True)
    out.loss.backward()
    io = {"input_ids": ids.float(), "logits_per_image": out.logits_per_image, "loss": out.loss.reshape(1),
          "grad.pixel_values": pixels.grad}
    record(io, params, ["logit_scale", "text_projection.weight", "visual_projection.weight",
                        "text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight",
                        "text_model.encoder.layers.0.self_attn.q_proj.weight", "text_model.final_layer_norm.weight",
                        "vision_model.embeddings.patch_embedding.weight",
                        "vision_model.encoder.layers.1.self_attn.out_proj.weight", "vision_model.post_layernorm.weight"])
    write(folder, io)


def vit_case() -> None:
    from transformers import ViTModel

    vision_case(ViTModel, FIXTURES / "vit" / "vit_dino_layout", 24,
                ["embeddings.cls_token", "embeddings.position_embeddings",
                 "embeddings.patch_embeddings.projection.weight",
                 "encoder.layer.0.attention.attention.query.weight",
                 "encoder.layer.0.attention.output.dense.bias", "encoder.layer.1.intermediate.dense.weight",
                 "encoder.layer.1.layernorm_before.weight", "layernorm.bias", "pooler.dense.weight"])

if __name__ == "__main__":
    torch.set_num_threads(1)
    vae_case()
    clip_vision_case()
    clip_contrastive_case()
    vit_case()
