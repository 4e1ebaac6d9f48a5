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
    }


def schedules():
    """alphas_cumprod of each beta schedule, and DDPM add_noise/get_velocity and Euler/DPM add_noise values."""
    tensors = {}
    for schedule in ["linear", "scaled_linear", "squaredcos_cap_v2"]:
        s = DDPMScheduler(beta_schedule=schedule, **({} if schedule != "scaled_linear" else
                                                      {"beta_start": 0.00085, "beta_end": 0.012}))
        tensors[f"alphas_cumprod_{schedule}"] = s.alphas_cumprod.clone()
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
    print(f"wrote {len(cases)} cases to {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
