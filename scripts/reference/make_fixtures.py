#!/usr/bin/env python3
"""Write the small reference fixtures the Swift tests compare against, from the reference venv.

Each fixture group is one function below, registered in GROUPS; `--only GROUP` (repeatable) regenerates just those.
Outputs go under Tests/DiffusionTests/Fixtures/<group>/ and are committed; CI never runs this script.

    .venv-ref/bin/python scripts/reference/make_fixtures.py            # every group
    .venv-ref/bin/python scripts/reference/make_fixtures.py --only tokenizer
"""

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "DiffusionTests" / "Fixtures"
CLIP_TOKENIZER = REPO / "models" / "clip-tokenizer"


def write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"  {path.relative_to(REPO)}")


# MARK: safetensors


def safetensors_group(out: Path) -> None:
    """Files written by the Python package: every dtype dbrun reads, metadata, a scalar and an empty tensor, with
    the values each must convert to (as Float32 values, widened to Python floats exactly)."""
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    tensors = {
        "f32": torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5 - 1.0,
        "f16": torch.tensor([0.0, -1.5, 65504.0, 5.9604645e-08, 0.1], dtype=torch.float16),
        "bf16": torch.tensor([[1.0, -2.0], [3.140625, 1e-3]], dtype=torch.bfloat16),
        "i64": torch.tensor([49406, -1, 2**40], dtype=torch.int64),
        "i32": torch.tensor([7, -7], dtype=torch.int32),
        "scalar": torch.tensor(2.5, dtype=torch.float32),
        "empty": torch.zeros(0, 4, dtype=torch.float32),
        "text_model.encoder.layers.0.mlp.fc1.weight": torch.linspace(-1, 1, 12, dtype=torch.float32).reshape(3, 4),
    }
    save_file(tensors, out / "python_mixed.safetensors", metadata={"format": "pt"})
    expected = {}
    for name, tensor in tensors.items():
        values = tensor.float() if tensor.is_floating_point() else tensor
        expected[name] = {
            "dtype": str(tensor.dtype).removeprefix("torch."),
            "shape": list(tensor.shape),
            "values": values.flatten().tolist(),
        }
    write_json(out / "python_mixed.json", expected)

    # What dbrun's writer must reproduce byte for byte: F32 and F16, one metadata key (Python orders several keys
    # at random), names that sort differently bytewise and by Unicode rules.
    same = {
        "b.weight": torch.arange(6, dtype=torch.float32).reshape(3, 2) / 7.0,
        "a.bias": torch.tensor([1.0, -1.0, 0.25], dtype=torch.float32),
        "Z": torch.tensor([3.0], dtype=torch.float32),
        "c": (torch.arange(5, dtype=torch.float32) / 3.0).to(torch.float16),
        "é.x": torch.tensor([[0.5]], dtype=torch.float16),
    }
    save_file(same, out / "python_f32_f16.safetensors", metadata={"format": "pt"})
    write_json(
        out / "python_f32_f16.json",
        {name: {"dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape),
                "values": t.float().flatten().tolist()} for name, t in same.items()},
    )
    save_file({}, out / "python_empty.safetensors")
    print(f"  {(out / '*.safetensors').relative_to(REPO)}")


# MARK: tokenizer

TOKENIZER_CASES = [
    "a photo of a dog",
    "a photo of sks dog",
    "",
    " ",
    "A Photo OF a DOG",
    "Hello, World!!  it's   a test.",
    "don't stop: we'll see, they've gone, I'm here, you're right, he'd go",
    "rock'n'roll 'quoted' ''double''",
    "café naïve résumé crème brûlée Ångström",
    "cafe\u0301 (combining accent)",
    "emoji 🐶🔥👍🏽 and 👨‍👩‍👧 family",
    "tabs\tand\nnewlines\r\n and   runs    of     spaces",
    "\u00a0non-breaking\u3000ideographic\u2003em\u0085next-line spaces",
    "zero\u200bwidth space",
    "numbers 12345 3.14159 1,000,000 ½ ² ⅻ",
    "日本語のテキスト 你好世界 한국어",
    "ΟΔΟΣ and σίσυφος",
    "İstanbul ǅemal ß",
    "punctuation: !@#$%^&*()_+-=[]{}|;':\",./<>?`~",
    "hello!",
    "wow!? really!!!",
    "a <|endoftext|> in the middle",
    "x<|endoftext|>y",
    "<|startoftext|>starts and ends<|endoftext|>",
    "<|ENDOFTEXT|> upper case is not special",
    "!<|endoftext|>!",
    "a\u0000b control\u0007chars\u001b[0m",
    "URL https://example.com/path?q=1&x=2",
    "snake_case_words and camelCaseWords and kebab-case",
    "highly detailed, 8k, trending on artstation, by greg rutkowski",
    "a " * 100,
    "photo of a dog " * 30,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "'s 't 're 've 'm 'll 'd",
    "it’s curly “quotes” — and dashes – here…",
    "fullwidth ＡＢＣ１２３ letters",
    "ﬁ ligature and Ⅻ roman",
    "mixed123numbers456",
    "漢字!かな? a日本b",
    "modifier aʰb, title ǅx, letter-number xⅫy, other-number a²b",
    "a\u0301 combining mark without a precomposed form: q\u0303",
    "info\u001cseparators\u001d\u001e\u001fend \ufeffbom \u180emongolian \u2028line\u2029para\u202fnarrow",
]


def tokenizer_group(out: Path) -> None:
    """Ids from transformers' CLIPTokenizer for the shipped vocabulary, with Stable Diffusion 1.x's configuration
    (pad = <|endoftext|>) and 2.x's (pad = "!", which also makes "!" in a prompt a special token), padded and
    truncated as diffusers' pipelines call it; plus the plain ids without special tokens or truncation."""
    import transformers
    from transformers import CLIPTokenizer

    sd1 = CLIPTokenizer.from_pretrained(CLIP_TOKENIZER)
    sd2 = CLIPTokenizer.from_pretrained(CLIP_TOKENIZER, pad_token="!")
    assert sd1.model_max_length == 77 and sd2.pad_token_id == 0

    def padded(tok, text):
        return tok(text, padding="max_length", max_length=tok.model_max_length, truncation=True).input_ids

    cases = []
    for text in TOKENIZER_CASES:
        cases.append({
            "text": text,
            "ids": sd1(text, add_special_tokens=False).input_ids,
            "sd1": padded(sd1, text),
            "sd2": padded(sd2, text),
        })
    write_json(out / "clip_cases.json", {
        "source": f"transformers {transformers.__version__} CLIPTokenizer on models/clip-tokenizer",
        "model_max_length": 77,
        "cases": cases,
    })
    check_vocabulary_against_open_clip(sd1)


def check_vocabulary_against_open_clip(tokenizer) -> None:
    """The shipped vocabulary is derived, not downloaded: confirm it gives open_clip's ids (which read the original
    merge file directly) wherever the two tokenizers' text cleanup agrees (plain ASCII and accented prompts)."""
    import open_clip

    reference = open_clip.get_tokenizer("ViT-L-14")
    for text in TOKENIZER_CASES[:10] + ["highly detailed, 8k, trending on artstation, by greg rutkowski"]:
        ours = tokenizer(text).input_ids
        theirs = [int(i) for i in reference([text])[0] if i != 0][: len(ours)]
        if text.strip() and "<|" not in text:
            assert ours == theirs, (text, ours, theirs)
    print("  vocabulary agrees with open_clip's tokenizer")


# MARK: weight names


def weights_group(out: Path) -> None:
    """Every parameter name and shape diffusers/transformers build for the real configs under Fixtures/configs
    (built on the meta device: no memory, no weights), one `name d0,d1,…` line each, sorted: the oracle for strict
    loading and for the module tree's names.

    Checkpoint spellings differ from what the current libraries build in two known places, which the loader's one
    name-mapping file must accept: text encoders saved by transformers 4.x prefix every name with `text_model.` and
    may carry the buffer `text_model.embeddings.position_ids` (transformers 5 saves neither); and older VAE
    checkpoints name the mid-block attention `query`/`key`/`value`/`proj_attn` where diffusers builds
    `to_q`/`to_k`/`to_v`/`to_out.0` (diffusers renames them on load)."""
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    configs = FIXTURES / "configs"
    builders = {
        "unet": lambda cfg: UNet2DConditionModel.from_config(cfg),
        "vae": lambda cfg: AutoencoderKL.from_config(cfg),
        "text_encoder": lambda cfg: CLIPTextModel(CLIPTextConfig.from_dict(cfg)),
    }
    out.mkdir(parents=True, exist_ok=True)
    for model in ["sd15", "sd21", "x4-upscaler"]:
        for component, build in builders.items():
            config = json.loads((configs / model / component / "config.json").read_text())
            with torch.device("meta"):
                module = build(config)
            lines = [f"{name} {','.join(str(d) for d in tensor.shape)}"
                     for name, tensor in sorted(module.state_dict().items())]
            path = out / f"{model}-{component}.txt"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(f"  {path.relative_to(REPO)} ({len(lines)} tensors)")


# MARK: main

GROUPS = {
    "safetensors": safetensors_group,
    "tokenizer": tokenizer_group,
    "weights": weights_group,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=sorted(GROUPS), help="regenerate only this group")
    args = parser.parse_args()
    for name in args.only or GROUPS:
        print(f"{name}:")
        GROUPS[name](FIXTURES / name)


if __name__ == "__main__":
    main()
