/* sound: synthesised chime and buzz on an SDL audio device (see sound.h). */
#include "kiosk/sound.h"

#include <SDL.h>
#include <math.h>
#include <stdlib.h>

#include "util/xalloc.h"

#define RATE 48000

struct sound {
    SDL_AudioDeviceID dev;
    int16_t *chime, *buzz;
    Uint32 chime_bytes, buzz_bytes;
};

/* A note with a soft attack and an exponential decay, added into out. */
static void add_note(float *out, int n, int start, float freq, float secs, float amp)
{
    int len = (int)(secs * RATE);
    for (int i = 0; i < len && start + i < n; i++) {
        float t = (float)i / RATE;
        float env = (i < RATE / 200 ? (float)i / (RATE / 200) : 1.0f) * expf(-t * 5.0f);
        /* A fundamental and a quiet octave: a bell rather than a beep. */
        out[start + i] += amp * env *
                          (sinf(2 * (float)M_PI * freq * t) +
                           0.3f * sinf(4 * (float)M_PI * freq * t));
    }
}

static int16_t *to_pcm(const float *in, int n)
{
    int16_t *pcm = xmalloc((size_t)n * sizeof *pcm);
    for (int i = 0; i < n; i++) {
        float v = in[i] > 1 ? 1 : in[i] < -1 ? -1 : in[i];
        pcm[i] = (int16_t)(v * 32000);
    }
    return pcm;
}

struct sound *sound_new(void)
{
    SDL_AudioSpec want = {.freq = RATE, .format = AUDIO_S16SYS, .channels = 1, .samples = 1024};
    SDL_AudioSpec got;
    SDL_AudioDeviceID dev = SDL_OpenAudioDevice(NULL, 0, &want, &got, 0);
    if (dev == 0)
        return NULL;
    struct sound *s = xcalloc(1, sizeof *s);
    s->dev = dev;
    /* Success: two rising notes, E5 then A5. */
    int n = RATE * 7 / 10;
    float *buf = xcalloc((size_t)n, sizeof *buf);
    add_note(buf, n, 0, 659.25f, 0.6f, 0.35f);
    add_note(buf, n, RATE * 12 / 100, 880.0f, 0.58f, 0.35f);
    s->chime = to_pcm(buf, n);
    s->chime_bytes = (Uint32)n * 2;
    free(buf);
    /* Failure: a low, square-ish double buzz, unmistakably not the chime. */
    n = RATE / 2;
    buf = xcalloc((size_t)n, sizeof *buf);
    for (int i = 0; i < n; i++) {
        float t = (float)i / RATE;
        bool on = t < 0.18f || (t > 0.25f && t < 0.45f);
        float v = sinf(2 * (float)M_PI * 180 * t);
        buf[i] = on ? 0.25f * (v > 0 ? 1.0f : -1.0f) * 0.6f + 0.1f * v : 0;
    }
    s->buzz = to_pcm(buf, n);
    s->buzz_bytes = (Uint32)n * 2;
    free(buf);
    SDL_PauseAudioDevice(dev, 0);
    return s;
}

void sound_free(struct sound *s)
{
    if (!s)
        return;
    SDL_CloseAudioDevice(s->dev);
    free(s->chime);
    free(s->buzz);
    free(s);
}

void sound_play(struct sound *s, enum flow_sound which)
{
    if (!s || which == FLOW_SOUND_NONE)
        return;
    SDL_ClearQueuedAudio(s->dev);
    if (which == FLOW_SOUND_SUCCESS)
        SDL_QueueAudio(s->dev, s->chime, s->chime_bytes);
    else
        SDL_QueueAudio(s->dev, s->buzz, s->buzz_bytes);
}
