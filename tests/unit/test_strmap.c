/* Unit tests for strmap (the hash map behind grouping) and json (escaping). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/json.h"
#include "util/strmap.h"

static void test_slots_count_and_survive_growth(void **state)
{
    (void)state;
    struct strmap *m = strmap_new();
    char key[32];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 5000; i++) {
            snprintf(key, sizeof key, "id-%d", i);
            bool created;
            (*strmap_slot(m, key, &created))++;
            assert_int_equal(created, round == 0);
        }
    }
    assert_int_equal(strmap_count(m), 5000);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "id-%d", i);
        uintptr_t *v = strmap_find(m, key);
        assert_non_null(v);
        assert_int_equal(*v, 3);
    }
    assert_null(strmap_find(m, "id-5000"));
    assert_null(strmap_find(m, ""));
    strmap_free(m);
}

static void sum_values(void *ctx, const char *key, uintptr_t value)
{
    (void)key;
    *(uintptr_t *)ctx += value;
}

static void test_each_visits_every_entry_once(void **state)
{
    (void)state;
    struct strmap *m = strmap_new();
    static const char *const names[] = {"China", "Korea (Republic of)", "Sweden", "Ελλάδα", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        *strmap_slot(m, names[i], NULL) = i + 1;
    uintptr_t sum = 0;
    strmap_each(m, sum_values, &sum);
    assert_int_equal(sum, 15);
    strmap_free(m);
    strmap_free(NULL);
}

static char *json_of(const char *s)
{
    static char buf[256];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    json_write_string(f, s);
    fclose(f);
    return buf;
}

static void test_json_strings_are_escaped(void **state)
{
    (void)state;
    assert_string_equal(json_of("plain"), "\"plain\"");
    assert_string_equal(json_of("a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert_string_equal(json_of("line\nbreak\ttab\r"), "\"line\\nbreak\\ttab\\r\"");
    assert_string_equal(json_of("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
    assert_string_equal(json_of("王蕴韬 Fröjdh"), "\"王蕴韬 Fröjdh\"");
    assert_string_equal(json_of(NULL), "null");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots_count_and_survive_growth),
        cmocka_unit_test(test_each_visits_every_entry_once),
        cmocka_unit_test(test_json_strings_are_escaped),
    };
    return cmocka_run_group_tests_name("strmap", tests, NULL, NULL);
}
