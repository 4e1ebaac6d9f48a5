#!/usr/bin/env python3
"""Reference values for the engine's op tests, computed once with PyTorch (CPU, float32).

Writes Tests/TensorTests/Fixtures/ops.json and adamw.json. Each op case holds its inputs, parameters,
the forward output, a fixed upstream gradient and the gradients of every input, so the Swift tests check
forward and backward against an independent implementation. Run from the repository root:
    /path/to/venv/bin/python scripts/reference/engine_fixtures.py
"""
import json
import math
import pathlib

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
OUT = pathlib.Path("Tests/TensorTests/Fixtures")


def t(x):
    return {"shape": list(x.shape), "data": [float(v) for v in x.detach().reshape(-1).tolist()]}


cases = []


def case(name, inputs, fn, params=None, positive=()):
    xs = []
    for i, shape in enumerate(inputs):
        x = torch.randn(*shape)
        if i in positive:
            x = x.abs() + 0.5
        xs.append(x.requires_grad_(True))
    y = fn(*xs)
    up = torch.randn_like(y)
    (y * up).sum().backward()
    cases.append({
        "name": name, "params": params or {},
        "inputs": [t(x) for x in xs], "output": t(y), "upstream": t(up),
        "grads": [t(x.grad) for x in xs],
    })


case("add_broadcast", [(2, 3, 4), (3, 1)], lambda a, b: a + b)
case("sub_broadcast", [(4,), (2, 3, 4)], lambda a, b: a - b)
case("mul_broadcast", [(2, 1, 4), (3, 1)], lambda a, b: a * b)
case("div_broadcast", [(2, 3), (3,)], lambda a, b: a / b, positive=(1,))
case("pow_tensor", [(2, 3), (2, 3)], lambda a, b: torch.pow(a, b), positive=(0,))
case("pow_scalar", [(2, 3)], lambda a: torch.pow(a, 3.0))
case("exp", [(2, 5)], torch.exp)
case("log", [(2, 5)], torch.log, positive=(0,))
case("sqrt", [(2, 5)], torch.sqrt, positive=(0,))
case("rsqrt", [(2, 5)], torch.rsqrt, positive=(0,))
case("abs", [(2, 5)], torch.abs)
case("clamp", [(3, 5)], lambda a: torch.clamp(a, -0.5, 0.7))
case("neg", [(2, 5)], torch.neg)
case("silu", [(3, 7)], F.silu)
case("gelu", [(3, 7)], F.gelu)
case("gelu_tanh", [(3, 7)], lambda a: F.gelu(a, approximate="tanh"))
case("quick_gelu", [(3, 7)], lambda a: a * torch.sigmoid(1.702 * a))
case("sigmoid", [(3, 7)], torch.sigmoid)
case("tanh", [(3, 7)], torch.tanh)
case("softplus", [(3, 7)], lambda a: F.softplus(a * 10))
case("sum_axes", [(2, 3, 4)], lambda a: a.sum(dim=(0, 2)))
case("sum_keepdim", [(2, 3, 4)], lambda a: a.sum(dim=1, keepdim=True))
case("mean_axis", [(2, 3, 4)], lambda a: a.mean(dim=-1))
case("max_axis", [(3, 5)], lambda a: a.max(dim=1).values)
case("var_axis", [(3, 6)], lambda a: a.var(dim=1))
for ta in (False, True):
    for tb in (False, True):
        sa = (4, 3) if ta else (3, 4)
        sb = (5, 4) if tb else (4, 5)
        case(f"matmul_{int(ta)}{int(tb)}", [sa, sb],
             lambda a, b, ta=ta, tb=tb: (a.T if ta else a) @ (b.T if tb else b), {"ta": ta, "tb": tb})
case("bmm", [(2, 3, 4), (2, 4, 5)], torch.matmul)
case("bmm_shared", [(2, 3, 4), (4, 5)], torch.matmul)
case("linear", [(2, 3, 4), (5, 4), (5,)], F.linear)
case("conv3x3", [(2, 3, 6, 5), (4, 3, 3, 3), (4,)], lambda x, w, b: F.conv2d(x, w, b, padding=1), {"stride": 1, "padding": 1})
case("conv3x3_s2", [(1, 2, 7, 6), (3, 2, 3, 3), (3,)], lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), {"stride": 2, "padding": 1})
case("conv1x1", [(2, 5, 3, 4), (6, 5, 1, 1), (6,)], F.conv2d, {"stride": 1, "padding": 0})
case("conv_nopad", [(1, 2, 5, 5), (3, 2, 3, 3), (3,)], F.conv2d, {"stride": 1, "padding": 0})
case("group_norm", [(2, 6, 3, 3), (6,), (6,)], lambda x, w, b: F.group_norm(x, 3, w, b, eps=1e-5), {"groups": 3})
case("layer_norm", [(2, 3, 8), (8,), (8,)], lambda x, w, b: F.layer_norm(x, (8,), w, b, eps=1e-5))
case("softmax", [(3, 7)], lambda a: torch.softmax(a, -1))
case("log_softmax", [(3, 7)], lambda a: torch.log_softmax(a, -1))
case("attention", [(2, 2, 5, 4), (2, 2, 6, 4), (2, 2, 6, 3)], F.scaled_dot_product_attention)
case("attention_causal", [(1, 2, 5, 4), (1, 2, 5, 4), (1, 2, 5, 4)],
     lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), {"causal": True})
mask = torch.randn(5, 6)
case("attention_mask", [(1, 2, 5, 4), (1, 2, 6, 4), (1, 2, 6, 4)],
     lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask), {"mask": t(mask)})
ids = [3, 0, 3, 5, 1, 3]
case("embedding", [(7, 4)], lambda w: F.embedding(torch.tensor(ids).reshape(2, 3), w), {"ids": ids})
case("upsample", [(1, 2, 3, 4)], lambda a: F.interpolate(a, scale_factor=2, mode="nearest"))
case("avg_pool", [(1, 2, 4, 6)], lambda a: F.avg_pool2d(a, 2))
case("mse", [(3, 4), (3, 4)], F.mse_loss)
targets = [2, 0, 4]
case("cross_entropy", [(3, 5)], lambda a: F.cross_entropy(a, torch.tensor(targets)), {"targets": targets})
case("cosine_similarity", [(3, 6), (3, 6)], lambda a, b: F.cosine_similarity(a, b, dim=-1))
case("concat", [(2, 3), (2, 2)], lambda a, b: torch.cat([a, b], dim=1))
case("pad", [(1, 2, 3, 3)], lambda a: F.pad(a, (1, 2, 0, 1)))
case("permute", [(2, 3, 4)], lambda a: a.permute(2, 0, 1))

OUT.mkdir(parents=True, exist_ok=True)
(OUT / "ops.json").write_text(json.dumps({"torch": torch.__version__, "cases": cases}, separators=(",", ":")))

# AdamW (and SGD with momentum) for 10 steps on fixed parameters and per-step gradients.
def optimizer_trace(make):
    p0 = torch.randn(3, 4)
    p1 = torch.randn(5)
    params = [p0.clone().requires_grad_(True), p1.clone().requires_grad_(True)]
    opt = make(params)
    grads = []
    for _ in range(10):
        g = [torch.randn_like(p) for p in params]
        for p, gi in zip(params, g):
            p.grad = gi.clone()
        opt.step()
        grads.append([t(gi) for gi in g])
    return {"initial": [t(p0), t(p1)], "grads": grads, "final": [t(p) for p in params]}


adam = optimizer_trace(lambda ps: torch.optim.AdamW(ps, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1))
sgd = optimizer_trace(lambda ps: torch.optim.SGD(ps, lr=1e-2, momentum=0.9, dampening=0.1, weight_decay=0.01, nesterov=False))
nesterov = optimizer_trace(lambda ps: torch.optim.SGD(ps, lr=1e-2, momentum=0.9, weight_decay=0.01, nesterov=True))
(OUT / "optimizers.json").write_text(json.dumps({"torch": torch.__version__, "adamw": adam, "sgd": sgd,
                                                  "sgd_nesterov": nesterov}, separators=(",", ":")))
print("cases:", len(cases))
