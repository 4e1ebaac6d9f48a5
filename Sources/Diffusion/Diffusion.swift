// diffusers/transformers-compatible models land here (issue: models).
import Tensor
