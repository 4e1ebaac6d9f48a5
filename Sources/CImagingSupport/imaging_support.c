// See imaging_support.h: every libpng/libjpeg call is made here, under a setjmp set by the calling function.
#include "imaging_support.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <jpeglib.h>
#include <jerror.h>

static void set_error(char *err, const char *message) {
    if (!err) return;
    snprintf(err, DBR_ERR_LEN, "%s", message ? message : "unknown error");
}

// MARK: - PNG decoding

struct dbr_png {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t position;
    char message[DBR_ERR_LEN];
    char warning[DBR_ERR_LEN];
};

// libpng often explains a fatal error in the warning just before it ("Image width exceeds user limit in
// IHDR", then "Invalid IHDR data"): report both.
static void png_error_handler(png_structp png, png_const_charp message) {
    struct dbr_png *p = (struct dbr_png *)png_get_error_ptr(png);
    if (p->warning[0]) {
        snprintf(p->message, sizeof p->message, "%s (%s)", message, p->warning);
    } else {
        snprintf(p->message, sizeof p->message, "%s", message);
    }
    png_longjmp(png, 1);
}

// Ancillary-chunk complaints (odd iCCP profiles, bad tEXt CRCs) are common in real files and harmless to
// pixels: keep the last one for context, print nothing.
static void png_read_warning_handler(png_structp png, png_const_charp message) {
    struct dbr_png *p = (struct dbr_png *)png_get_error_ptr(png);
    snprintf(p->warning, sizeof p->warning, "%s", message);
}

static void png_warning_handler(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void png_read_from_memory(png_structp png, png_bytep out, png_size_t length) {
    struct dbr_png *p = (struct dbr_png *)png_get_io_ptr(png);
    if (length > p->size - p->position) {
        png_error(png, "truncated file (data ends before the image does)");
    }
    memcpy(out, p->data + p->position, length);
    p->position += length;
}

int dbr_png_open(const uint8_t *data, size_t size, uint32_t max_dimension, dbr_png **out, dbr_png_info *info,
                 char *err) {
    *out = NULL;
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        set_error(err, "not a PNG file (bad signature)");
        return -1;
    }
    struct dbr_png *p = calloc(1, sizeof *p);
    if (!p) {
        set_error(err, "out of memory");
        return -1;
    }
    p->data = data;
    p->size = size;
    p->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, p, png_error_handler, png_read_warning_handler);
    if (!p->png) {
        free(p);
        set_error(err, "out of memory");
        return -1;
    }
    p->info = png_create_info_struct(p->png);
    if (!p->info) {
        png_destroy_read_struct(&p->png, NULL, NULL);
        free(p);
        set_error(err, "out of memory");
        return -1;
    }
    *out = p;
    if (setjmp(png_jmpbuf(p->png))) {
        set_error(err, p->message);
        return -1;
    }
    png_set_read_fn(p->png, p, png_read_from_memory);
    png_set_user_limits(p->png, max_dimension, max_dimension);
    png_read_info(p->png, p->info);

    png_uint_32 width, height;
    int bit_depth, color_type, interlace;
    png_get_IHDR(p->png, p->info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    info->source_color_type = color_type;
    info->source_bit_depth = bit_depth;
    info->interlaced = interlace != PNG_INTERLACE_NONE;
    info->has_trns = png_get_valid(p->png, p->info, PNG_INFO_tRNS) != 0;

    // Palettes to RGB, gray below 8 bits to 8, tRNS to an alpha channel; 16-bit samples stay 16-bit.
    png_set_expand(p->png);
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(p->png);
    }
    png_set_interlace_handling(p->png);
    png_read_update_info(p->png, p->info);

    info->width = png_get_image_width(p->png, p->info);
    info->height = png_get_image_height(p->png, p->info);
    info->channels = png_get_channels(p->png, p->info);
    info->bit_depth = png_get_bit_depth(p->png, p->info);
    info->row_bytes = png_get_rowbytes(p->png, p->info);
    return 0;
}

int dbr_png_read_rows(dbr_png *p, uint8_t *rows, size_t row_stride, uint32_t count, char *err) {
    if (setjmp(png_jmpbuf(p->png))) {
        set_error(err, p->message);
        return -1;
    }
    for (uint32_t y = 0; y < count; y++) {
        png_read_row(p->png, rows + (size_t)y * row_stride, NULL);
    }
    return 0;
}

int dbr_png_read_image(dbr_png *p, uint8_t *buffer, size_t row_stride, char *err) {
    uint32_t height = png_get_image_height(p->png, p->info);
    png_bytepp rows = malloc(sizeof(png_bytep) * (height ? height : 1));
    if (!rows) {
        set_error(err, "out of memory");
        return -1;
    }
    for (uint32_t y = 0; y < height; y++) rows[y] = buffer + (size_t)y * row_stride;
    // `rows` is only read after setjmp returns, never modified, so it keeps its value.
    if (setjmp(png_jmpbuf(p->png))) {
        free(rows);
        set_error(err, p->message);
        return -1;
    }
    png_read_image(p->png, rows);
    free(rows);
    return 0;
}

int dbr_png_finish(dbr_png *p, uint8_t *exif, size_t exif_capacity, size_t *exif_length, char *err) {
    *exif_length = 0;
    if (setjmp(png_jmpbuf(p->png))) {
        set_error(err, p->message);
        return -1;
    }
    png_read_end(p->png, p->info);
#ifdef PNG_eXIf_SUPPORTED
    png_bytep chunk = NULL;
    png_uint_32 length = 0;
    if (png_get_eXIf_1(p->png, p->info, &length, &chunk) != 0 && chunk && length > 0) {
        *exif_length = length;
        memcpy(exif, chunk, length < exif_capacity ? length : exif_capacity);
    }
#endif
    return 0;
}

void dbr_png_close(dbr_png *p) {
    if (!p) return;
    png_destroy_read_struct(&p->png, &p->info, NULL);
    free(p);
}

// MARK: - JPEG decoding

struct dbr_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    int warnings;
    char first_warning[JMSG_LENGTH_MAX];
};

struct dbr_jpeg {
    struct jpeg_decompress_struct cinfo;
    struct dbr_jpeg_error error;
    struct jpeg_progress_mgr progress;
    int max_scans;
    int created;
};

// libjpeg's default error_exit calls exit(); ours jumps back to the dbr_ function that made the call.
static void jpeg_error_exit(j_common_ptr cinfo) {
    struct dbr_jpeg_error *e = (struct dbr_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->message);
    longjmp(e->jump, 1);
}

static void jpeg_emit_message(j_common_ptr cinfo, int level) {
    struct dbr_jpeg_error *e = (struct dbr_jpeg_error *)cinfo->err;
    if (level >= 0) return;  // trace messages
    if (e->pub.msg_code == JWRN_JPEG_EOF || e->pub.msg_code == JWRN_HIT_MARKER) {
        // The file, or its compressed image data, ends before the image does (a cut-off download, or a header
        // claiming more pixels than were written). libjpeg would paint the rest grey and carry on; a
        // half-grey photo is not training data, and stopping here bounds the time and memory such a file costs.
        snprintf(e->message, sizeof e->message, "truncated file (JPEG data ends before the image does)");
        longjmp(e->jump, 1);
    }
    if (e->warnings == 0) (*cinfo->err->format_message)(cinfo, e->first_warning);
    e->warnings++;
    e->pub.num_warnings++;
}

// A progressive JPEG may declare thousands of tiny scans, each costing a pass over the image: cap them.
static void jpeg_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    struct dbr_jpeg *j = (struct dbr_jpeg *)cinfo->client_data;
    if (j->cinfo.input_scan_number > j->max_scans) {
        struct dbr_jpeg_error *e = &j->error;
        snprintf(e->message, sizeof e->message, "too many progressive scans (more than %d)", j->max_scans);
        longjmp(e->jump, 1);
    }
}

int dbr_jpeg_open(const uint8_t *data, size_t size, int max_scans, dbr_jpeg **out, dbr_jpeg_info *info, char *err) {
    *out = NULL;
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8) {
        set_error(err, "not a JPEG file (bad signature)");
        return -1;
    }
    struct dbr_jpeg *j = calloc(1, sizeof *j);
    if (!j) {
        set_error(err, "out of memory");
        return -1;
    }
    *out = j;
    j->max_scans = max_scans;
    j->cinfo.err = jpeg_std_error(&j->error.pub);
    j->error.pub.error_exit = jpeg_error_exit;
    j->error.pub.emit_message = jpeg_emit_message;
    if (setjmp(j->error.jump)) {
        set_error(err, j->error.message);
        return -1;
    }
    jpeg_create_decompress(&j->cinfo);
    j->created = 1;
    j->cinfo.client_data = j;
    j->progress.progress_monitor = jpeg_progress;
    j->cinfo.progress = &j->progress;
    jpeg_mem_src(&j->cinfo, data, (unsigned long)size);
    jpeg_read_header(&j->cinfo, TRUE);
    info->width = j->cinfo.image_width;
    info->height = j->cinfo.image_height;
    info->components = j->cinfo.num_components;
    info->color_space = (int)j->cinfo.jpeg_color_space;
    info->progressive = j->cinfo.progressive_mode ? 1 : 0;
    return 0;
}

int dbr_jpeg_start(dbr_jpeg *j, int gray, char *err) {
    if (setjmp(j->error.jump)) {
        set_error(err, j->error.message);
        return -1;
    }
    j->cinfo.out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&j->cinfo);
    return 0;
}

int dbr_jpeg_read_rows(dbr_jpeg *j, uint8_t *rows, size_t row_stride, uint32_t count, uint32_t *got, char *err) {
    *got = 0;
    if (setjmp(j->error.jump)) {
        set_error(err, j->error.message);
        return -1;
    }
    uint32_t done = 0;
    while (done < count && j->cinfo.output_scanline < j->cinfo.output_height) {
        JSAMPROW row = rows + (size_t)done * row_stride;
        done += jpeg_read_scanlines(&j->cinfo, &row, 1);
        *got = done;
    }
    return 0;
}

int dbr_jpeg_finish(dbr_jpeg *j, char *err) {
    if (setjmp(j->error.jump)) {
        set_error(err, j->error.message);
        return -1;
    }
    jpeg_finish_decompress(&j->cinfo);
    return 0;
}

int dbr_jpeg_warnings(const dbr_jpeg *j, char *first) {
    if (first) snprintf(first, DBR_ERR_LEN, "%s", j->error.warnings ? j->error.first_warning : "");
    return j->error.warnings;
}

void dbr_jpeg_close(dbr_jpeg *j) {
    if (!j) return;
    if (j->created) jpeg_destroy_decompress(&j->cinfo);
    free(j);
}

// MARK: - PNG encoding

struct dbr_buffer {
    uint8_t *bytes;
    size_t size;
    size_t capacity;
    int failed;
};

static void png_write_to_buffer(png_structp png, png_bytep data, png_size_t length) {
    struct dbr_buffer *b = (struct dbr_buffer *)png_get_io_ptr(png);
    if (b->size + length > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 4096;
        while (capacity < b->size + length) capacity *= 2;
        uint8_t *grown = realloc(b->bytes, capacity);
        if (!grown) png_error(png, "out of memory");
        b->bytes = grown;
        b->capacity = capacity;
    }
    memcpy(b->bytes + b->size, data, length);
    b->size += length;
}

static void png_flush_nothing(png_structp png) { (void)png; }

struct dbr_png_writer {
    png_structp png;
    png_infop info;
    struct dbr_buffer buffer;
    char message[DBR_ERR_LEN];
};

static void png_write_error_handler(png_structp png, png_const_charp message) {
    struct dbr_png_writer *w = (struct dbr_png_writer *)png_get_error_ptr(png);
    snprintf(w->message, sizeof w->message, "%s", message);
    png_longjmp(png, 1);
}

int dbr_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int compression_level,
                   uint8_t **out, size_t *out_size, char *err) {
    *out = NULL;
    *out_size = 0;
    if (channels != 3 && channels != 4) {
        set_error(err, "PNG encoding takes 3 (RGB) or 4 (RGBA) channels");
        return -1;
    }
    struct dbr_png_writer *w = calloc(1, sizeof *w);
    if (!w) {
        set_error(err, "out of memory");
        return -1;
    }
    w->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, w, png_write_error_handler, png_warning_handler);
    if (w->png) w->info = png_create_info_struct(w->png);
    if (!w->png || !w->info) {
        png_destroy_write_struct(&w->png, NULL);
        free(w);
        set_error(err, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(w->png))) {
        set_error(err, w->message);
        png_destroy_write_struct(&w->png, &w->info);
        free(w->buffer.bytes);
        free(w);
        return -1;
    }
    png_set_write_fn(w->png, &w->buffer, png_write_to_buffer, png_flush_nothing);
    png_set_compression_level(w->png, compression_level);
    png_set_IHDR(w->png, w->info, width, height, 8, channels == 4 ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(w->png, w->info);
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(w->png, (png_const_bytep)(pixels + (size_t)y * width * channels));
    }
    png_write_end(w->png, w->info);
    *out = w->buffer.bytes;
    *out_size = w->buffer.size;
    png_destroy_write_struct(&w->png, &w->info);
    free(w);
    return 0;
}

// MARK: - JPEG encoding

struct dbr_jpeg_writer {
    struct jpeg_compress_struct cinfo;
    struct dbr_jpeg_error error;
    unsigned char *bytes;
    unsigned long size;
};

int dbr_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int components, int quality,
                    int chroma_444, uint8_t **out, size_t *out_size, char *err) {
    *out = NULL;
    *out_size = 0;
    if (components != 1 && components != 3) {
        set_error(err, "JPEG encoding takes 1 (gray) or 3 (RGB) channels");
        return -1;
    }
    struct dbr_jpeg_writer *w = calloc(1, sizeof *w);
    if (!w) {
        set_error(err, "out of memory");
        return -1;
    }
    w->cinfo.err = jpeg_std_error(&w->error.pub);
    w->error.pub.error_exit = jpeg_error_exit;
    w->error.pub.emit_message = jpeg_emit_message;
    if (setjmp(w->error.jump)) {
        set_error(err, w->error.message);
        jpeg_destroy_compress(&w->cinfo);
        free(w->bytes);
        free(w);
        return -1;
    }
    jpeg_create_compress(&w->cinfo);
    jpeg_mem_dest(&w->cinfo, &w->bytes, &w->size);
    w->cinfo.image_width = width;
    w->cinfo.image_height = height;
    w->cinfo.input_components = components;
    w->cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&w->cinfo);
    jpeg_set_quality(&w->cinfo, quality, TRUE);
    if (chroma_444 && components == 3) {
        w->cinfo.comp_info[0].h_samp_factor = 1;
        w->cinfo.comp_info[0].v_samp_factor = 1;
    }
    jpeg_start_compress(&w->cinfo, TRUE);
    while (w->cinfo.next_scanline < w->cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)w->cinfo.next_scanline * width * components);
        jpeg_write_scanlines(&w->cinfo, &row, 1);
    }
    jpeg_finish_compress(&w->cinfo);
    *out = w->bytes;
    *out_size = w->size;
    jpeg_destroy_compress(&w->cinfo);
    free(w);
    return 0;
}

void dbr_free(void *pointer) { free(pointer); }
