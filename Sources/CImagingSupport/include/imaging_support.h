// C side of the image codecs. libpng and libjpeg report fatal errors by longjmp; every libpng/libjpeg call
// happens inside these functions, each of which sets its own setjmp first, so no longjmp ever crosses a Swift
// frame. Functions return 0 on success and -1 on failure with a message in `err` (always NUL-terminated).
#ifndef DBRUN_IMAGING_SUPPORT_H
#define DBRUN_IMAGING_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#define DBR_ERR_LEN 200

// MARK: PNG decoding

typedef struct dbr_png dbr_png;

typedef struct {
    uint32_t width;
    uint32_t height;
    /// Channels of the rows handed out: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (palettes and tRNS expanded).
    int channels;
    /// 8 or 16; 16-bit samples are handed out in host byte order.
    int bit_depth;
    /// The file's own IHDR colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA) and bit depth.
    int source_color_type;
    int source_bit_depth;
    int interlaced;
    int has_trns;
    /// Bytes per handed-out row.
    size_t row_bytes;
} dbr_png_info;

/// Reads the signature and header chunks. The image is refused (before any pixel buffer exists) when either side
/// exceeds `max_dimension`. `data` must stay alive until `dbr_png_close`.
int dbr_png_open(const uint8_t *data, size_t size, uint32_t max_dimension, dbr_png **out, dbr_png_info *info,
                 char *err);
/// Non-interlaced images: reads the next `count` rows, each `row_stride` bytes apart.
int dbr_png_read_rows(dbr_png *png, uint8_t *rows, size_t row_stride, uint32_t count, char *err);
/// Interlaced images need the whole image at once: `buffer` holds height rows of `row_stride` bytes.
int dbr_png_read_image(dbr_png *png, uint8_t *buffer, size_t row_stride, char *err);
/// Reads the chunks after the image data up to IEND (checks their CRCs) and copies an eXIf chunk, if any,
/// into `exif` (up to `exif_capacity` bytes; `exif_length` gets its full length, 0 when absent).
int dbr_png_finish(dbr_png *png, uint8_t *exif, size_t exif_capacity, size_t *exif_length, char *err);
void dbr_png_close(dbr_png *png);

// MARK: JPEG decoding

typedef struct dbr_jpeg dbr_jpeg;

typedef struct {
    uint32_t width;
    uint32_t height;
    int components;
    /// libjpeg's J_COLOR_SPACE of the file: 1 gray, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK.
    int color_space;
    int progressive;
} dbr_jpeg_info;

/// Reads the markers up to the first scan. A file that ends early is an error (libjpeg would pad it with grey).
int dbr_jpeg_open(const uint8_t *data, size_t size, int max_scans, dbr_jpeg **out, dbr_jpeg_info *info, char *err);
/// Starts decompression to 8-bit RGB (3 components) or gray (1) rows.
int dbr_jpeg_start(dbr_jpeg *jpeg, int gray, char *err);
/// Reads up to `count` rows; `got` receives how many were read.
int dbr_jpeg_read_rows(dbr_jpeg *jpeg, uint8_t *rows, size_t row_stride, uint32_t count, uint32_t *got, char *err);
int dbr_jpeg_finish(dbr_jpeg *jpeg, char *err);
/// Warnings libjpeg emitted (corrupt but decodable data), and the first one's text.
int dbr_jpeg_warnings(const dbr_jpeg *jpeg, char *first);
void dbr_jpeg_close(dbr_jpeg *jpeg);

// MARK: Encoding

/// 8-bit RGB (3) or RGBA (4) interleaved pixels to PNG bytes. Deterministic: no time or text chunks.
/// `*out` is malloc'ed; free it with `dbr_free`.
int dbr_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int compression_level,
                   uint8_t **out, size_t *out_size, char *err);
/// 8-bit RGB (3) or gray (1) interleaved pixels to baseline JPEG bytes at `quality` (1–100);
/// `chroma_444` keeps full-resolution colour (otherwise 4:2:0, libjpeg's and Pillow's default).
int dbr_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int components, int quality,
                    int chroma_444, uint8_t **out, size_t *out_size, char *err);
void dbr_free(void *pointer);

#endif
