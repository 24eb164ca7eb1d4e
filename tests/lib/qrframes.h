/* qrframes: kiosk-like camera frames holding a QR code, made from a seed.
 *
 * What the door's camera sees is a phone or a sheet of paper held up in
 * front of a 1280x720 or 1920x1080 camera: the code small (a few pixels per
 * module), turned, tilted away, blurred, noisy, under uneven light or a
 * glare spot, on a phone's bright screen inside a dark bezel or on printed
 * paper, in front of a cluttered room. This generator draws such frames
 * from a seed so that the decoder's tests and benchmarks sweep each of
 * these conditions alone and combined, identically on every machine and
 * every run (its own random generator, no rand(); nothing read from files).
 *
 * It lives with the tests because the product must not know it: the
 * decoder in src/scan is never told which condition a frame comes from.
 *
 * Geometry: the code lies on a plane in front of a pinhole camera whose
 * focal length is the frame's width (a webcam's ~53 degree view); the
 * plane is turned in place, then tilted about an axis lying in it, and
 * each pixel is the area mean of the plane points it sees (supersampled),
 * then blurred (Gaussian), lit (a gradient and a glare spot) and given
 * Gaussian sensor noise. */
#ifndef BK_TESTS_QRFRAMES_H
#define BK_TESTS_QRFRAMES_H

#include <stddef.h>
#include <stdint.h>

/* What the code is printed on or shown by. */
enum qrf_medium {
    QRF_BARE = 0, /* the code and its quiet zone straight on the background */
    QRF_SCREEN,   /* a phone: bright screen around the code, dark bezel around it */
    QRF_PAPER,    /* a printed sheet: paper around the code, lines of print on it */
};

/* One frame's look. Every field is used as given; qrf_condition_look
 * fills one from a condition and a frame number. */
struct qrf_look {
    int w, h;               /* frame size, pixels */
    double module;          /* pixels per module where the code's centre is */
    double angle;           /* in-plane rotation, degrees */
    double tilt;            /* out-of-plane tilt, degrees (0: facing the camera) */
    double tilt_axis;       /* direction of the tilt axis in the plane, degrees */
    double cx, cy;          /* where the code's centre falls, as fractions of w and h */
    double blur;            /* Gaussian blur sigma, pixels (0: none) */
    double noise;           /* Gaussian noise sigma, grey levels */
    double gradient;        /* light falls by this fraction across the frame (0..1) */
    double gradient_dir;    /* the direction it falls, degrees */
    double glare;           /* strength of a glare spot over the code (0..1) */
    double glare_x, glare_y; /* the spot's centre, in modules from the code's centre */
    int dark, light;        /* grey of dark and light modules before lighting */
    enum qrf_medium medium;
    int length;             /* payload characters; 0: no code at all, the room only */
    char ec;                /* error correction: 'L', 'M', 'Q' or 'H' */
    int version;            /* 0: the smallest that fits; else at least this */
    uint64_t seed;          /* payload, background clutter and noise */
};

/* A generated frame: w*h grey bytes, rows packed; text is the payload
 * (NUL-terminated, len bytes, printable ASCII); version the code's. */
struct qrf_frame {
    uint8_t *px;
    int w, h;
    char *text;
    size_t len;
    int version;
};

/* Draws the frame for look into *out (freed with qrf_frame_clear).
 * Returns 0, or -1 when the payload does not fit a QR code at that level. */
int qrf_render(const struct qrf_look *look, struct qrf_frame *out);
void qrf_frame_clear(struct qrf_frame *f);

/* A named condition: a base look and how frames vary within it. */
struct qrf_condition {
    const char *name;  /* "rotated 25 deg", for tables */
    const char *group; /* "module size", "rotation", ... for grouping */
    struct qrf_look base;
    unsigned vary; /* QRF_VARY_* bits: what each frame draws from its seed */
};

#define QRF_VARY_MIX 1u   /* a kiosk mix: module, angle, tilt, blur, noise, glare, medium drawn */
#define QRF_VARY_HARD 2u  /* with QRF_VARY_MIX: the harder end of every range */
#define QRF_VARY_LARGE 4u /* a version 20-40 code filling most of the frame */

/* The sweep: each condition alone, then combined. */
extern const struct qrf_condition qrf_conditions[];
extern const size_t qrf_n_conditions;

/* The look of frame number index of condition c, drawn from seed: the
 * position in the frame, the sign and a little jitter of the angle, the
 * tilt's axis, the payload, and for mixes every variable in its range.
 * The same (c, seed, index) always gives the same look. */
void qrf_condition_look(const struct qrf_condition *c, uint64_t seed, int index,
                        struct qrf_look *out);

#endif
