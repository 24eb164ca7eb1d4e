/* timing: the clock and percentiles shared by the benchmark programs and the
 * render-samples tool, so every figure in BENCHMARKS.md is taken the same
 * way: CLOCK_MONOTONIC in milliseconds, nearest-rank percentiles. */
#ifndef BK_BENCH_TIMING_H
#define BK_BENCH_TIMING_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

static inline double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-th percentile (0 < p <= 100) of v[0..n), n > 0; sorts v in place. */
static inline double percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t rank = (size_t)ceil(n * p / 100.0);
    return v[rank ? rank - 1 : 0];
}

#endif
