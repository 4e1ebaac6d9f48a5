#include "optimizer_kernels.h"
#include <math.h>

#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

CLONES
void ek_adamw(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, ptrdiff_t n,
              float decay, float w1, float beta2, float w2, float bc2_sqrt, float eps, float step_size) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float gi = g[i];
        float x = p[i] * decay;
        float mi = m[i] + w1 * (gi - m[i]);      // exp_avg.lerp_(grad, 1 − β1)
        float vi = v[i] * beta2 + w2 * gi * gi;  // exp_avg_sq.mul_(β2).addcmul_(g, g, 1 − β2)
        float denom = sqrtf(vi) / bc2_sqrt + eps;
        m[i] = mi;
        v[i] = vi;
        p[i] = x + step_size * (mi / denom);
    }
}
