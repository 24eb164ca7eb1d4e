/* dirlist: sorted folder listings; see dirlist.h. */
#include "util/dirlist.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **dirlist_new(const char *dir, bool (*keep)(const char *name), size_t max, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || (keep && !keep(de->d_name)))
            continue;
        if (max && count == max) {
            dirlist_free(names, count);
            closedir(d);
            errno = E2BIG;
            return NULL;
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[count++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (!names)
        names = xcalloc(1, sizeof *names); /* empty, but not NULL: NULL means unreadable */
    qsort(names, count, sizeof *names, cmp_names);
    *n = count;
    return names;
}

void dirlist_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
