// Module Diffusion: diffusers/transformers-compatible models. Knows nothing about pipelines.
//
// The safetensors format itself is module SafeTensors; ModelFolder/ finds a component's weights in it.
// Tokenizer/    CLIP BPE exactly as transformers' CLIPTokenizer.
// Configs/      config.json of each component as Codable structs with diffusers' names; unsupported values are
//               errors naming the field and the value (policy: ConfigKeyRule).
// Models, schedulers and sampling land beside these (issue 4), on the engine in module Tensor.
import Tensor
