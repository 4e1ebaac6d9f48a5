// Optimizer updates over one parameter tensor. Same operation order as PyTorch's single-tensor AdamW (and no FMA
// contraction), so every clone gives the same bits as the scalar definition.
#pragma once
#include <stddef.h>

// One AdamW step for n values: p ← p·decay − step_size·m̂/(√v/√bc2 + eps), with m and v updated in place.
void ek_adamw(float *p, const float *g, float *m, float *v, ptrdiff_t n, float decay, float w1, float beta2,
              float w2, float bc2_sqrt, float eps, float step_size);
