/* sound: the success chime and the failure buzz, synthesised at start-up.
 *
 * No asset files: two short waveforms are computed into memory and queued on
 * an SDL audio device. A machine with no audio device (Xvfb, SDL's dummy
 * driver) is normal for a kiosk test: then the kiosk is silent, and the
 * screens still carry every signal. */
#ifndef BK_KIOSK_SOUND_H
#define BK_KIOSK_SOUND_H

#include "door/flow.h"

struct sound;

/* Opens the default output device; NULL when there is none (not an error).
 * Needs SDL_INIT_AUDIO. Free with sound_free (NULL is fine). */
struct sound *sound_new(void);
void sound_free(struct sound *s);

/* Plays the sound now, cutting off one still playing. NULL s or
 * FLOW_SOUND_NONE does nothing. */
void sound_play(struct sound *s, enum flow_sound which);

#endif
