// The unfold/fold steps of convolution on sgemm. Plain copies and sums in a fixed order: every clone gives the
// same bits, and small images (8×8, 16×16 rows of 8–16 floats) pay no per-row call overhead.
#pragma once
#include <stddef.h>

// One convolution's geometry over a C×H×W image; ho and wo are the output height and width.
typedef struct {
    int c, h, w, kh, kw, stride, pad, ho, wo;
} ek_conv_geometry;

// Unfolds rows [row_begin, row_end) of the column matrix (row = (channel·kh + ky)·kw + kx, Ho·Wo values each,
// rows ld apart) from image x; zero where the kernel overhangs the image.
void ek_im2col(const float *x, float *col, ptrdiff_t ld, ek_conv_geometry g, int row_begin, int row_end);

// Folds the column matrix back into channels [ch_begin, ch_end) of dx (overwritten), adding overlapping
// kernel offsets in a fixed order.
void ek_col2im(const float *col, float *dx, ptrdiff_t ld, ek_conv_geometry g, int ch_begin, int ch_end);
