/* source: a camera or a folder replay feeding one worker thread that keeps
 * the preview frame, decodes, and queues codes and status news for the UI.
 *
 * The two kinds differ only in three file-local operations (open, next
 * frame, close); the worker loop, the status changes, the de-bounce and the
 * queues are shared, so the replay used by the demo and tests exercises the
 * very code the camera runs at the door. One mutex guards what the UI
 * reads; the worker holds it only to copy a frame in or push to a queue,
 * never while waiting for the camera or decoding. */
#include "scan/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <zbar.h>

#include "util/dirlist.h"
#include "util/i18n.h"
#include "util/xalloc.h"
#include "scan/decode.h"

#define POLL_MS 100 /* longest the worker waits without checking for stop */
#define SEEN_MAX 16 /* codes tracked at once for the de-bounce */

/* A code present in recent frames, so it is not posted again each frame. */
struct seen_code {
    uint8_t *data;
    size_t len;
    int absent; /* consecutive frames without it */
    bool hit;   /* in the frame being handled */
};

struct source;

struct source_ops {
    /* Makes frames available; on failure err says why, naming the source. */
    enum bk_status (*open)(struct source *s, struct bk_err *err);
    /* Waits at most about POLL_MS (or the replay's frame period, cut short
     * by source_free) for a frame. BK_OK with *got true: the frame is at
     * s->px (s->w x s->h, packed) until the next call. BK_OK with *got
     * false: none yet. An error means the source was lost. */
    enum bk_status (*next)(struct source *s, bool *got, struct bk_err *err);
    void (*close)(struct source *s);
};

struct source {
    const struct source_ops *ops;
    char *name; /* the device path or the folder */
    struct source_options opt;
    struct scan_decoder *decoder;
    pthread_t thread;
    bool thread_started;

    /* lock guards the fields up to the worker-only ones below; wake is
     * signalled by source_free so the worker's sleeps end at once. */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    uint8_t *latest;
    size_t latest_cap;
    int latest_w, latest_h;
    uint64_t counter;
    struct source_code codes[SOURCE_CODE_QUEUE]; /* ring */
    size_t code_head, code_n;
    struct source_event *events; /* ring of SOURCE_EVENT_QUEUE */
    size_t event_head, event_n;
    enum source_state state;
    unsigned open_attempts;
    uint64_t codes_dropped, events_dropped;

    /* Worker only. */
    struct seen_code seen[SEEN_MAX];
    size_t n_seen;
    const uint8_t *px; /* the current frame, see source_ops.next */
    int w, h;

    /* Camera. */
    zbar_video_t *video;
    uint8_t *work; /* the camera frame as grey, ours once the image is destroyed */
    size_t work_cap;
    double last_frame_ms;

    /* Replay. */
    struct scan_grey **frames;
    size_t n_frames, next_index;
    double due_ms;
    uint64_t frames_given;
    bool test_failed;
    unsigned test_reopens_left;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Sleeps until due_ms (monotonic) or until source_free asks to stop;
 * returns true when stopping. */
static bool sleep_until(struct source *s, double due_ms)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(due_ms / 1e3);
    ts.tv_nsec = (long)((due_ms - (double)ts.tv_sec * 1e3) * 1e6);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    if (ts.tv_nsec < 0)
        ts.tv_nsec = 0;
    pthread_mutex_lock(&s->lock);
    while (!s->stop && now_ms() < due_ms)
        if (pthread_cond_timedwait(&s->wake, &s->lock, &ts) == ETIMEDOUT)
            break;
    bool stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

static bool stopping(struct source *s)
{
    pthread_mutex_lock(&s->lock);
    bool stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

/* With the lock held (or before the worker starts). A full queue drops its
 * oldest event: the newest says what the state is now. */
static void push_event_locked(struct source *s, enum source_event_kind kind,
                              const struct bk_err *detail)
{
    if (s->event_n == SOURCE_EVENT_QUEUE) {
        s->event_head = (s->event_head + 1) % SOURCE_EVENT_QUEUE;
        s->event_n--;
        s->events_dropped++;
    }
    struct source_event *ev = &s->events[(s->event_head + s->event_n) % SOURCE_EVENT_QUEUE];
    ev->kind = kind;
    ev->detail = *detail;
    s->event_n++;
}

/* With the lock held. A full queue drops its oldest code: the person at the
 * door now matters more than one who walked on. */
static void push_code_locked(struct source *s, const uint8_t *data, size_t len, uint64_t frame,
                             double frame_ms)
{
    if (s->code_n == SOURCE_CODE_QUEUE) {
        source_code_clear(&s->codes[s->code_head]);
        s->code_head = (s->code_head + 1) % SOURCE_CODE_QUEUE;
        s->code_n--;
        s->codes_dropped++;
    }
    struct source_code *c = &s->codes[(s->code_head + s->code_n) % SOURCE_CODE_QUEUE];
    c->data = xmalloc(len + 1);
    memcpy(c->data, data, len);
    c->data[len] = '\0';
    c->len = len;
    c->frame = frame;
    c->frame_ms = frame_ms;
    s->code_n++;
}

static void seen_forget_all(struct source *s)
{
    for (size_t i = 0; i < s->n_seen; i++)
        free(s->seen[i].data);
    s->n_seen = 0;
}

/* Posts the codes that were not in the frames just before, so a badge held
 * up for two seconds is one scan, not thirty. */
static void debounce_and_post(struct source *s, const struct scan_results *r, uint64_t frame)
{
    for (size_t i = 0; i < s->n_seen; i++)
        s->seen[i].hit = false;
    for (size_t k = 0; k < r->n; k++) {
        const struct scan_result *res = &r->items[k];
        if (res->len == 0 || res->len > SOURCE_CODE_MAX)
            continue;
        struct seen_code *found = NULL;
        for (size_t i = 0; i < s->n_seen && !found; i++)
            if (s->seen[i].len == res->len && memcmp(s->seen[i].data, res->data, res->len) == 0)
                found = &s->seen[i];
        if (found) {
            found->hit = true;
            found->absent = 0;
            continue;
        }
        /* Past SEEN_MAX codes in view the extra ones are posted every frame;
         * the core's own repeat check still acts on each once. */
        if (s->n_seen < SEEN_MAX) {
            struct seen_code *n = &s->seen[s->n_seen++];
            n->data = xmalloc(res->len);
            memcpy(n->data, res->data, res->len);
            n->len = res->len;
            n->absent = 0;
            n->hit = true;
        }
        pthread_mutex_lock(&s->lock);
        push_code_locked(s, res->data, res->len, frame, s->last_frame_ms);
        pthread_mutex_unlock(&s->lock);
    }
    for (size_t i = 0; i < s->n_seen;) {
        if (!s->seen[i].hit && ++s->seen[i].absent >= s->opt.forget_frames) {
            free(s->seen[i].data);
            s->seen[i] = s->seen[--s->n_seen];
            continue;
        }
        i++;
    }
}

/* Publishes the frame at s->px for the preview, then decodes it. */
static void handle_frame(struct source *s)
{
    size_t n = (size_t)s->w * (size_t)s->h;
    pthread_mutex_lock(&s->lock);
    if (s->latest_cap < n) {
        s->latest = xrealloc(s->latest, n);
        s->latest_cap = n;
    }
    memcpy(s->latest, s->px, n);
    s->latest_w = s->w;
    s->latest_h = s->h;
    uint64_t frame = ++s->counter;
    pthread_mutex_unlock(&s->lock);

    struct scan_results *r = NULL;
    /* A frame zbar refuses is skipped without touching the de-bounce: one
     * bad frame must not make a code in view post again. */
    if (scan_decode_grey(s->decoder, s->px, s->w, s->h, s->w, &r, NULL) != BK_OK)
        return;
    debounce_and_post(s, r, frame);
    scan_results_free(r);
}

static void set_state_and_post(struct source *s, enum source_state state,
                               enum source_event_kind kind, const struct bk_err *detail)
{
    pthread_mutex_lock(&s->lock);
    s->state = state;
    push_event_locked(s, kind, detail);
    pthread_mutex_unlock(&s->lock);
}

static void *worker_main(void *arg)
{
    struct source *s = arg;
    bool open = false;
    while (!stopping(s)) {
        struct bk_err e;
        bk_err_clear(&e);
        if (!open) {
            pthread_mutex_lock(&s->lock);
            s->open_attempts++;
            enum source_state was = s->state;
            pthread_mutex_unlock(&s->lock);
            if (s->ops->open(s, &e) == BK_OK) {
                open = true;
                s->last_frame_ms = now_ms();
                struct bk_err ok;
                bk_err_clear(&ok);
                snprintf(ok.file, sizeof ok.file, "%s", s->name);
                /* "Back" clears the notice MISSING or LOST put up. */
                bool back = was == SOURCE_STATE_MISSING || was == SOURCE_STATE_LOST;
                snprintf(ok.msg, sizeof ok.msg, "%s",
                         back ? _("The camera works again.") : _("Pictures are coming in."));
                set_state_and_post(s, SOURCE_STATE_RUNNING,
                                   back ? SOURCE_EVENT_BACK : SOURCE_EVENT_STARTED, &ok);
                continue;
            }
            /* Tell once; the retries that follow are the same news. */
            if (was == SOURCE_STATE_STARTING || was == SOURCE_STATE_RUNNING)
                set_state_and_post(s, SOURCE_STATE_MISSING, SOURCE_EVENT_MISSING, &e);
            if (sleep_until(s, now_ms() + s->opt.retry_ms))
                break;
            continue;
        }
        bool got = false;
        if (s->ops->next(s, &got, &e) != BK_OK) {
            s->ops->close(s);
            open = false;
            /* A code still in view after the camera returns is a new
             * appearance as far as anyone at the door can tell. */
            seen_forget_all(s);
            set_state_and_post(s, SOURCE_STATE_LOST, SOURCE_EVENT_LOST, &e);
            if (sleep_until(s, now_ms() + s->opt.retry_ms))
                break;
            continue;
        }
        if (got) {
            s->last_frame_ms = now_ms();
            handle_frame(s);
        }
    }
    if (open)
        s->ops->close(s);
    return NULL;
}

/* ---- camera: zbar's video API on V4L2 ---- */

/* zbar's error text spans lines and indents; the notice wants one line. */
static void flatten_zbar_error(const zbar_video_t *v, char *buf, size_t n)
{
    const char *src = v ? zbar_video_error_string(v, 0) : "";
    size_t j = 0;
    bool space = false;
    for (size_t i = 0; src && src[i] && j + 1 < n; i++) {
        char c = src[i];
        if (c == '\n' || c == '\t' || c == ' ') {
            space = j > 0;
            continue;
        }
        if (space && j + 2 < n)
            buf[j++] = ' ';
        space = false;
        buf[j++] = c;
    }
    buf[j] = '\0';
}

static enum bk_status camera_fail(struct source *s, zbar_video_t *v, enum bk_status st,
                                  const char *what, struct bk_err *err)
{
    char why[512];
    flatten_zbar_error(v, why, sizeof why);
    return bk_err_set(err, st, s->name, 0, NULL, "%s (%s)", what, why);
}

/* Asks the device itself whether it captures video before zbar opens it:
 * zbar and libv4l2 print to stderr when it does not, and we retry every few
 * seconds. A UVC camera also makes a metadata node that cannot capture. */
static enum bk_status check_capture_device(struct source *s, struct bk_err *err)
{
    int fd = open(s->name, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return bk_err_set(err, BK_ERR_NOT_FOUND, s->name, 0, NULL,
                          _("There is no camera here (%s)."), i18n_strerror(errno));
    if (fd < 0)
        return bk_err_set(err, BK_ERR_IO, s->name, 0, NULL, _("The camera cannot be opened (%s)."),
                          i18n_strerror(errno));
    struct v4l2_capability cap;
    memset(&cap, 0, sizeof cap);
    int rc;
    do
        rc = ioctl(fd, VIDIOC_QUERYCAP, &cap);
    while (rc < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (rc < 0)
        return bk_err_set(err, BK_ERR_IO, s->name, 0, NULL, _("This device is not a camera (%s)."),
                          i18n_strerror(e));
    uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE))
        return bk_err_set(err, BK_ERR_IO, s->name, 0, NULL, "%s",
                          _("This video device does not capture pictures (a camera's other "
                            "node?)."));
    return BK_OK;
}

static enum bk_status camera_open(struct source *s, struct bk_err *err)
{
    enum bk_status rc = check_capture_device(s, err);
    if (rc)
        return rc;
    zbar_video_t *v = zbar_video_create();
    if (!v)
        return bk_err_set(err, BK_ERR_IO, s->name, 0, NULL,
                          _("The camera reader could not be started."));
    /* The size must be asked for before open; the driver may pick another. */
    zbar_video_request_size(v, (unsigned)s->opt.width, (unsigned)s->opt.height);
    if (zbar_video_open(v, s->name) != 0)
        rc = camera_fail(s, v, BK_ERR_IO, _("The camera cannot be opened."), err);
    /* Without a window zbar picks the camera format cheapest to turn into
     * grey, and calls zbar_video_init with it. */
    else if (zbar_negotiate_format(v, NULL) != 0)
        rc = camera_fail(s, v, BK_ERR_IO, _("The camera offers no picture format we can read."),
                         err);
    else if (zbar_video_enable(v, 1) != 0)
        rc = camera_fail(s, v, BK_ERR_IO, _("The camera cannot start streaming."), err);
    if (rc) {
        zbar_video_destroy(v);
        return rc;
    }
    s->video = v;
    return BK_OK;
}

static enum bk_status camera_next(struct source *s, bool *got, struct bk_err *err)
{
    *got = false;
    int fd = zbar_video_get_fd(s->video);
    if (fd >= 0) {
        /* Poll first so source_free is never stuck behind a silent camera. */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, POLL_MS);
        if (r < 0 && errno != EINTR)
            return bk_err_set(err, BK_ERR_IO, s->name, 0, NULL,
                              _("The camera stopped sending pictures (%s)."), i18n_strerror(errno));
        if (r <= 0) {
            if (now_ms() - s->last_frame_ms > s->opt.stall_ms)
                return bk_err_set(err, BK_ERR_IO, s->name, 0, NULL,
                                  _("The camera sent no picture for %d seconds."),
                                  s->opt.stall_ms / 1000);
            return BK_OK;
        }
        /* An unplugged V4L2 device polls as an error. */
        if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
            return bk_err_set(err, BK_ERR_IO, s->name, 0, NULL, "%s",
                              _("The camera was disconnected."));
    }
    zbar_image_t *img = zbar_video_next_image(s->video);
    if (!img)
        return camera_fail(s, s->video, BK_ERR_IO, _("The camera stopped sending pictures."), err);
    /* When decoding is slower than the camera, frames wait in the driver's
     * buffers; decoding the oldest would show a code seconds late. Take the
     * newest instead, handing the older ones straight back. */
    for (int spare = 0; fd >= 0 && spare < 8; spare++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 0) != 1 || (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
            break;
        zbar_image_t *newer = zbar_video_next_image(s->video);
        if (!newer)
            break;
        zbar_image_destroy(img);
        img = newer;
    }
    unsigned long fmt = zbar_image_get_format(img);
    zbar_image_t *grey = img;
    if (fmt != zbar_fourcc('Y', '8', '0', '0') && fmt != zbar_fourcc('G', 'R', 'E', 'Y'))
        grey = zbar_image_convert(img, zbar_fourcc('Y', '8', '0', '0'));
    enum bk_status rc = BK_OK;
    if (!grey) {
        rc = bk_err_set(err, BK_ERR_IO, s->name, 0, NULL, "%s",
                        _("The camera's pictures cannot be turned into grey."));
    } else {
        int w = (int)zbar_image_get_width(grey), h = (int)zbar_image_get_height(grey);
        size_t n = (size_t)w * (size_t)h;
        if (w <= 0 || h <= 0 || zbar_image_get_data_length(grey) < n) {
            rc = bk_err_set(err, BK_ERR_IO, s->name, 0, NULL, "%s",
                            _("The camera sent a picture of the wrong size."));
        } else {
            if (s->work_cap < n) {
                s->work = xrealloc(s->work, n);
                s->work_cap = n;
            }
            memcpy(s->work, zbar_image_get_data(grey), n);
            s->px = s->work;
            s->w = w;
            s->h = h;
            *got = true;
        }
        if (grey != img)
            zbar_image_destroy(grey);
    }
    /* The image may be the driver's buffer: give it back at once. */
    zbar_image_destroy(img);
    return rc;
}

static void camera_close(struct source *s)
{
    if (!s->video)
        return;
    zbar_video_enable(s->video, 0);
    zbar_video_destroy(s->video);
    s->video = NULL;
}

static const struct source_ops camera_ops = {
    .open = camera_open,
    .next = camera_next,
    .close = camera_close,
};

/* ---- replay: the images of a folder, looped ---- */

static enum bk_status replay_open(struct source *s, struct bk_err *err)
{
    if (s->test_reopens_left > 0) {
        s->test_reopens_left--;
        return bk_err_set(err, BK_ERR_IO, s->name, 0, NULL, "%s",
                          _("The replay was told to stay unavailable (test)."));
    }
    s->due_ms = now_ms();
    return BK_OK;
}

static enum bk_status replay_next(struct source *s, bool *got, struct bk_err *err)
{
    *got = false;
    if (s->opt.test_fail_after_frames && !s->test_failed &&
        s->frames_given >= s->opt.test_fail_after_frames) {
        s->test_failed = true;
        s->test_reopens_left = s->opt.test_fail_reopens;
        return bk_err_set(err, BK_ERR_IO, s->name, 0, NULL, "%s",
                          _("The replay was told to fail as an unplugged camera (test)."));
    }
    if (sleep_until(s, s->due_ms))
        return BK_OK;
    struct scan_grey *g = s->frames[s->next_index];
    s->next_index = (s->next_index + 1) % s->n_frames;
    s->px = g->pixels;
    s->w = g->width;
    s->h = g->height;
    s->frames_given++;
    /* Keep the rate, but after a slow decode start afresh instead of
     * rushing frames out to catch up. */
    double now = now_ms();
    s->due_ms += 1e3 / s->opt.fps;
    if (s->due_ms < now)
        s->due_ms = now;
    *got = true;
    return BK_OK;
}

static void replay_close(struct source *s)
{
    (void)s;
}

static const struct source_ops replay_ops = {
    .open = replay_open,
    .next = replay_next,
    .close = replay_close,
};

/* ---- life cycle ---- */

static enum bk_status check_options(const struct source_options *in, struct source_options *out,
                                    struct bk_err *err)
{
    struct source_options d = {0};
    if (in)
        d = *in;
    if (d.width < 0 || d.height < 0 || d.fps < 0 || d.retry_ms < 0 || d.stall_ms < 0 ||
        d.forget_frames < 0 || d.width > 8192 || d.height > 8192 || d.fps > 240)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL, "%s",
                          _("The picture source settings are out of range."));
    if (!d.width || !d.height) {
        d.width = 1280;
        d.height = 720;
    }
    if (!d.fps)
        d.fps = 15;
    if (!d.retry_ms)
        d.retry_ms = 2000;
    if (!d.stall_ms)
        d.stall_ms = 5000;
    if (!d.forget_frames)
        d.forget_frames = 2;
    *out = d;
    return BK_OK;
}

static enum bk_status source_alloc(const char *name, const struct source_ops *ops,
                                   const struct source_options *opt, struct source **out,
                                   struct bk_err *err)
{
    *out = NULL;
    struct source_options o;
    enum bk_status st = check_options(opt, &o, err);
    if (st)
        return st;
    struct scan_decoder *dec = NULL;
    if ((st = scan_decoder_new(&dec, err)))
        return st;
    struct source *s = xcalloc(1, sizeof *s);
    s->ops = ops;
    s->name = xstrdup(name);
    s->opt = o;
    s->decoder = dec;
    s->events = xcalloc(SOURCE_EVENT_QUEUE, sizeof *s->events);
    s->state = SOURCE_STATE_STARTING;
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    /* Sleeps are measured on the monotonic clock, immune to clock changes. */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    *out = s;
    return BK_OK;
}

static enum bk_status source_start(struct source *s, struct bk_err *err)
{
    int rc = pthread_create(&s->thread, NULL, worker_main, s);
    if (rc != 0)
        return bk_err_set(err, BK_ERR_IO, s->name, 0, NULL,
                          _("The picture reader thread could not be started (%s)."),
                          i18n_strerror(rc));
    s->thread_started = true;
    return BK_OK;
}

enum bk_status source_camera_new(const char *device, const struct source_options *opt,
                                 struct source **out, struct bk_err *err)
{
    struct source *s = NULL;
    enum bk_status st =
        source_alloc(device ? device : SOURCE_DEFAULT_DEVICE, &camera_ops, opt, &s, err);
    if (st)
        return st;
    if ((st = source_start(s, err))) {
        source_free(s);
        return st;
    }
    *out = s;
    return BK_OK;
}

static bool is_image_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return name[0] != '.' && dot &&
           (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

/* The image file names in dir, sorted; *n may come back 0. */
static enum bk_status list_images(const char *dir, char ***names_out, size_t *n_out,
                                  struct bk_err *err)
{
    *names_out = dirlist_new(dir, is_image_name, SOURCE_REPLAY_MAX, n_out);
    if (*names_out)
        return BK_OK;
    if (errno == E2BIG)
        return bk_err_set(err, BK_ERR_TOO_BIG, dir, 0, NULL,
                          _("the folder holds more than %d pictures to replay."),
                          SOURCE_REPLAY_MAX);
    /* A missing folder, or a file given as one, is the argument's fault. */
    return bk_err_set(err,
                      errno == ENOENT   ? BK_ERR_NOT_FOUND
                      : errno == ENOTDIR ? BK_ERR_INVALID
                                         : BK_ERR_IO,
                      dir, 0, NULL, _("cannot open the folder of pictures to replay: %s"),
                      i18n_strerror(errno));
}

enum bk_status source_replay_new(const char *dir, const struct source_options *opt,
                                 struct source **out, struct bk_err *err)
{
    *out = NULL;
    char **names = NULL;
    size_t n = 0;
    enum bk_status st = list_images(dir, &names, &n, err);
    if (st)
        return st;
    if (n == 0) {
        dirlist_free(names, n);
        return bk_err_set(err, BK_ERR_NOT_FOUND, dir, 0, NULL, "%s",
                          _("the folder of pictures to replay holds no PNG or JPEG file."));
    }
    struct source *s = NULL;
    if ((st = source_alloc(dir, &replay_ops, opt, &s, err))) {
        dirlist_free(names, n);
        return st;
    }
    s->frames = xcalloc(n, sizeof *s->frames);
    struct bk_err first_bad;
    bk_err_clear(&first_bad);
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        struct bk_err e;
        bk_err_clear(&e);
        struct scan_grey *g = NULL;
        if (scan_grey_load_new(path, &g, &e) == BK_OK) {
            s->frames[s->n_frames++] = g;
        } else {
            if (first_bad.status == BK_OK)
                first_bad = e;
            push_event_locked(s, SOURCE_EVENT_SKIPPED, &e);
        }
        free(path);
    }
    dirlist_free(names, n);
    if (s->n_frames == 0) {
        source_free(s);
        char why[sizeof first_bad.msg + sizeof first_bad.file + 8];
        bk_err_format(&first_bad, why, sizeof why);
        return bk_err_set(err, BK_ERR_PARSE, dir, 0, NULL,
                          _("none of the %zu pictures to replay could be read; the first: %s"), n,
                          why);
    }
    if ((st = source_start(s, err))) {
        source_free(s);
        return st;
    }
    *out = s;
    return BK_OK;
}

void source_free(struct source *s)
{
    if (!s)
        return;
    if (s->thread_started) {
        pthread_mutex_lock(&s->lock);
        s->stop = true;
        pthread_cond_broadcast(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
    }
    camera_close(s);
    for (size_t i = 0; i < s->n_frames; i++)
        scan_grey_free(s->frames[i]);
    free(s->frames);
    for (size_t i = 0; i < s->code_n; i++)
        source_code_clear(&s->codes[(s->code_head + i) % SOURCE_CODE_QUEUE]);
    seen_forget_all(s);
    free(s->events);
    free(s->latest);
    free(s->work);
    scan_decoder_free(s->decoder);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s->name);
    free(s);
}

/* ---- what the UI thread calls ---- */

bool source_poll_code(struct source *s, struct source_code *out)
{
    pthread_mutex_lock(&s->lock);
    bool any = s->code_n > 0;
    if (any) {
        *out = s->codes[s->code_head];
        memset(&s->codes[s->code_head], 0, sizeof s->codes[s->code_head]);
        s->code_head = (s->code_head + 1) % SOURCE_CODE_QUEUE;
        s->code_n--;
    }
    pthread_mutex_unlock(&s->lock);
    return any;
}

void source_code_clear(struct source_code *c)
{
    if (!c)
        return;
    free(c->data);
    memset(c, 0, sizeof *c);
}

bool source_poll_event(struct source *s, struct source_event *out)
{
    pthread_mutex_lock(&s->lock);
    bool any = s->event_n > 0;
    if (any) {
        *out = s->events[s->event_head];
        s->event_head = (s->event_head + 1) % SOURCE_EVENT_QUEUE;
        s->event_n--;
    }
    pthread_mutex_unlock(&s->lock);
    return any;
}

bool source_latest_frame(struct source *s, uint64_t since, struct source_frame *f)
{
    pthread_mutex_lock(&s->lock);
    bool newer = s->counter > since && s->latest;
    if (newer) {
        size_t n = (size_t)s->latest_w * (size_t)s->latest_h;
        if (f->cap < n) {
            f->pixels = xrealloc(f->pixels, n);
            f->cap = n;
        }
        memcpy(f->pixels, s->latest, n);
        f->width = s->latest_w;
        f->height = s->latest_h;
        f->counter = s->counter;
    }
    pthread_mutex_unlock(&s->lock);
    return newer;
}

void source_frame_clear(struct source_frame *f)
{
    if (!f)
        return;
    free(f->pixels);
    memset(f, 0, sizeof *f);
}

void source_get_info(struct source *s, struct source_info *out)
{
    pthread_mutex_lock(&s->lock);
    out->state = s->state;
    out->frames = s->counter;
    out->open_attempts = s->open_attempts;
    out->codes_dropped = s->codes_dropped;
    out->events_dropped = s->events_dropped;
    pthread_mutex_unlock(&s->lock);
}
