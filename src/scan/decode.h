/* decode: QR codes out of images, as the raw bytes they hold.
 *
 * zbar reads grey frames (from a camera source, or a PNG/JPEG file here).
 * Only QR is enabled, and zbar's text-encoding guess is turned off
 * (ZBAR_CFG_BINARY): it would turn UTF-8 into mojibake, so callers get the
 * exact bytes and token_verify judges them. zbar does not expose a code's
 * ECI designator, and in binary mode it hands on the bytes as encoded, so
 * telling the text's encoding is the caller's business (scan/text.h does it
 * for display). Nothing here prints.
 *
 * One zbar pass misses codes a change of the image would let it read, so a
 * frame goes through a short list of passes, stopping at the first that
 * reads anything:
 *
 *   1. the frame halved (2x2 mean) while its longer side is over 960 px:
 *      zbar is several times faster on a quarter of the pixels and reads
 *      a code held up to a 720p camera as well or better;
 *   2. the likely code regions (scan/locate.h: an edge-density map of the
 *      full-resolution frame, so halving cannot lose a small code), each
 *      cut out and scaled to about 4.5 pixels per module (bicubic and
 *      sharpened when enlarged, area-averaged when shrunk): small codes,
 *      large frames, and a region's zbar run costs a fraction of a frame's;
 *   3. the same regions through a local threshold about four modules wide
 *      (glare, uneven light, low contrast);
 *   4. the same regions rectified (scan/rectify.h): where finder, timing
 *      and alignment patterns give a code's grid, the code redrawn square
 *      in black and white, 3x3 pixels a module, for zbar to read at half
 *      its scan lines (large codes tilted away from the camera, whose grid
 *      zbar's own estimate loses; light codes on dark); run right after
 *      pass 1 when a region spans a code of many modules (version 20 or
 *      so and up), on which zbar spends long failing in passes 2 and 3;
 *   5. the frame at full size if pass 1 shrank it, else enlarged 1.5x;
 *   6. pass 1's image inverted (light-on-dark codes);
 *   7. pass 1's image through a local mean threshold;
 *   8. pass 1's image blurred 3x3 (noise, JPEG blocks, halftone, moire);
 *   9. another scale: 0.75x of the frame if pass 1 halved it, else half.
 *
 * A frame that holds no code costs every pass, so a budget bounds the
 * worst case: at most max_passes passes (SCAN_MAX_SCANS zbar runs), no
 * pass is started once budget_ms have gone by since the frame's first
 * pass, and a pass is skipped when pass 1's speed says it would end past
 * budget_ms. */
#ifndef BK_SCAN_DECODE_H
#define BK_SCAN_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define SCAN_MAX_PIXELS 40000000L /* images over 40 megapixels are refused */

/* One decoded symbol. data holds len bytes (which may include NUL) plus a
 * terminating NUL not counted in len, for convenience with text. */
struct scan_result {
    uint8_t *data;
    size_t len;
};

/* Every symbol found in one image, in zbar's order; n may be 0. */
struct scan_results {
    struct scan_result *items;
    size_t n;
    int pass;   /* 1-based number of the pass that read them (see above), 0 if none */
    int passes; /* how many passes were run (skipped ones not counted) */
    int scans;  /* zbar runs made: one per pass, one per region in a region pass */
};

#define SCAN_PASSES 9             /* passes in the list above */
#define SCAN_DEFAULT_BUDGET_MS 60 /* under one frame at 15 fps */
#define SCAN_MAX_REGIONS 3        /* likely code regions looked at closely per frame */
/* The most zbar runs one frame can cost, whatever it holds: the budget by
 * count that keeps a frame with no code, or with many, from stalling. */
#define SCAN_MAX_SCANS (SCAN_PASSES - 3 + 3 * SCAN_MAX_REGIONS)

/* The name of pass number pass (1..SCAN_PASSES), untranslated, for
 * benchmarks and logs; "" for any other number. Static storage. */
const char *scan_pass_name(int pass);

void scan_results_free(struct scan_results *r);

/* A zbar image scanner set up for QR, reused from frame to frame. */
struct scan_decoder;

/* A new decoder runs up to SCAN_PASSES passes within
 * SCAN_DEFAULT_BUDGET_MS per frame. */
enum bk_status scan_decoder_new(struct scan_decoder **out, struct bk_err *err);
void scan_decoder_free(struct scan_decoder *d);

/* Sets the per-frame budget: at most max_passes passes (clamped to
 * 1..SCAN_PASSES) and no new pass after budget_ms (0: no time limit, which
 * makes the result independent of the machine's speed, as tests need).
 * The first pass always runs. */
void scan_decoder_set_budget(struct scan_decoder *d, int max_passes, int budget_ms);

/* Decodes a grey image (one byte per pixel, rows stride bytes apart,
 * stride >= w) through the passes above. pixels is only read during the
 * call. On success *out is a new list (maybe empty) the caller frees with
 * scan_results_free. */
enum bk_status scan_decode_grey(struct scan_decoder *d, const uint8_t *pixels, int w, int h,
                                int stride, struct scan_results **out, struct bk_err *err);

/* A grey image read from a file. */
struct scan_grey {
    uint8_t *pixels; /* width * height, stride == width */
    int width, height;
};

/* Reads a PNG or JPEG file (told apart by their first bytes, not by the
 * name) as 8-bit grey; transparency is laid over white. Refuses images over
 * SCAN_MAX_PIXELS (BK_ERR_TOO_BIG). Errors name the file. On success *out
 * is new; free it with scan_grey_free. */
enum bk_status scan_grey_load_new(const char *path, struct scan_grey **out, struct bk_err *err);
void scan_grey_free(struct scan_grey *g);

/* scan_grey_load_new then scan_decode_grey. */
enum bk_status scan_decode_file(struct scan_decoder *d, const char *path, struct scan_results **out,
                                struct bk_err *err);

#endif
