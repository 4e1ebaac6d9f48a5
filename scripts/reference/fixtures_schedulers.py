#!/usr/bin/env python3
"""Golden values for dbrun's schedulers and sampling loop, from diffusers in the reference venv.

Each scheduler case builds a diffusers scheduler from a config, calls `set_timesteps(steps)` and runs every step on a
fixed 1×4×4×4 sample with a deterministic fake model (`fake_model` below; the Swift tests use the same formula).
Stochastic steps get explicit noise tensors, saved with the case, because torch's RNG cannot be matched: DDIM takes
them as `variance_noise`; DDPM and Euler ancestral draw through their module's `randn_tensor`, which is patched here
to hand out the saved tensors in order.

Writes Tests/DiffusionTests/Fixtures/schedulers/: `cases.json` (configs, timesteps, sigmas, init_noise_sigma) and one
`<case>.safetensors` per case (`sample`, `noise_<i>`, `prev_<i>`, `x0_<i>`), plus `schedules.safetensors`
(alphas_cumprod per beta schedule; add_noise and get_velocity values) and the sampling-loop golden files.

    /work/main/.venv-ref/bin/python scripts/reference/fixtures_schedulers.py
"""

import json
from pathlib import Path

import torch
from safetensors.torch import save_file
import diffusers
from diffusers import (
    DDIMScheduler,
    DDPMScheduler,
    DPMSolverMultistepScheduler,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    PNDMScheduler,
)
from diffusers.schedulers import scheduling_ddpm, scheduling_euler_ancestral_discrete

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "Tests" / "DiffusionTests" / "Fixtures" / "schedulers"
CLASSES = {
    c.__name__: c
    for c in [DDPMScheduler, DDIMScheduler, PNDMScheduler, EulerDiscreteScheduler, EulerAncestralDiscreteScheduler,
              DPMSolverMultistepScheduler]
}
SHAPE = (1, 4, 4, 4)
SD = {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012}
ZSNR = {**SD, "rescale_betas_zero_snr": True, "prediction_type": "v_prediction", "timestep_spacing": "trailing"}


def fake_model(x: torch.Tensor, t: float, kind: str) -> torch.Tensor:
    """What the Swift tests compute too: `0.1·x + t/1000`, and for learned variances a second half of channels
    (`0.05·x² + 0.01`, positive, as `learned` needs a variance; in [-1, 1]-ish for `learned_range`)."""
    out = 0.1 * x + t / 1000.0
    if kind == "learned":
        out = torch.cat([out, 0.05 * x * x + 0.01], dim=1)
    return out


# name, config (as in scheduler_config.json), steps, options
CASES = [
    ("ddpm_linear_eps", {"_class_name": "DDPMScheduler"}, 10, {}),
    ("ddpm_scaled_v_small_log_trailing", {"_class_name": "DDPMScheduler", **SD, "prediction_type": "v_prediction",
                                          "variance_type": "fixed_small_log", "timestep_spacing": "trailing",
                                          "clip_sample": False}, 8, {}),
    ("ddpm_cos_sample_large_linspace", {"_class_name": "DDPMScheduler", "beta_schedule": "squaredcos_cap_v2",
                                        "prediction_type": "sample", "variance_type": "fixed_large",
                                        "timestep_spacing": "linspace", "clip_sample_range": 0.5}, 7, {}),
    ("ddpm_learned", {"_class_name": "DDPMScheduler", "variance_type": "learned", "clip_sample": False}, 6,
     {"model": "learned"}),
    ("ddpm_learned_range", {"_class_name": "DDPMScheduler", **SD, "variance_type": "learned_range",
                            "steps_offset": 1}, 6, {"model": "learned"}),
    ("ddim_sd15", {"_class_name": "DDIMScheduler", **SD, "clip_sample": False, "set_alpha_to_one": False,
                   "steps_offset": 1}, 10, {}),
    ("ddim_sd21_v_trailing", {"_class_name": "DDIMScheduler", **SD, "clip_sample": False, "set_alpha_to_one": False,
                              "prediction_type": "v_prediction", "timestep_spacing": "trailing"}, 8, {}),
    ("ddim_eta_cos_sample_linspace", {"_class_name": "DDIMScheduler", "beta_schedule": "squaredcos_cap_v2",
                                      "prediction_type": "sample", "timestep_spacing": "linspace",
                                      "clip_sample_range": 0.8}, 7, {"eta": 0.7}),
    ("ddim_eta_linear_clip", {"_class_name": "DDIMScheduler"}, 5, {"eta": 1.0}),
    ("pndm_sd15_plms", {"_class_name": "PNDMScheduler", **SD, "skip_prk_steps": True, "set_alpha_to_one": False,
                        "steps_offset": 1}, 10, {}),
    ("pndm_plms_v_trailing", {"_class_name": "PNDMScheduler", **SD, "skip_prk_steps": True,
                              "prediction_type": "v_prediction", "timestep_spacing": "trailing"}, 6, {}),
    ("pndm_prk_linear", {"_class_name": "PNDMScheduler"}, 10, {}),
    ("pndm_prk_linspace_alpha_one", {"_class_name": "PNDMScheduler", "timestep_spacing": "linspace",
                                     "set_alpha_to_one": True, "beta_schedule": "squaredcos_cap_v2"}, 8, {}),
    ("euler_sd_linspace", {"_class_name": "EulerDiscreteScheduler", **SD}, 10, {}),
    ("euler_v_leading", {"_class_name": "EulerDiscreteScheduler", **SD, "prediction_type": "v_prediction",
                         "timestep_spacing": "leading", "steps_offset": 1}, 8, {}),
    # (Not the cosine schedule: its σ_max ≈ 20000 makes the first step cancel catastrophically in float32.)
    ("euler_sample_trailing", {"_class_name": "EulerDiscreteScheduler", **SD, "prediction_type": "sample",
                               "timestep_spacing": "trailing"}, 6, {}),
    ("euler_karras", {"_class_name": "EulerDiscreteScheduler", **SD, "use_karras_sigmas": True}, 9, {}),
    ("euler_ancestral_sd", {"_class_name": "EulerAncestralDiscreteScheduler", **SD}, 10, {}),
    ("euler_ancestral_v_leading", {"_class_name": "EulerAncestralDiscreteScheduler", **SD,
                                   "prediction_type": "v_prediction", "timestep_spacing": "leading",
                                   "steps_offset": 1}, 7, {}),
    ("dpm_2m_sd", {"_class_name": "DPMSolverMultistepScheduler", **SD}, 10, {}),
    ("dpm_2m_20_steps", {"_class_name": "DPMSolverMultistepScheduler", **SD}, 20, {}),
    ("dpm_2m_no_lower_order_final", {"_class_name": "DPMSolverMultistepScheduler", **SD,
                                     "lower_order_final": False}, 8, {}),
    ("dpm_2m_v_trailing", {"_class_name": "DPMSolverMultistepScheduler", **SD, "prediction_type": "v_prediction",
                           "timestep_spacing": "trailing"}, 8, {}),
    ("dpm_1_sample_leading", {"_class_name": "DPMSolverMultistepScheduler", "solver_order": 1,
                              "prediction_type": "sample", "timestep_spacing": "leading", "steps_offset": 1}, 6, {}),
    ("dpm_3m_sd", {"_class_name": "DPMSolverMultistepScheduler", **SD, "solver_order": 3}, 10, {}),
    ("dpm_3m_20_steps_v", {"_class_name": "DPMSolverMultistepScheduler", **SD, "solver_order": 3,
                           "prediction_type": "v_prediction"}, 20, {}),
    ("dpm_3m_no_lower_order_final", {"_class_name": "DPMSolverMultistepScheduler", **SD, "solver_order": 3,
                                     "lower_order_final": False}, 8, {}),
    ("dpm_2m_heun", {"_class_name": "DPMSolverMultistepScheduler", **SD, "solver_type": "heun"}, 9, {}),
    # Zero terminal SNR (Lin et al. 2023), with v-prediction and trailing spacing as the paper uses it.
    ("ddim_zero_snr_v", {"_class_name": "DDIMScheduler", **ZSNR, "clip_sample": False, "set_alpha_to_one": False}, 6, {}),
    ("ddpm_zero_snr_v", {"_class_name": "DDPMScheduler", **ZSNR, "clip_sample": False}, 5, {}),
    # Euler from σ_max ≈ 4096 cancels terms of that size in its first steps, and the rescaled ᾱ near T already
    # differs from torch's by a few 1e-6 (torch's float32 sqrt is not always correctly rounded): 1e-4 here.
    ("euler_zero_snr_v", {"_class_name": "EulerDiscreteScheduler", **ZSNR}, 6, {"tolerance": 1e-4}),
    ("euler_ancestral_zero_snr_v", {"_class_name": "EulerAncestralDiscreteScheduler", **ZSNR}, 6,
     {"tolerance": 1e-4}),
    ("dpm_zero_snr_v", {"_class_name": "DPMSolverMultistepScheduler", **ZSNR}, 6, {}),
    ("dpm_2m_karras", {"_class_name": "DPMSolverMultistepScheduler", **SD, "use_karras_sigmas": True}, 12, {}),
    ("dpm_2m_karras_linear_v", {"_class_name": "DPMSolverMultistepScheduler", "use_karras_sigmas": True,
                                "prediction_type": "v_prediction"}, 5, {}),
]


class NoiseFeed:
    """Replaces a scheduler module's `randn_tensor`: hands out pre-drawn tensors and records them."""

    def __init__(self, seed: int):
        self.generator = torch.Generator().manual_seed(seed)
        self.drawn: list[torch.Tensor] = []

    def __call__(self, shape, **_):
        noise = torch.randn(tuple(shape), generator=self.generator)
        self.drawn.append(noise)
        return noise


def run_case(name, config, steps, options, tensors):
    cls = CLASSES[config["_class_name"]]
    scheduler = cls.from_config({k: v for k, v in config.items() if k != "_class_name"})
    scheduler.set_timesteps(steps)
    generator = torch.Generator().manual_seed(1234)
    sample = torch.randn(SHAPE, generator=generator) * scheduler.init_noise_sigma
    tensors["sample"] = sample.clone()
    feed = NoiseFeed(99)
    scheduling_ddpm.randn_tensor = feed
    scheduling_euler_ancestral_discrete.randn_tensor = feed
    eta = options.get("eta", 0.0)
    noises_for_ddim = []
    for i, t in enumerate(scheduler.timesteps):
        model_input = scheduler.scale_model_input(sample, t)
        output = fake_model(model_input, float(t), options.get("model", "plain"))
        if cls is DDIMScheduler and eta > 0:
            noise = torch.randn(SHAPE, generator=feed.generator)
            noises_for_ddim.append(noise)
            result = scheduler.step(output, t, sample, eta=eta, variance_noise=noise)
        else:
            result = scheduler.step(output, t, sample)
        sample = result.prev_sample
        tensors[f"prev_{i}"] = sample.clone()
        x0 = getattr(result, "pred_original_sample", None)
        if x0 is not None:
            tensors[f"x0_{i}"] = x0.clone()
    for i, noise in enumerate(noises_for_ddim + feed.drawn):
        tensors[f"noise_{i}"] = noise
    sigmas = getattr(scheduler, "sigmas", None)
    return {
        "name": name,
        "config": config,
        "steps": steps,
        "eta": eta,
        "model": options.get("model", "plain"),
        "timesteps": [float(t) for t in scheduler.timesteps],
        "sigmas": None if sigmas is None or cls in (DDPMScheduler, DDIMScheduler, PNDMScheduler)
        else [float(s) for s in sigmas],
        "init_noise_sigma": float(scheduler.init_noise_sigma),
        "noise_count": len(noises_for_ddim) + len(feed.drawn),
        "tolerance": options.get("tolerance", 1e-5),
    }


def schedules():
    """alphas_cumprod of each beta schedule, and DDPM add_noise/get_velocity and Euler/DPM add_noise values."""
    tensors = {}
    for schedule in ["linear", "scaled_linear", "squaredcos_cap_v2"]:
        s = DDPMScheduler(beta_schedule=schedule, **({} if schedule != "scaled_linear" else
                                                      {"beta_start": 0.00085, "beta_end": 0.012}))
        tensors[f"alphas_cumprod_{schedule}"] = s.alphas_cumprod.clone()
    tensors["alphas_cumprod_zero_snr"] = DDPMScheduler(**SD, rescale_betas_zero_snr=True).alphas_cumprod.clone()
    tensors["alphas_cumprod_zero_snr_euler"] = EulerDiscreteScheduler(**SD, rescale_betas_zero_snr=True).alphas_cumprod.clone()
    generator = torch.Generator().manual_seed(7)
    original = torch.randn(3, 4, 2, 2, generator=generator)
    noise = torch.randn(3, 4, 2, 2, generator=generator)
    tensors["original"], tensors["noise"] = original, noise
    ddpm = DDPMScheduler(**SD)
    t = torch.tensor([0, 500, 999])
    tensors["ddpm_add_noise"] = ddpm.add_noise(original, noise, t)
    tensors["ddpm_velocity"] = ddpm.get_velocity(original, noise, t)
    euler = EulerDiscreteScheduler(**SD)
    euler.set_timesteps(10)
    tensors["euler_add_noise"] = euler.add_noise(original, noise, euler.timesteps[[0, 4, 9]])
    dpm = DPMSolverMultistepScheduler(**SD)
    dpm.set_timesteps(10)
    tensors["dpm_add_noise"] = dpm.add_noise(original, noise, dpm.timesteps[[0, 4, 9]])
    return tensors, {"euler_timesteps": [float(x) for x in euler.timesteps[[0, 4, 9]]],
                     "dpm_timesteps": [float(x) for x in dpm.timesteps[[0, 4, 9]]]}


# MARK: pipelines


def fake_unet_class():
    """A stand-in UNet for diffusers' pipelines: `0.1·x[:, :4]·(1 + 0.5·c) + t/1000 + 0.05·c` with c the context's
    mean (so the guidance halves differ in spread, which guidance_rescale acts on), plus
    `0.01·x[:, 4]·label/100` when class labels come (the upscaler). The Swift test computes the same."""
    from torch import nn
    from diffusers.configuration_utils import ConfigMixin, register_to_config
    from diffusers.models.modeling_utils import ModelMixin

    class FakeUNet(ModelMixin, ConfigMixin):
        @register_to_config
        def __init__(self, in_channels=4, out_channels=4, sample_size=8, time_cond_proj_dim=None):
            super().__init__()
            self.unused = nn.Parameter(torch.zeros(1))

        def forward(self, sample, timestep, encoder_hidden_states, class_labels=None, return_dict=False, **_):
            context = encoder_hidden_states.mean(dim=(1, 2)).view(-1, 1, 1, 1)
            out = 0.1 * sample[:, :4] * (1 + 0.5 * context) + timestep / 1000 + 0.05 * context
            if class_labels is not None:
                out = out + 0.01 * sample[:, 4:5] * (class_labels.float().view(-1, 1, 1, 1) / 100)
            return (out,)

    class FakeVAE(ModelMixin, ConfigMixin):
        @register_to_config
        def __init__(self, block_out_channels=(1, 2, 3, 4), latent_channels=4, scaling_factor=0.18215,
                     force_upcast=False):
            super().__init__()
            self.unused = nn.Parameter(torch.zeros(1))

    return FakeUNet, FakeVAE


# Deterministic schedulers only (step noise cannot be matched); steps_offset 1 and clip_sample false, which
# StableDiffusionPipeline would otherwise force onto the config.
PIPELINE_CASES = [
    ("t2i_dpm", {"_class_name": "DPMSolverMultistepScheduler", **SD, "steps_offset": 1}, 6, 7.5),
    ("t2i_euler", {"_class_name": "EulerDiscreteScheduler", **SD, "steps_offset": 1}, 5, 5.0),
    ("t2i_pndm_sd15", {"_class_name": "PNDMScheduler", **SD, "skip_prk_steps": True, "set_alpha_to_one": False,
                       "steps_offset": 1}, 6, 7.5),
    ("t2i_ddim_v", {"_class_name": "DDIMScheduler", **SD, "clip_sample": False, "set_alpha_to_one": False,
                    "prediction_type": "v_prediction", "steps_offset": 1}, 5, 9.0),
    ("t2i_dpm_unguided", {"_class_name": "DPMSolverMultistepScheduler", **SD, "steps_offset": 1}, 4, 1.0),
    ("t2i_ddim_v_rescaled", {"_class_name": "DDIMScheduler", **SD, "clip_sample": False, "set_alpha_to_one": False,
                             "prediction_type": "v_prediction", "steps_offset": 1, "timestep_spacing": "trailing"}, 5,
     9.0, 0.7),
]


def pipelines():
    """StableDiffusionPipeline and StableDiffusionUpscalePipeline runs with the fake UNet: given prompt embeddings
    and initial latents (and, for the upscaler, the low-res image noise), the final latents."""
    from diffusers import StableDiffusionPipeline, StableDiffusionUpscalePipeline
    from diffusers.pipelines.stable_diffusion import pipeline_stable_diffusion_upscale as upscale_module

    FakeUNet, FakeVAE = fake_unet_class()
    generator = torch.Generator().manual_seed(3)
    tensors = {
        "prompt_embeds": torch.randn(2, 3, 5, generator=generator),
        "negative_embeds": torch.randn(2, 3, 5, generator=generator),
        "latents": torch.randn(2, 4, 3, 3, generator=generator),
    }
    cases = []
    for name, config, steps, guidance, *rest in PIPELINE_CASES:
        rescale = rest[0] if rest else 0.0
        scheduler = CLASSES[config["_class_name"]].from_config({k: v for k, v in config.items() if k != "_class_name"})
        pipe = StableDiffusionPipeline(vae=FakeVAE(), text_encoder=None, tokenizer=None, unet=FakeUNet(),
                                       scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                       requires_safety_checker=False)
        pipe.set_progress_bar_config(disable=True)
        out = pipe(prompt_embeds=tensors["prompt_embeds"], negative_prompt_embeds=tensors["negative_embeds"],
                   latents=tensors["latents"].clone(), num_inference_steps=steps, guidance_scale=guidance,
                   guidance_rescale=rescale, output_type="latent", height=24, width=24)
        tensors[name] = out.images
        cases.append({"name": name, "config": config, "steps": steps, "guidance_scale": guidance,
                      "guidance_rescale": rescale})

    # The x4 upscaler, with its shipped scheduler configs.
    configs = REPO / "Tests" / "DiffusionTests" / "Fixtures" / "configs" / "x4-upscaler"
    main_config = json.loads((configs / "scheduler" / "scheduler_config.json").read_text())
    low_config = json.loads((configs / "low_res_scheduler" / "scheduler_config.json").read_text())
    strip = lambda c: {k: v for k, v in c.items() if not k.startswith("_")}
    image = torch.rand(1, 3, 4, 4, generator=generator) * 2 - 1
    image_noise = torch.randn(1, 3, 4, 4, generator=generator)
    upscale_latents = torch.randn(1, 4, 4, 4, generator=generator)
    upscale_module.randn_tensor = lambda shape, **_: image_noise.clone()
    pipe = StableDiffusionUpscalePipeline(
        vae=FakeVAE(block_out_channels=(1, 2, 3), scaling_factor=0.08333), text_encoder=None, tokenizer=None,
        unet=FakeUNet(in_channels=7), low_res_scheduler=DDPMScheduler.from_config(strip(low_config)),
        scheduler=DDIMScheduler.from_config(strip(main_config)), max_noise_level=350)
    pipe.set_progress_bar_config(disable=True)
    out = pipe(prompt_embeds=tensors["prompt_embeds"][:1], negative_prompt_embeds=tensors["negative_embeds"][:1],
               image=image, latents=upscale_latents.clone(), num_inference_steps=5, guidance_scale=9.0,
               noise_level=20, output_type="latent")
    tensors.update({"upscale_image": image, "upscale_image_noise": image_noise,
                    "upscale_latents": upscale_latents, "upscale": out.images})
    return tensors, {"cases": cases, "upscale": {"steps": 5, "guidance_scale": 9.0, "noise_level": 20}}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    cases = []
    for name, config, steps, options in CASES:
        tensors = {}
        cases.append(run_case(name, config, steps, options, tensors))
        save_file({k: v.contiguous().float() for k, v in tensors.items()}, OUT / f"{name}.safetensors")
    tensors, info = schedules()
    save_file({k: v.contiguous().float() for k, v in tensors.items()}, OUT / "schedules.safetensors")
    document = {"diffusers": diffusers.__version__, "torch": torch.__version__, "shape": list(SHAPE),
                "cases": cases, **info}
    (OUT / "cases.json").write_text(json.dumps(document, indent=1) + "\n")
    tensors, info = pipelines()
    save_file({k: v.contiguous().float() for k, v in tensors.items()}, OUT / "pipelines.safetensors")
    (OUT / "pipelines.json").write_text(json.dumps({"diffusers": diffusers.__version__, **info}, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
