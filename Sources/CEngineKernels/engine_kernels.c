#include "engine_kernels.h"
#include <stdint.h>
#include <string.h>

#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// e^x as FastMath.exp in Swift: clamp, round x·log2(e) with the 1.5·2^23 trick, degree-6 Taylor on the
// remainder, scale by 2^n built from the rounded value's low mantissa bits.
static inline float fexp(float x) {
    float xc = x < -87.3f ? -87.3f : x;
    xc = xc > 88.7f ? 88.7f : xc;
    const float magic = 12582912.0f;
    float shifted = xc * 1.44269504f + magic;
    float n = shifted - magic;
    float r = xc - n * 0.693145751953125f - n * 1.4286068e-6f;
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1;
    p = p * r + 1;
    uint32_t bits, magicBits;
    memcpy(&bits, &shifted, 4);
    memcpy(&magicBits, &magic, 4);
    uint32_t sbits = (bits - magicBits + 127u) << 23;
    float scale;
    memcpy(&scale, &sbits, 4);
    return p * scale;
}

static inline float fsigmoid(float x) { return 1 / (1 + fexp(-x)); }

static inline float ftanh(float x) {
    float ax = x < 0 ? -x : x;
    float e = fexp(-2 * ax);
    float t = (1 - e) / (1 + e);
    return x < 0 ? -t : t;
}

// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7), odd extension for x < 0.
static inline float ferf(float x) {
    float ax = x < 0 ? -x : x;
    float t = 1 / (1 + 0.3275911f * ax);
    float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    float y = 1 - poly * fexp(-(ax * ax));
    return x < 0 ? -y : y;
}

CLONES void ek_gelu(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1 + ferf(x[i] * 0.70710678f));
}

CLONES void ek_gelu_backward(const float *restrict g, const float *restrict x, float *restrict dx, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float v = x[i];
        dx[i] = g[i] * (0.5f * (1 + ferf(v * 0.70710678f)) + v * 0.39894228f * fexp(-0.5f * v * v));
    }
}

// GEGLU over rows of 2·half values: out = value · GELU(gate), value the first half and gate the second.
CLONES void ek_geglu(const float *restrict x, float *restrict y, ptrdiff_t rows, ptrdiff_t half) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *xr = x + r * 2 * half;
        float *yr = y + r * half;
        for (ptrdiff_t j = 0; j < half; j++) {
            float a = xr[j], g = xr[half + j];
            yr[j] = a * g * (0.5f * (1 + ferf(g * 0.70710678f)));
        }
    }
}

CLONES void ek_geglu_backward(const float *restrict x, const float *restrict gy, float *restrict dx, ptrdiff_t rows,
                              ptrdiff_t half) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *xr = x + r * 2 * half, *go = gy + r * half;
        float *dr = dx + r * 2 * half;
        for (ptrdiff_t j = 0; j < half; j++) {
            float a = xr[j], g = xr[half + j];
            float cdf = 0.5f * (1 + ferf(g * 0.70710678f));
            dr[j] = go[j] * g * cdf;
            dr[half + j] = go[j] * a * (cdf + g * 0.39894228f * fexp(-0.5f * g * g));  // d/dg [g·Φ(g)] = Φ + g·φ
        }
    }
}

static const float kGeluK = 0.79788456f, kGeluC = 0.044715f;

CLONES void ek_exp(const float *restrict x, float *restrict y, ptrdiff_t n, float shift) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = fexp(x[i] - shift);
}

CLONES void ek_exp_inplace(float *p, ptrdiff_t n, float shift) {
    for (ptrdiff_t i = 0; i < n; i++) p[i] = fexp(p[i] - shift);
}

CLONES float ek_exp_inplace_sum(float *p, ptrdiff_t n, float shift) {
    float acc[16] = {0};
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        for (int j = 0; j < 16; j++) {
            float e = fexp(p[i + j] - shift);
            p[i + j] = e;
            acc[j] += e;
        }
    }
    float tail = 0;
    for (; i < n; i++) {
        float e = fexp(p[i] - shift);
        p[i] = e;
        tail += e;
    }
    float s = 0;
    for (int j = 0; j < 16; j++) s += acc[j];
    return s + tail;
}

CLONES void ek_softmax_backward_row(float *restrict s, float *restrict dp, ptrdiff_t n, float lse, float dot) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float p = fexp(s[i] - lse);
        s[i] = p;
        dp[i] = p * (dp[i] - dot);
    }
}

CLONES void ek_sigmoid(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = fsigmoid(x[i]);
}

CLONES void ek_tanh(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = ftanh(x[i]);
}

CLONES void ek_silu(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] * fsigmoid(x[i]);
}

CLONES void ek_silu_backward(const float *restrict g, const float *restrict x, float *restrict dx, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float s = fsigmoid(x[i]);
        dx[i] = g[i] * (s * (1 + x[i] * (1 - s)));
    }
}

CLONES void ek_silu_inplace(float *p, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) p[i] = p[i] * fsigmoid(p[i]);
}

CLONES void ek_silu_backward_inplace(const float *restrict g, float *restrict xd, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float s = fsigmoid(xd[i]);
        xd[i] = g[i] * (s * (1 + xd[i] * (1 - s)));
    }
}

CLONES void ek_gelu_tanh(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = 0.5f * v * (1 + ftanh(kGeluK * (v + kGeluC * v * v * v)));
    }
}

CLONES void ek_gelu_tanh_backward(const float *restrict g, const float *restrict x, float *restrict dx, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float v = x[i];
        float t = ftanh(kGeluK * (v + kGeluC * v * v * v));
        dx[i] = g[i] * (0.5f * (1 + t) + 0.5f * v * (1 - t * t) * kGeluK * (1 + 3 * kGeluC * v * v));
    }
}

CLONES void ek_quick_gelu(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] * fsigmoid(1.702f * x[i]);
}

CLONES void ek_quick_gelu_backward(const float *restrict g, const float *restrict x, float *restrict dx, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float s = fsigmoid(1.702f * x[i]);
        dx[i] = g[i] * (s + 1.702f * x[i] * s * (1 - s));
    }
}
