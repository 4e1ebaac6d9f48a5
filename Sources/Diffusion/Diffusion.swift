// Module Diffusion: diffusers/transformers-compatible models. Knows nothing about pipelines.
//
// SafeTensors/  memory-mapped reading (validated on open), Python-identical writing, sharded archives,
//               component weight discovery and the strict name/shape check.
// Tokenizer/    CLIP BPE exactly as transformers' CLIPTokenizer.
// Configs/      config.json of each component as Codable structs with diffusers' names; unsupported values are
//               errors naming the field and the value (policy: ConfigKeyRule).
// Models, schedulers and sampling land beside these (issue 4), on the engine in module Tensor.
import Tensor
