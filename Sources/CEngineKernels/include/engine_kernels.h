// Elementwise kernels with run-time ISA dispatch (AVX-512 / AVX2 / baseline clones, chosen by the loader):
// the Swift engine is compiled for baseline x86-64, where transcendental activations are compute-bound.
// Every function computes exactly what the engine's Swift scalar definitions compute (same polynomial, same
// operation order, no FMA contraction), so results do not depend on which clone runs.
#pragma once
#include <stddef.h>

void ek_exp(const float *x, float *y, ptrdiff_t n, float shift);
void ek_exp_inplace(float *p, ptrdiff_t n, float shift);
// p[i] = e^(p[i] − shift), returning Σ p[i] summed in 16 fixed lanes then in order: the same bits for every clone.
float ek_exp_inplace_sum(float *p, ptrdiff_t n, float shift);
// Attention backward, one score row: s[j] = e^(s[j] − lse) (the probabilities), then
// dp[j] = s[j]·(dp[j] − dot) (the score gradient), in one pass.
void ek_softmax_backward_row(float *s, float *dp, ptrdiff_t n, float lse, float dot);
void ek_sigmoid(const float *x, float *y, ptrdiff_t n);
void ek_tanh(const float *x, float *y, ptrdiff_t n);
void ek_silu(const float *x, float *y, ptrdiff_t n);
void ek_silu_backward(const float *g, const float *x, float *dx, ptrdiff_t n);
void ek_silu_inplace(float *p, ptrdiff_t n);
// xd[i] = g[i]·silu'(xd[i]): the pre-activation in, its gradient out.
void ek_silu_backward_inplace(const float *g, float *xd, ptrdiff_t n);
void ek_gelu(const float *x, float *y, ptrdiff_t n);
void ek_gelu_backward(const float *g, const float *x, float *dx, ptrdiff_t n);
void ek_gelu_tanh(const float *x, float *y, ptrdiff_t n);
void ek_gelu_tanh_backward(const float *g, const float *x, float *dx, ptrdiff_t n);
// GEGLU on rows of [value | gate] (2·half floats each): y = value · GELU(gate), and its backward into dx.
void ek_geglu(const float *x, float *y, ptrdiff_t rows, ptrdiff_t half);
void ek_geglu_backward(const float *x, const float *gy, float *dx, ptrdiff_t rows, ptrdiff_t half);
void ek_quick_gelu(const float *x, float *y, ptrdiff_t n);
void ek_quick_gelu_backward(const float *g, const float *x, float *dx, ptrdiff_t n);
