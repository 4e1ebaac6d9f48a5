#!/usr/bin/env python3
"""Write the CLIP, ViT and image-preprocessing parity fixtures the Swift tests compare against.

Run once from the reference venv (torch, transformers, Pillow); the outputs are committed, CI never runs this.

    /work/main/.venv-ref/bin/python scripts/reference/fixtures_clip.py            # every group
    /work/main/.venv-ref/bin/python scripts/reference/fixtures_clip.py --only clip_text
    DBRUN_CLIP_ROUNDTRIP_DIR=/tmp/rt swift test --filter "CLIPTextModelTests|CLIPModelTests|ViTModelTests" \
        && /work/main/.venv-ref/bin/python scripts/reference/fixtures_clip.py --check-roundtrip /tmp/rt
    /work/main/.venv-ref/bin/python scripts/reference/fixtures_clip.py --real-size /tmp/real \
        && DBRUN_CLIP_REALSIZE_DIR=/tmp/real swift test --filter CLIPRealSizeTests

Every model is a tiny random config written with `save_pretrained`, so the tests load a real transformers folder
as a user would. Weights are redrawn with a larger spread than transformers' init (std 0.02 makes every attention
nearly uniform and every layer nearly the identity, which would hide mistakes). Inputs and outputs go into one
`io.safetensors` per case, float32 (ids as int64).
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "DiffusionTests" / "Fixtures"


def say(path: Path) -> None:
    print(f"  {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


def spread_weights(model: torch.nn.Module, seed: int, std: float = 0.3) -> None:
    """Redraws every parameter: N(0, std) for matrices and biases, 1 ± 0.2 for norm weights."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * noise)
            elif name.endswith("logit_scale"):
                p.fill_(2.0)
            else:
                p.copy_(std * noise)


def write_io(folder: Path, tensors: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    out = {k: (v.detach().contiguous() if v.dtype == torch.int64 else v.detach().float().contiguous())
           for k, v in tensors.items()}
    save_file(out, folder / "io.safetensors", metadata={"format": "pt"})
    say(folder / "io.safetensors")


def prefix_checkpoint(folder: Path, prefix: str) -> None:
    """Rewrites a transformers-5 checkpoint with the transformers-4 names (`text_model.…`), which every Stable
    Diffusion text encoder on the Hub uses."""
    path = folder / "model.safetensors"
    tensors = load_file(path)
    save_file({prefix + k: v for k, v in tensors.items()}, path, metadata={"format": "pt"})


# MARK: CLIP text


def text_config(**overrides):
    from transformers import CLIPTextConfig

    base = dict(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=3, num_attention_heads=4,
                max_position_embeddings=12, projection_dim=16, layer_norm_eps=1e-5, pad_token_id=1,
                bos_token_id=60, eos_token_id=61)
    base.update(overrides)
    return CLIPTextConfig(**base)


def run_text(model, ids):
    out = model(input_ids=ids, output_hidden_states=True)
    hidden = torch.stack(out.hidden_states)  # [L+1, N, T, E]: embeddings, then each layer's output
    return out, hidden


def clip_text_group(out: Path) -> None:
    """Two text encoders: quick_gelu with the current eos rule (first occurrence of eos_token_id; the pad id equals
    the eos id, so a later eos must not be picked), and gelu with the legacy eos_token_id = 2 (pool at the highest
    id), stored with transformers-4 names. Plus gradients of a scalar loss for the first."""
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    # Case 1: quick_gelu, eos 61 first at positions 4 and 2; later 61s are padding.
    model = CLIPTextModel(text_config(hidden_act="quick_gelu", pad_token_id=61)).eval()
    spread_weights(model, 1)
    folder = out / "text_quick_gelu"
    model.save_pretrained(folder)
    ids = torch.tensor([[60, 5, 17, 33, 61, 61, 61, 61, 61],
                        [60, 40, 61, 12, 61, 61, 61, 61, 61]], dtype=torch.int64)
    o, hidden = run_text(model, ids)
    # Gradients of a fixed random projection of both outputs, w.r.t. a few named weights.
    g = torch.Generator().manual_seed(5)
    r_last = torch.randn(o.last_hidden_state.shape, generator=g)
    r_pool = torch.randn(o.pooler_output.shape, generator=g)
    model.zero_grad()
    loss = (o.last_hidden_state * r_last).sum() + (o.pooler_output * r_pool).sum()
    loss.backward()
    named = dict(model.named_parameters())
    grad_names = ["embeddings.token_embedding.weight", "embeddings.position_embedding.weight",
                  "encoder.layers.0.self_attn.q_proj.weight", "encoder.layers.1.self_attn.v_proj.bias",
                  "encoder.layers.2.mlp.fc1.weight", "encoder.layers.1.layer_norm2.weight",
                  "final_layer_norm.weight"]
    io = {"input_ids": ids, "last_hidden_state": o.last_hidden_state, "pooler_output": o.pooler_output,
          "hidden_states": hidden, "loss_last": r_last, "loss_pooled": r_pool, "loss": loss.reshape(1)}
    for n in grad_names:
        io["grad." + n] = named[n].grad
    write_io(folder, io)

    # Case 2: gelu, legacy eos id 2: pooled at the argmax of the ids (63 here), wherever it sits.
    torch.manual_seed(1)
    model = CLIPTextModel(text_config(hidden_act="gelu", eos_token_id=2, bos_token_id=0, pad_token_id=1,
                                      num_hidden_layers=2)).eval()
    spread_weights(model, 2)
    folder = out / "text_gelu_legacy_eos"
    model.save_pretrained(folder)
    prefix_checkpoint(folder, "text_model.")
    ids = torch.tensor([[0, 7, 63, 1, 1, 1],
                        [0, 9, 30, 2, 50, 63]], dtype=torch.int64)
    with torch.no_grad():
        o, hidden = run_text(model, ids)
    write_io(folder, {"input_ids": ids, "last_hidden_state": o.last_hidden_state,
                      "pooler_output": o.pooler_output, "hidden_states": hidden})

    # Loading check: the prefixed file must load back into transformers unchanged.
    reloaded = CLIPTextModel.from_pretrained(folder).eval()
    with torch.no_grad():
        again = reloaded(input_ids=ids).last_hidden_state
    assert torch.equal(again, o.last_hidden_state), "transformers did not load the text_model.-prefixed file"


# MARK: CLIP model (vision tower and projections)


def clip_model_group(out: Path) -> None:
    """A full CLIPModel (text and vision towers, projections, logit scale) and its vision tower saved alone as a
    CLIPVisionModel folder."""
    from transformers import CLIPConfig, CLIPModel

    torch.manual_seed(2)
    text = text_config(hidden_act="quick_gelu", num_hidden_layers=2).to_dict()
    vision = dict(hidden_size=24, intermediate_size=40, num_hidden_layers=2, num_attention_heads=3, image_size=16,
                  patch_size=4, num_channels=3, hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=16)
    config = CLIPConfig(text_config=text, vision_config=vision, projection_dim=16)
    model = CLIPModel(config).eval()
    spread_weights(model, 3)
    folder = out / "clip_model"
    model.save_pretrained(folder)
    g = torch.Generator().manual_seed(6)
    pixels = torch.randn(2, 3, 16, 16, generator=g)
    ids = torch.tensor([[60, 5, 17, 61, 1, 1, 1], [60, 40, 41, 42, 43, 61, 1], [60, 61, 1, 1, 1, 1, 1]],
                       dtype=torch.int64)
    with torch.no_grad():
        o = model(input_ids=ids, pixel_values=pixels)
        vision_out = model.vision_model(pixel_values=pixels)
    write_io(folder, {
        "input_ids": ids, "pixel_values": pixels,
        "text_embeds": o.text_embeds, "image_embeds": o.image_embeds,
        "logits_per_image": o.logits_per_image,
        "vision_last_hidden_state": vision_out.last_hidden_state, "vision_pooler_output": vision_out.pooler_output,
        "text_pooler_output": o.text_model_output.pooler_output,
    })
    vision_folder = out / "vision_model"
    model.vision_model.save_pretrained(vision_folder)
    write_io(vision_folder, {"pixel_values": pixels, "last_hidden_state": vision_out.last_hidden_state,
                             "pooler_output": vision_out.pooler_output})


# MARK: ViT (DINO layout)


def vit_group(out: Path) -> None:
    """ViTModel as DINO ViT-S/16 is laid out (qkv bias, exact gelu, eps 1e-12, with the pooler), tiny."""
    from transformers import ViTConfig, ViTModel

    torch.manual_seed(3)
    config = ViTConfig(hidden_size=24, num_hidden_layers=2, num_attention_heads=3, intermediate_size=40,
                       hidden_act="gelu", layer_norm_eps=1e-12, image_size=16, patch_size=4, num_channels=3,
                       qkv_bias=True)
    model = ViTModel(config).eval()
    spread_weights(model, 4)
    folder = out / "vit_dino_layout"
    model.save_pretrained(folder)
    g = torch.Generator().manual_seed(7)
    pixels = torch.randn(2, 3, 16, 16, generator=g)
    with torch.no_grad():
        o = model(pixel_values=pixels)
    write_io(folder, {"pixel_values": pixels, "last_hidden_state": o.last_hidden_state,
                      "pooler_output": o.pooler_output})


# MARK: preprocessing


def test_image() -> "PIL.Image.Image":
    """A 41×30 RGB image with smooth ramps, a sharp-edged square and noise: resampling differences show."""
    from PIL import Image

    rng = np.random.default_rng(11)
    h, w = 30, 41
    y, x = np.mgrid[0:h, 0:w]
    r = 255 * x / (w - 1)
    g = 255 * (0.5 + 0.5 * np.sin(y / 3.0))
    b = np.where((x > 10) & (x < 25) & (y > 6) & (y < 20), 240, 20) + rng.integers(0, 15, (h, w))
    rgb = np.stack([r, g, b], axis=-1).clip(0, 255).astype(np.uint8)
    return Image.fromarray(rgb, "RGB")


def preprocessing_group(out: Path) -> None:
    """Pixel tensors from transformers' PIL-backend processors (the classic CLIPImageProcessor/ViTImageProcessor
    arithmetic) for a committed image, with each processor's preprocessor_config.json as save_pretrained writes it;
    also the torchvision-backend output, to report how far transformers' two backends are apart."""
    from transformers import CLIPImageProcessor, CLIPImageProcessorPil, ViTImageProcessor, ViTImageProcessorPil

    out.mkdir(parents=True, exist_ok=True)
    image = test_image()
    image.save(out / "image.png")
    say(out / "image.png")
    cases = {
        # CLIP's recipe at small sizes: shortest edge 20 (41×30 → 27×20), center crop 16 with odd surplus 11.
        "clip": (CLIPImageProcessorPil, CLIPImageProcessor,
                 dict(size={"shortest_edge": 20}, crop_size={"height": 16, "width": 16})),
        # A crop larger than the resized image on one side: transformers pads with zeros.
        "clip_pad": (CLIPImageProcessorPil, CLIPImageProcessor,
                     dict(size={"shortest_edge": 12}, crop_size={"height": 14, "width": 10})),
        # DINO's recipe: squash to a square with bilinear, ImageNet mean/std, no crop.
        "vit": (ViTImageProcessorPil, ViTImageProcessor, dict(size={"height": 18, "width": 18},
                                                            image_mean=[0.485, 0.456, 0.406],
                                                            image_std=[0.229, 0.224, 0.225])),
    }
    for name, (pil_cls, tv_cls, kwargs) in cases.items():
        pil = pil_cls(**kwargs)
        folder = out / name
        pil.save_pretrained(folder)
        say(folder / "preprocessor_config.json")
        pixels = pil(images=image, return_tensors="pt").pixel_values
        tv = tv_cls(**kwargs)(images=image, return_tensors="pt").pixel_values
        gap = (pixels - tv).abs().max().item()
        print(f"    {name}: pil vs torchvision backend max |diff| = {gap:.3g}")
        write_io(folder, {"pixel_values": pixels, "pixel_values_torchvision": tv})


GROUPS = {
    "clip_text": lambda: clip_text_group(FIXTURES / "clip"),
    "clip_model": lambda: clip_model_group(FIXTURES / "clip"),
    "vit": lambda: vit_group(FIXTURES / "vit"),
    "preprocessing": lambda: preprocessing_group(FIXTURES / "clip" / "preprocessing"),
}


def real_size(folder: Path) -> None:
    """Random-weight models at the real configs (SD 1.5's text encoder, OpenAI CLIP ViT-L/14, DINO ViT-S/16) and
    their outputs on real tokenizer ids and 224×224 inputs, for `DBRUN_CLIP_REALSIZE_DIR=folder swift test
    --filter CLIPRealSizeTests` (about 2.5 GB; not committed)."""
    from transformers import CLIPConfig, CLIPModel, CLIPTextConfig, CLIPTextModel, CLIPTokenizer, ViTConfig, ViTModel

    configs = FIXTURES / "configs"
    tokenizer = CLIPTokenizer.from_pretrained(REPO / "models" / "clip-tokenizer")
    prompts = ["a photo of sks dog", "a dog wearing a red hat, highly detailed, 8k"]
    ids = tokenizer(prompts, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
    g = torch.Generator().manual_seed(8)
    pixels = torch.randn(2, 3, 224, 224, generator=g)
    torch.manual_seed(4)

    text = CLIPTextModel(CLIPTextConfig.from_pretrained(configs / "sd15" / "text_encoder")).eval()
    spread_weights(text, 9, std=0.04)
    text.save_pretrained(folder / "sd15_text_encoder")
    with torch.no_grad():
        o = text(input_ids=ids, output_hidden_states=True)
    write_io(folder / "sd15_text_encoder", {"input_ids": ids, "last_hidden_state": o.last_hidden_state,
                                            "pooler_output": o.pooler_output, "penultimate": o.hidden_states[-2]})
    del text

    clip = CLIPModel(CLIPConfig.from_pretrained(configs / "clip-vit-large-patch14")).eval()
    spread_weights(clip, 10, std=0.03)
    clip.save_pretrained(folder / "clip_vit_large")
    with torch.no_grad():
        o = clip(input_ids=ids, pixel_values=pixels)
    write_io(folder / "clip_vit_large", {"input_ids": ids, "pixel_values": pixels, "text_embeds": o.text_embeds,
                                         "image_embeds": o.image_embeds, "logits_per_image": o.logits_per_image})
    del clip

    vit = ViTModel(ViTConfig.from_pretrained(configs / "dino-vits16")).eval()
    spread_weights(vit, 11, std=0.05)
    vit.save_pretrained(folder / "dino_vits16")
    with torch.no_grad():
        o = vit(pixel_values=pixels)
    write_io(folder / "dino_vits16", {"pixel_values": pixels, "last_hidden_state": o.last_hidden_state})


def check_roundtrip(folder: Path) -> None:
    """Loads the folders dbrun saved (run the Swift tests with DBRUN_CLIP_ROUNDTRIP_DIR=folder first) with
    transformers, strictly (no missing, unexpected or mismatched keys), and compares their outputs with the
    fixtures they were loaded from."""
    from transformers import CLIPModel, CLIPTextModel, CLIPVisionModel, ViTModel

    def compare(label, got, want):
        error = ((got - want).abs().max() / want.abs().max()).item()
        print(f"  {label}: relative error {error:.3g}")
        assert error < 1e-4, label

    def load(cls, name):
        model, info = cls.from_pretrained(folder / name, output_loading_info=True)
        problems = {k: v for k, v in info.items() if v}
        assert not problems, f"{name}: transformers reports {problems}"
        return model.eval()

    with torch.no_grad():
        io = load_file(FIXTURES / "clip" / "text_quick_gelu" / "io.safetensors")
        out = load(CLIPTextModel, "text_encoder")(input_ids=io["input_ids"])
        compare("text_encoder last_hidden_state", out.last_hidden_state, io["last_hidden_state"])
        compare("text_encoder pooler_output", out.pooler_output, io["pooler_output"])
        io = load_file(FIXTURES / "clip" / "clip_model" / "io.safetensors")
        out = load(CLIPModel, "clip_model")(input_ids=io["input_ids"], pixel_values=io["pixel_values"])
        compare("clip_model logits_per_image", out.logits_per_image, io["logits_per_image"])
        io = load_file(FIXTURES / "clip" / "vision_model" / "io.safetensors")
        out = load(CLIPVisionModel, "vision_model")(pixel_values=io["pixel_values"])
        compare("vision_model last_hidden_state", out.last_hidden_state, io["last_hidden_state"])
        io = load_file(FIXTURES / "vit" / "vit_dino_layout" / "io.safetensors")
        out = load(ViTModel, "vit")(pixel_values=io["pixel_values"])
        compare("vit pooler_output", out.pooler_output, io["pooler_output"])
    print("  every folder dbrun saved loads in transformers and matches")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=sorted(GROUPS), help="regenerate only this group")
    parser.add_argument("--check-roundtrip", type=Path, metavar="DIR",
                        help="check a folder the Swift tests saved (DBRUN_CLIP_ROUNDTRIP_DIR=DIR) instead")
    parser.add_argument("--real-size", type=Path, metavar="DIR", help="write the real-size check's models instead")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.real_size:
        return real_size(args.real_size)
    if args.check_roundtrip:
        return check_roundtrip(args.check_roundtrip)
    for name in args.only or GROUPS:
        print(f"{name}:")
        GROUPS[name]()


if __name__ == "__main__":
    sys.exit(main())
