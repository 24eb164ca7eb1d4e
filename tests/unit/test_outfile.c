/* Unit tests for outfile: files written whole, never replacing anything but
 * a regular file. */
#include "testutil.h"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/outfile.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir_new("outfile");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rm_rf(dir);
    tu_tempdir_free(dir);
    return 0;
}

static enum bk_status write_text(const char *path, const char *text, enum outfile_kind *kind,
                                 struct bk_err *err)
{
    struct outfile *o;
    enum bk_status st = outfile_open(path, &o, err);
    if (st != BK_OK)
        return st;
    if (kind)
        *kind = outfile_kind(o);
    fputs(text, outfile_stream(o));
    return outfile_commit(o, err);
}

static char *slurp(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_a_new_file_is_private_and_complete(void **state)
{
    (void)state;
    char *path = tu_path_new(dir, "new.txt");
    mode_t old = umask(0);
    enum outfile_kind kind;
    struct bk_err err = {0};
    assert_int_equal(write_text(path, "hello\n", &kind, &err), BK_OK);
    umask(old);
    assert_int_equal(kind, OUTFILE_NEW);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_string_equal(slurp(path), "hello\n");
    free(path);
}

static void test_a_regular_file_is_replaced_whole(void **state)
{
    (void)state;
    char *path = tu_path_new(dir, "old.txt");
    tu_write_text(path, "old contents\n");
    chmod(path, 0644);
    enum outfile_kind kind;
    assert_int_equal(write_text(path, "new\n", &kind, NULL), BK_OK);
    assert_int_equal(kind, OUTFILE_REPLACE);
    assert_string_equal(slurp(path), "new\n");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(path);
}

static void test_a_discarded_file_leaves_the_old_one(void **state)
{
    (void)state;
    char *path = tu_path_new(dir, "keep.txt");
    tu_write_text(path, "keep\n");
    struct outfile *o;
    assert_int_equal(outfile_open(path, &o, NULL), BK_OK);
    fputs("half", outfile_stream(o));
    outfile_discard(o);
    assert_string_equal(slurp(path), "keep\n");
    free(path);
}

static void test_a_fifo_is_written_as_a_stream(void **state)
{
    (void)state;
    char *path = tu_path_new(dir, "pipe");
    assert_int_equal(mkfifo(path, 0600), 0);
    /* A reader first, so that opening for writing does not wait. */
    int rfd = open(path, O_RDONLY | O_NONBLOCK);
    assert_true(rfd >= 0);
    enum outfile_kind kind;
    assert_int_equal(write_text(path, "through\n", &kind, NULL), BK_OK);
    assert_int_equal(kind, OUTFILE_STREAM);
    char buf[32] = "";
    assert_int_equal(read(rfd, buf, sizeof buf - 1), 8);
    assert_string_equal(buf, "through\n");
    close(rfd);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    free(path);
}

static void test_a_full_device_is_a_full_disk(void **state)
{
    (void)state;
    char *path = tu_path_new(dir, "full");
    /* A private /dev/full: only root may make one. */
    if (mknod(path, S_IFCHR | 0600, makedev(1, 7)) != 0) {
        free(path);
        skip();
    }
    struct bk_err err = {0};
    assert_int_equal(write_text(path, "anything\n", NULL, &err), BK_ERR_FULL);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    free(path);
}

static void test_what_is_not_a_file_is_refused(void **state)
{
    (void)state;
    struct bk_err err = {0};
    assert_int_equal(write_text(dir, "x", NULL, &err), BK_ERR_INVALID);
    assert_non_null(strstr(err.msg, "folder"));
    char *missing = tu_path_new(dir, "no/such/x.csv");
    assert_int_equal(write_text(missing, "x", NULL, &err), BK_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "does not exist"));
    char *target = tu_path_new(dir, "target.txt");
    char *link = tu_path_new(dir, "link.txt");
    tu_write_text(target, "target\n");
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(write_text(link, "x", NULL, &err), BK_ERR_INVALID);
    assert_string_equal(slurp(target), "target\n");
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    free(missing);
    free(target);
    free(link);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_new_file_is_private_and_complete),
        cmocka_unit_test(test_a_regular_file_is_replaced_whole),
        cmocka_unit_test(test_a_discarded_file_leaves_the_old_one),
        cmocka_unit_test(test_a_fifo_is_written_as_a_stream),
        cmocka_unit_test(test_a_full_device_is_a_full_disk),
        cmocka_unit_test(test_what_is_not_a_file_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
