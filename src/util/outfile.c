/* outfile: files written whole, never replacing what is not a file; see
 * outfile.h. */
#include "util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/xalloc.h"

/* The stream writes through this cookie (fopencookie), so the errno of the
 * first failed write is kept: stdio keeps only an error flag, and by the
 * time a caller checks it errno may say anything. */
struct sink {
    int fd;
    int error; /* errno of the first failed write, 0 while none */
};

struct outfile {
    enum outfile_kind kind;
    char *path;
    char *tmp; /* the temporary file beside path; NULL for a stream */
    FILE *fp;
    struct sink sink;
};

static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
    struct sink *s = cookie;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(s->fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (!s->error)
                s->error = w < 0 ? errno : ENOSPC;
            return done ? (ssize_t)done : -1;
        }
        done += (size_t)w;
    }
    return (ssize_t)done;
}

static int sink_close(void *cookie)
{
    struct sink *s = cookie;
    int rc = close(s->fd);
    if (rc != 0 && !s->error)
        s->error = errno;
    s->fd = -1;
    return rc;
}

/* A full disk or device is its own status (exit 3, "free space"). */
static enum bk_status write_error(const char *path, int e, struct bk_err *err)
{
    if (e == ENOSPC || e == EDQUOT)
        return bk_err_set(err, BK_ERR_FULL, path, 0, NULL,
                          _("the disk or device is full: free space, then try again"));
    return bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot write the file: %s"),
                      i18n_strerror(e));
}

/* The folder path is in, newly allocated ("." for a bare name). */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

/* Why nothing can be created at path, which does not exist. */
static enum bk_status missing_target(const char *path, struct bk_err *err)
{
    char *dir = folder_of(path);
    struct stat st;
    enum bk_status s;
    if (stat(dir, &st) != 0)
        s = bk_err_set(err, BK_ERR_NOT_FOUND, path, 0, NULL,
                       _("the folder %s does not exist: create it first, or give another path"),
                       dir);
    else if (!S_ISDIR(st.st_mode))
        s = bk_err_set(err, BK_ERR_INVALID, path, 0, NULL,
                       _("%s is not a folder: give another path"), dir);
    else
        s = BK_OK;
    free(dir);
    return s;
}

/* What is at path decides how it is written; anything that is neither a
 * regular file nor a stream is refused with what it is. */
static enum bk_status classify(const char *path, enum outfile_kind *kind, struct bk_err *err)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT) {
            *kind = OUTFILE_NEW;
            return missing_target(path, err);
        }
        if (errno == ENOTDIR)
            return bk_err_set(err, BK_ERR_NOT_FOUND, path, 0, NULL,
                              _("part of the path is not a folder: give another path"));
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot write here: %s"),
                          i18n_strerror(errno));
    }
    if (S_ISLNK(st.st_mode)) {
        /* /dev/stdout and the like are links to a pipe or a terminal: write
         * into what they lead to. A link to a file is not followed: it may
         * have been planted to make us replace something else. */
        struct stat to;
        if (stat(path, &to) == 0 && (S_ISFIFO(to.st_mode) || S_ISCHR(to.st_mode))) {
            *kind = OUTFILE_STREAM;
            return BK_OK;
        }
        return bk_err_set(err, BK_ERR_INVALID, path, 0, NULL,
                          _("is a symbolic link: give the path of the file itself (a link is "
                            "never replaced or followed to a file)"));
    }
    if (S_ISREG(st.st_mode)) {
        *kind = OUTFILE_REPLACE;
        return BK_OK;
    }
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
        *kind = OUTFILE_STREAM;
        return BK_OK;
    }
    if (S_ISDIR(st.st_mode))
        return bk_err_set(err, BK_ERR_INVALID, path, 0, NULL,
                          _("is a folder: give the name of a file (in it, if you like)"));
    return bk_err_set(err, BK_ERR_INVALID, path, 0, NULL,
                      _("is a device or socket, not a file: give the name of a file"));
}

/* ".NAME.XXXXXX" in the folder of path: hidden, and on the same file system
 * so that the rename is atomic. */
static char *temp_name_new(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xasprintf(".%s.XXXXXX", path);
    return xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
}

static cookie_io_functions_t sink_io = {.write = sink_write, .close = sink_close};

enum bk_status outfile_open(const char *path, struct outfile **out, struct bk_err *err)
{
    *out = NULL;
    if (!path || !path[0])
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL, _("no file name was given"));
    enum outfile_kind kind = OUTFILE_NEW;
    enum bk_status st = classify(path, &kind, err);
    if (st != BK_OK)
        return st;
    struct outfile *o = xcalloc(1, sizeof *o);
    o->kind = kind;
    o->path = xstrdup(path);
    if (kind == OUTFILE_STREAM) {
        /* No O_CREAT, no O_TRUNC: a stream is written as it is. A FIFO
         * waits here for its reader, as the person asked. */
        o->sink.fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    } else {
        /* mkstemp makes the file 0600, whatever the umask. */
        o->tmp = temp_name_new(path);
        o->sink.fd = mkostemp(o->tmp, O_CLOEXEC);
    }
    if (o->sink.fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        outfile_discard(o);
        return e == ENOSPC || e == EDQUOT ? write_error(path, e, err)
                                          : bk_err_set(err, BK_ERR_IO, path, 0, NULL,
                                                       _("cannot write here: %s"),
                                                       i18n_strerror(e));
    }
    o->fp = fopencookie(&o->sink, "w", sink_io);
    if (!o->fp) {
        sink_close(&o->sink);
        outfile_discard(o);
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot write here: %s"),
                          i18n_strerror(ENOMEM));
    }
    *out = o;
    return BK_OK;
}

FILE *outfile_stream(struct outfile *o)
{
    return o->fp;
}

enum outfile_kind outfile_kind(const struct outfile *o)
{
    return o->kind;
}

static void outfile_free(struct outfile *o)
{
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    free(o);
}

void outfile_discard(struct outfile *o)
{
    if (!o)
        return;
    if (o->fp)
        fclose(o->fp);
    else if (o->sink.fd >= 0)
        close(o->sink.fd);
    outfile_free(o);
}

/* Puts the written temporary file at path. A new file never replaces one
 * that appeared meanwhile (RENAME_NOREPLACE, or link where a file system
 * lacks it); a regular file is replaced only if it still is one. */
static enum bk_status put_in_place(struct outfile *o, struct bk_err *err)
{
    enum outfile_kind now = o->kind;
    enum bk_status st = classify(o->path, &now, err);
    if (st != BK_OK)
        return st;
    if (now == OUTFILE_STREAM)
        return bk_err_set(err, BK_ERR_EXISTS, o->path, 0, NULL,
                          _("another program put something else here while the file was "
                            "written: nothing was replaced"));
    if (now == OUTFILE_REPLACE) {
        if (rename(o->tmp, o->path) != 0)
            return bk_err_set(err, BK_ERR_IO, o->path, 0, NULL, _("cannot write the file: %s"),
                              i18n_strerror(errno));
    } else if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE) != 0) {
        if (errno != EINVAL && errno != ENOSYS)
            return bk_err_set(err, errno == EEXIST ? BK_ERR_EXISTS : BK_ERR_IO, o->path, 0, NULL,
                              _("cannot write the file: %s"), i18n_strerror(errno));
        if (link(o->tmp, o->path) != 0)
            return bk_err_set(err, errno == EEXIST ? BK_ERR_EXISTS : BK_ERR_IO, o->path, 0, NULL,
                              _("cannot write the file: %s"), i18n_strerror(errno));
        unlink(o->tmp);
    }
    free(o->tmp);
    o->tmp = NULL;
    /* The rename is durable once the folder is synced too. */
    char *dir = folder_of(o->path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
    return BK_OK;
}

enum bk_status outfile_commit(struct outfile *o, struct bk_err *err)
{
    enum bk_status st = BK_OK;
    int e = 0;
    if (fflush(o->fp) != 0 || ferror(o->fp))
        e = o->sink.error ? o->sink.error : EIO;
    /* A pipe or a terminal cannot be synced (EINVAL): it has nothing to
     * keep. */
    if (!e && fsync(o->sink.fd) != 0 && !(o->kind == OUTFILE_STREAM && errno == EINVAL))
        e = errno;
    if (fclose(o->fp) != 0 && !e)
        e = o->sink.error ? o->sink.error : EIO;
    o->fp = NULL;
    if (e)
        st = write_error(o->path, e, err);
    else if (o->kind != OUTFILE_STREAM)
        st = put_in_place(o, err);
    outfile_free(o);
    return st;
}
