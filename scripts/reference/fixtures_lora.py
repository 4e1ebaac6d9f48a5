#!/usr/bin/env python3
"""Write the LoRA parity fixtures the Swift tests compare against (Tests/DiffusionTests/Fixtures/lora).

Run once from the reference venv (torch, transformers, diffusers, peft); the outputs are committed, CI never runs it.

    /work/main/.venv-ref/bin/python scripts/reference/fixtures_lora.py

- `text_encoder/`: a tiny transformers CLIPTextModel folder, a PEFT LoRA on q/k/v/out_proj and fc1 (r 4, alpha 8,
  non-zero random A and B), saved by diffusers' `StableDiffusionLoraLoaderMixin.save_lora_weights` with the
  LoraConfig as `text_encoder_lora_adapter_metadata` (`pytorch_lora_weights.safetensors`), the same adapter in
  kohya's layout (`kohya.safetensors`: `lora_te_text_model_…`, float alpha), the spelling diffusers' DreamBooth-LoRA
  script writes (`dreambooth.safetensors`, see `save_dreambooth_spelling`), and `io.safetensors` with the ids, the
  base and the adapted outputs.
- `unet/`: a tiny diffusers UNet2DConditionModel folder with a PEFT LoRA on to_q/to_k/to_v/to_out.0 and the
  proj_in/proj_out/conv1 convolutions (r 2, alpha 3) added by `unet.add_adapter`, saved the same three ways, and
  `io.safetensors` with one input, the adapted output and, per adapted module, a probe input `probe.<module>.x` with
  the LoRA branch's output `probe.<module>.delta` (and `probe.<module>.conv` = kernel, stride, padding for convolutions).

PEFT initialises B at zero; here A and B are redrawn so the adapters change the outputs. Regenerating writes the
same tensors; files with two or more header metadata keys may differ in bytes, since the safetensors package writes
metadata in hash-map order.
"""

from pathlib import Path

import torch
from safetensors.torch import save_file

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "Tests" / "DiffusionTests" / "Fixtures" / "lora"


def say(path: Path) -> None:
    print(f"  {path.relative_to(REPO)}  ({path.stat().st_size} bytes)")


def spread(model: torch.nn.Module, seed: int, std: float = 0.3) -> None:
    """Redraws the base weights with a useful spread (transformers' std 0.02 hides mistakes)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name:
                continue
            noise = torch.randn(p.shape, generator=g)
            p.copy_(1 + 0.2 * noise if "norm" in name and name.endswith("weight") else std * noise)


def randomize_lora(model: torch.nn.Module, seed: int, std: float = 0.3) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_A" in name or "lora_B" in name:
                p.copy_(std * torch.randn(p.shape, generator=g))


def write_io(folder: Path, tensors: dict) -> None:
    out = {k: (v.detach().contiguous() if v.dtype == torch.int64 else v.detach().float().contiguous())
           for k, v in tensors.items()}
    save_file(out, folder / "io.safetensors", metadata={"format": "pt"})
    say(folder / "io.safetensors")


def kohya_from_peft(peft_sd: dict, prefix: str, alpha: float, add_text_model: bool) -> dict:
    """kohya-ss's own spelling (`lora_te_text_model_…` / `lora_unet_…`, float alpha), written out here rather
    than by diffusers' `convert_state_dict_to_kohya`, which writes `lora_te1_` and alpha = rank."""
    out = {}
    for key, value in peft_sd.items():
        module, part = key.rsplit(".lora_", 1)
        if add_text_model and not module.startswith("text_model."):
            module = "text_model." + module
        stem = prefix + "_" + module.replace(".", "_")
        out[f"{stem}.{'lora_down' if part.startswith('A') else 'lora_up'}.weight"] = value.contiguous()
        out[f"{stem}.alpha"] = torch.tensor(float(alpha))
    return out


def convert_state_dict_to_diffusers(peft_sd: dict) -> dict:
    from diffusers.utils import convert_state_dict_to_diffusers as convert

    return convert(peft_sd)


def save_dreambooth_spelling(folder: Path, **kwargs) -> None:
    """What diffusers' train_dreambooth_lora.py writes: `convert_state_dict_to_diffusers(get_peft_model_state_dict(m))`
    (`….to_q.lora.down.weight` in the UNet, `….q_proj.lora_linear_layer.down.weight` in the text encoder)."""
    from diffusers import StableDiffusionPipeline

    StableDiffusionPipeline.save_lora_weights(folder, weight_name="dreambooth.safetensors", **kwargs)
    say(folder / "dreambooth.safetensors")


def text_encoder_case() -> None:
    from diffusers import StableDiffusionPipeline
    from peft import LoraConfig, inject_adapter_in_model
    from peft.utils import get_peft_model_state_dict
    from transformers import CLIPTextConfig, CLIPTextModel

    folder = OUT / "text_encoder"
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    config = CLIPTextConfig(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                            num_attention_heads=4, max_position_embeddings=12, projection_dim=16, layer_norm_eps=1e-5,
                            hidden_act="quick_gelu", pad_token_id=61, bos_token_id=60, eos_token_id=61)
    model = CLIPTextModel(config).eval()
    spread(model, 1)
    model.save_pretrained(folder / "model")
    for extra in (folder / "model").iterdir():
        if extra.name not in ("config.json", "model.safetensors"):
            extra.unlink()
    ids = torch.tensor([[60, 5, 17, 33, 61, 61, 61, 61],
                        [60, 40, 12, 61, 61, 61, 61, 61]], dtype=torch.int64)
    with torch.no_grad():
        base = model(input_ids=ids)

    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "out_proj", "fc1"],
                      init_lora_weights=True)
    model = inject_adapter_in_model(lora, model)
    randomize_lora(model, 2)
    with torch.no_grad():
        adapted = model(input_ids=ids)
    peft_sd = get_peft_model_state_dict(model)
    StableDiffusionPipeline.save_lora_weights(folder, text_encoder_lora_layers=peft_sd,
                                              text_encoder_lora_adapter_metadata=lora.to_dict())
    say(folder / "pytorch_lora_weights.safetensors")
    save_dreambooth_spelling(folder, text_encoder_lora_layers=convert_state_dict_to_diffusers(peft_sd),
                             text_encoder_lora_adapter_metadata=lora.to_dict())
    save_file(kohya_from_peft(peft_sd, "lora_te", lora.lora_alpha, add_text_model=True), folder / "kohya.safetensors",
              metadata={"ss_network_module": "networks.lora", "ss_network_dim": "4", "ss_network_alpha": "8.0"})
    say(folder / "kohya.safetensors")
    write_io(folder, {"input_ids": ids, "base_last_hidden_state": base.last_hidden_state,
                      "last_hidden_state": adapted.last_hidden_state, "pooler_output": adapted.pooler_output})


def unet_case() -> None:
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    folder = OUT / "unet"
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    unet = UNet2DConditionModel(sample_size=8, in_channels=4, out_channels=4, layers_per_block=1,
                                block_out_channels=(8, 16), down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=16,
                                attention_head_dim=2, norm_num_groups=4).eval()
    spread(unet, 3, std=0.2)
    unet.save_pretrained(folder / "model")
    g = torch.Generator().manual_seed(4)
    sample = torch.randn(1, 4, 8, 8, generator=g)
    timestep = torch.tensor([10], dtype=torch.int64)
    context = torch.randn(1, 5, 16, generator=g)

    # The attention projections (DreamBooth-LoRA's targets), plus the 1×1 proj_in/proj_out and 3×3 resnet conv1
    # convolutions that kohya-style LoRAs of SD 1.x also adapt.
    lora = LoraConfig(r=2, lora_alpha=3, target_modules=["to_q", "to_k", "to_v", "to_out.0", "proj_in", "proj_out",
                                                         "conv1"], init_lora_weights=True)
    unet.add_adapter(lora)
    randomize_lora(unet, 5)
    with torch.no_grad():
        adapted = unet(sample, timestep, encoder_hidden_states=context).sample
    peft_sd = get_peft_model_state_dict(unet)
    StableDiffusionPipeline.save_lora_weights(folder, unet_lora_layers=peft_sd, unet_lora_adapter_metadata=lora.to_dict())
    say(folder / "pytorch_lora_weights.safetensors")
    save_dreambooth_spelling(folder, unet_lora_layers=convert_state_dict_to_diffusers(peft_sd),
                             unet_lora_adapter_metadata=lora.to_dict())
    save_file(kohya_from_peft(peft_sd, "lora_unet", lora.lora_alpha, add_text_model=False),
              folder / "kohya.safetensors", metadata={"ss_network_module": "networks.lora"})
    say(folder / "kohya.safetensors")

    io = {"sample": sample, "timestep": timestep, "encoder_hidden_states": context, "adapted_sample": adapted}
    modules = sorted({k.rsplit(".lora_", 1)[0] for k in peft_sd})
    with torch.no_grad():
        for name in modules:
            layer = unet.get_submodule(name)
            if isinstance(layer.base_layer, torch.nn.Conv2d):
                conv = layer.base_layer
                x = torch.randn(1, conv.in_channels, 4, 4, generator=g)
                io[f"probe.{name}.conv"] = torch.tensor([conv.kernel_size[0], conv.stride[0], conv.padding[0]],
                                                        dtype=torch.int64)
            else:
                x = torch.randn(3, layer.in_features, generator=g)
            io[f"probe.{name}.x"] = x
            io[f"probe.{name}.delta"] = layer(x) - layer.base_layer(x)
    write_io(folder, io)


if __name__ == "__main__":
    text_encoder_case()
    unet_case()
