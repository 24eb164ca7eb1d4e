/* clock: the two clocks the program reads, in milliseconds.
 *
 * Wall time is what events record (a check-in's time, a journal's last
 * sync); the monotonic clock measures waits and bounds (a server's timeout,
 * a printer's time per badge), which a wall clock set back or forward must
 * not stretch or cut. */
#ifndef BK_CLOCK_H
#define BK_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t clock_wall_ms(void);

/* Milliseconds from an arbitrary start that never goes back
 * (CLOCK_MONOTONIC). */
int64_t clock_mono_ms(void);

/* The wall-clock instant ms milliseconds from now, as pthread_cond_timedwait
 * takes its deadline (a condition variable's default clock). */
struct timespec clock_deadline_in(int64_t ms);

#endif
