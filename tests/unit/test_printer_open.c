/* Unit tests for printer: what an unreachable printer is said to be. Only
 * loopback: a port with nothing listening on this machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "print/printer.h"

/* A loopback TCP port nothing listens on: one the system handed out and
 * that was closed again. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* libcups says "Host is down" when the connection is refused: a machine
 * that answers with no printer service on the port is told as such. */
static void test_refused_connection_is_said_to_be_refused(void **state)
{
    (void)state;
    char uri[64];
    snprintf(uri, sizeof uri, "ipp://127.0.0.1:%d/ipp/print", closed_port());
    struct printer *p = NULL;
    struct bk_err err = {0};
    assert_int_equal(printer_open(uri, &p, &err), BK_ERR_IO);
    assert_null(p);
    if (!strstr(err.msg, strerror(ECONNREFUSED)))
        fail_msg("the message says: %s", err.msg);
    assert_null(strstr(err.msg, strerror(EHOSTDOWN)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_connection_is_said_to_be_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
