#include "conv_kernels.h"

#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// The output columns o whose input index o·stride − pad + k lies inside 0..<size.
static inline void valid_range(int size, int out, int k, int stride, int pad, int *lo, int *hi) {
    int l = pad - k > 0 ? (pad - k + stride - 1) / stride : 0;
    int last = size - 1 + pad - k;
    int h = last < 0 ? 0 : last / stride + 1;
    if (h > out) h = out;
    *lo = l;
    *hi = h < l ? l : h;
}

// Stride 1 with the output the size of the input ("same" padding, the 3×3 convolutions of a UNet): row (ky, kx)
// is the image plane shifted by off = dy·w + dx, so it is one block copy plus zeros at the ends, then the
// |dx| columns that wrapped around a row edge are zeroed. An invalid row only ever maps inside the plane through
// such a wrapped column, so that covers every overhang.
static inline void im2col_same_row(const float *plane, float *d, int h, int w, int dy, int dx) {
    const ptrdiff_t n = (ptrdiff_t)h * w, off = (ptrdiff_t)dy * w + dx;
    ptrdiff_t lo = off < 0 ? -off : 0, hi = off > 0 ? n - off : n;
    if (hi < lo) hi = lo;
    for (ptrdiff_t p = 0; p < lo; p++) d[p] = 0;
    for (ptrdiff_t p = lo; p < hi; p++) d[p] = plane[p + off];
    for (ptrdiff_t p = hi; p < n; p++) d[p] = 0;
    if (dx == 0) return;
    int first = dx > 0 ? w - dx : 0, last = dx > 0 ? w : -dx;
    if (first < 0) first = 0;
    if (last > w) last = w;
    for (int oy = 0; oy < h; oy++) {
        for (int ox = first; ox < last; ox++) d[(ptrdiff_t)oy * w + ox] = 0;
    }
}

CLONES
void ek_im2col(const float *x, float *col, ptrdiff_t ld, ek_conv_geometry g, int row_begin, int row_end) {
    const int same = g.stride == 1 && g.ho == g.h && g.wo == g.w;
    for (int row = row_begin; row < row_end; row++) {
        int ch = row / (g.kh * g.kw), ky = (row / g.kw) % g.kh, kx = row % g.kw;
        float *d = col + (ptrdiff_t)row * ld;
        const float *plane = x + (ptrdiff_t)ch * g.h * g.w;
        if (same) {
            im2col_same_row(plane, d, g.h, g.w, ky - g.pad, kx - g.pad);
            continue;
        }
        int lo, hi;
        valid_range(g.w, g.wo, kx, g.stride, g.pad, &lo, &hi);
        for (int oy = 0; oy < g.ho; oy++, d += g.wo) {
            int iy = oy * g.stride - g.pad + ky;
            int ox = 0;
            if (iy >= 0 && iy < g.h) {
                const float *s = plane + (ptrdiff_t)iy * g.w;
                const int shift = kx - g.pad;  // output column ox reads input column ox·stride + shift
                for (; ox < lo; ox++) d[ox] = 0;
                if (g.stride == 1) {
                    for (; ox < hi; ox++) d[ox] = s[ox + shift];
                } else {
                    for (; ox < hi; ox++) d[ox] = s[ox * g.stride + shift];
                }
            }
            for (; ox < g.wo; ox++) d[ox] = 0;
        }
    }
}

CLONES
void ek_col2im(const float *col, float *dx, ptrdiff_t ld, ek_conv_geometry g, int ch_begin, int ch_end) {
    for (int ch = ch_begin; ch < ch_end; ch++) {
        float *plane = dx + (ptrdiff_t)ch * g.h * g.w;
        for (ptrdiff_t i = 0; i < (ptrdiff_t)g.h * g.w; i++) plane[i] = 0;
        for (int ky = 0; ky < g.kh; ky++) {
            int ylo, yhi;
            valid_range(g.h, g.ho, ky, g.stride, g.pad, &ylo, &yhi);
            for (int kx = 0; kx < g.kw; kx++) {
                int lo, hi;
                valid_range(g.w, g.wo, kx, g.stride, g.pad, &lo, &hi);
                const float *src = col + ((ptrdiff_t)(ch * g.kh + ky) * g.kw + kx) * ld;
                for (int oy = ylo; oy < yhi; oy++) {
                    float *d = plane + (ptrdiff_t)(oy * g.stride - g.pad + ky) * g.w;
                    const float *s = src + (ptrdiff_t)oy * g.wo;
                    const int shift = kx - g.pad;
                    if (g.stride == 1) {
                        for (int ox = lo; ox < hi; ox++) d[ox + shift] += s[ox];
                    } else {
                        for (int ox = lo; ox < hi; ox++) d[ox * g.stride + shift] += s[ox];
                    }
                }
            }
        }
    }
}
