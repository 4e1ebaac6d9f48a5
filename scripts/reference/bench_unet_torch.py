#!/usr/bin/env python3
"""PyTorch/diffusers side of `dbrun bench unet --torch PYTHON`: the same UNet config, batch, step counts and
thread count; prints one JSON object (milliseconds, medians) on stdout.

    .venv-ref/bin/python scripts/reference/bench_unet_torch.py --config tiny-latent8 --threads 2
"""

import argparse
import json
import statistics
import time

import torch
from diffusers import UNet2DConditionModel

SHARED = dict(
    in_channels=4, out_channels=4, cross_attention_dim=64, attention_head_dim=8,
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
)
CONFIGS = {
    "tiny-latent8": (dict(SHARED, sample_size=8, block_out_channels=(32, 64, 64), layers_per_block=1,
                          norm_num_groups=16), 8, 64, True),
    "small-latent16": (dict(SHARED, sample_size=16, block_out_channels=(64, 128, 128), layers_per_block=2,
                            norm_num_groups=32), 16, 64, True),
    "sd15": (dict(sample_size=64, cross_attention_dim=768, attention_head_dim=8), 64, 768, False),
}


def median_ms(steps: int, warmup: int, body) -> float:
    for _ in range(warmup):
        body()
    times = []
    for _ in range(max(1, steps)):
        start = time.perf_counter()
        body()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", choices=sorted(CONFIGS), default="tiny-latent8")
    parser.add_argument("--batch", type=int)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checkpointing", action="store_true")
    parser.add_argument("--forward-only", action="store_true")
    parser.add_argument("--attention-only", action="store_true",
                        help="train only attn1/attn2 to_q/to_k/to_v/to_out (what LoRA adapts); sd15 then trains too")
    parser.add_argument("--lora", type=int, metavar="RANK",
                        help="train a PEFT LoRA of this rank on to_q/to_k/to_v/to_out.0, base frozen (DreamBooth-LoRA)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config, latent, context_dim, train = CONFIGS[args.config]
    batch = args.batch or (8 if train else 1)
    model = UNet2DConditionModel(**config)
    if args.checkpointing:
        model.enable_gradient_checkpointing()
    if args.attention_only:
        model.requires_grad_(False)
        for name, p in model.named_parameters():
            if ".attn1.to_" in name or ".attn2.to_" in name:
                p.requires_grad_(True)
    if args.lora:
        from peft import LoraConfig, inject_adapter_in_model

        model.requires_grad_(False)
        lora = LoraConfig(r=args.lora, lora_alpha=args.lora, init_lora_weights="gaussian",
                          target_modules=["to_q", "to_k", "to_v", "to_out.0"])
        model = inject_adapter_in_model(lora, model)
        for name, p in model.named_parameters():
            p.requires_grad_("lora_" in name)
    sample = torch.randn(batch, 4, latent, latent)
    context = torch.randn(batch, 77, context_dim)
    noise = torch.randn_like(sample)
    timesteps = torch.randint(0, 1000, (batch,))
    result = {"threads": torch.get_num_threads(), "torch_version": torch.__version__, "train_step_ms": None}
    if (train or args.attention_only or args.lora) and not args.forward_only:
        model.train()
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)

        def step():
            prediction = model(sample, timesteps, encoder_hidden_states=context).sample
            loss = torch.nn.functional.mse_loss(prediction, noise)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

        result["train_step_ms"] = median_ms(args.steps, args.warmup, step)
    model.eval()

    def forward():
        with torch.no_grad():
            model(sample, timesteps, encoder_hidden_states=context)

    result["forward_ms"] = median_ms(args.steps if train else max(1, args.steps // 3), args.warmup if train else 1,
                                     forward)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
