/* source: where frames come from, and QR codes found in them off the UI thread.
 *
 * A source is a camera (zbar's video API on a V4L2 device) or a replay of
 * the PNG/JPEG images in a folder, looped at a fixed frame rate for the demo
 * and tests. Both feed one worker thread through the same path: it keeps the
 * newest grey frame for the live preview, decodes each frame (QR only, raw
 * bytes, see decode.h) and queues every code the moment it appears, plus
 * status news (camera missing, lost mid-stream, back). The UI polls both
 * queues without ever blocking on the camera or the decoder.
 *
 * Threading: source_*_new starts the worker; every other function may be
 * called from one other thread (the UI's) at any time until source_free,
 * which stops and joins the worker. Nothing here prints. No SDL here. */
#ifndef BK_SCAN_SOURCE_H
#define BK_SCAN_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define SOURCE_DEFAULT_DEVICE "/dev/video0"
#define SOURCE_CODE_MAX 4096   /* bytes; no QR code holds more, longer reads are dropped */
#define SOURCE_CODE_QUEUE 32   /* codes waiting for the UI; the oldest go first when full */
#define SOURCE_EVENT_QUEUE 64  /* status events waiting for the UI; likewise */
#define SOURCE_REPLAY_MAX 4096 /* images read from one replay folder */

/* Settings for a source. Zero in any field means its default, so
 * `struct source_options o = {0};` (or passing NULL) gives the defaults. */
struct source_options {
    int width, height; /* camera size asked for before open; 1280x720 */
    int fps;           /* replay frame rate; 15 */
    int retry_ms;      /* wait between attempts to (re)open the camera; 2000 */
    int stall_ms;      /* a camera silent this long counts as lost; 5000 */
    int forget_frames; /* a code absent from this many consecutive frames has
                          gone, and is posted again when it reappears; 2
                          (1 would post again after one missed frame: zbar
                          misses single frames of a moving code) */
    /* Test only, replay only: after test_fail_after_frames frames the replay
     * fails as an unplugged camera does (0 = never), and the next
     * test_fail_reopens attempts to reopen it fail too, before it works
     * again. It goes through the same status path as V4L2 errors, so the
     * "camera lost / back" handling is tested on machines without a camera.
     * Happens once per source. */
    unsigned test_fail_after_frames;
    unsigned test_fail_reopens;
};

/* Status news, in the order it happened. */
enum source_event_kind {
    SOURCE_EVENT_STARTED, /* the first frames are coming */
    SOURCE_EVENT_MISSING, /* the camera cannot be opened (retried every retry_ms) */
    SOURCE_EVENT_LOST,    /* the camera failed mid-stream (unplugged); retried */
    SOURCE_EVENT_BACK,    /* frames are coming again after MISSING or LOST */
    SOURCE_EVENT_SKIPPED, /* a replay file is not a readable image; the others play */
};

struct source_event {
    enum source_event_kind kind;
    /* A translated message naming the device or file (detail.file), for the
     * staff-facing notice or the log; status is BK_OK for STARTED and BACK. */
    struct bk_err detail;
};

/* The state now, for a staff status screen. */
enum source_state {
    SOURCE_STATE_STARTING, /* nothing tried yet */
    SOURCE_STATE_RUNNING,
    SOURCE_STATE_MISSING,
    SOURCE_STATE_LOST,
};

struct source_info {
    enum source_state state;
    uint64_t frames;         /* frames taken so far (the latest frame's counter) */
    unsigned open_attempts;  /* successful or not, the first one included */
    uint64_t codes_dropped;  /* codes lost because the UI did not poll in time */
    uint64_t events_dropped; /* likewise for status events */
};

/* One decoded code, as raw bytes. */
struct source_code {
    uint8_t *data; /* len bytes plus a NUL not counted; the caller's after a poll */
    size_t len;
    uint64_t frame; /* counter of the frame it appeared in */
    double frame_ms; /* when that frame was taken, CLOCK_MONOTONIC milliseconds */
};

/* A grey frame copied out for the preview: width*height bytes, stride ==
 * width. pixels is the caller's: reused and grown by source_latest_frame,
 * freed by source_frame_clear. Start from `struct source_frame f = {0};`. */
struct source_frame {
    uint8_t *pixels;
    size_t cap; /* bytes allocated at pixels */
    int width, height;
    uint64_t counter; /* 1 for the first frame, one more for each frame after */
};

struct source;

/* Starts a camera source on device (NULL: SOURCE_DEFAULT_DEVICE). A missing
 * or failing camera is not an error here: it is reported as events and
 * retried until source_free, so the kiosk runs on with a USB scanner. Fails
 * only for bad options or when the decoder or thread cannot start. */
enum bk_status source_camera_new(const char *device, const struct source_options *opt,
                                 struct source **out, struct bk_err *err);

/* Starts a replay of the *.png, *.jpg and *.jpeg files in dir (not its
 * subfolders), in byte order of their names, looped forever at opt->fps.
 * Each is read once, now, as grey. An unreadable file is skipped and queued
 * as a SOURCE_EVENT_SKIPPED naming it. Fails (naming dir) when the folder
 * cannot be read, holds no such file, or none of them is readable. */
enum bk_status source_replay_new(const char *dir, const struct source_options *opt,
                                 struct source **out, struct bk_err *err);

/* Stops the worker and waits for it (it checks at least every 100 ms, plus
 * the decode of a frame in progress), then frees everything, queued codes
 * included. NULL does nothing. */
void source_free(struct source *s);

/* Takes the oldest queued code, if any, without waiting: true and *out
 * filled (free out->data with source_code_clear), or false. */
bool source_poll_code(struct source *s, struct source_code *out);
void source_code_clear(struct source_code *c);

/* Takes the oldest queued status event, if any, without waiting. */
bool source_poll_event(struct source *s, struct source_event *out);

/* When the newest frame's counter is above since, copies it into *f and
 * returns true; otherwise leaves *f alone and returns false. Pass the last
 * f->counter seen (0 at first) to copy only frames not yet shown. The copy
 * is made under a lock the worker holds only to store a frame. */
bool source_latest_frame(struct source *s, uint64_t since, struct source_frame *f);
void source_frame_clear(struct source_frame *f);

void source_get_info(struct source *s, struct source_info *out);

#endif
