/* dirlist: the names in a folder, sorted, for the code that walks folders
 * of pictures (the frame replay, scan --stats, the decoder benchmark). */
#ifndef BK_DIRLIST_H
#define BK_DIRLIST_H

#include <stdbool.h>
#include <stddef.h>

/* The names in dir that keep() accepts (all when keep is NULL), without dot
 * files, in strcmp order; *n receives how many. NULL with errno set when dir
 * cannot be read, or with errno E2BIG when more than max (0: no limit)
 * would be kept. Free with dirlist_free. */
char **dirlist_new(const char *dir, bool (*keep)(const char *name), size_t max, size_t *n);
void dirlist_free(char **names, size_t n);

#endif
