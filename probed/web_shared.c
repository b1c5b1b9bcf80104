#include "web_shared.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "web_cache.h"
#include "web_priv.h"

#define SHARED_ENTRIES 64
#define SHARED_BYTES   (64u << 20)
/* Keys rendering at once: one per request thread is plenty; beyond it a
 * request renders alone, unshared. */
#define MAX_BUILDING 16
/* A waiter gives up after this and renders itself: a render that hangs
 * must not hang every client behind it. */
#define WEB_SHARED_WAIT_S 20

struct web_shared {
    pthread_mutex_t lock;
    pthread_cond_t done; /* a render ended (on CLOCK_MONOTONIC) */
    struct web_cache *cache;
    char *building[MAX_BUILDING];
    unsigned long long renders, shared;
};

int web_shared_new(struct web_shared **out)
{
    struct web_shared *s = calloc(1, sizeof(*s));
    if (!s || web_cache_new(SHARED_ENTRIES, SHARED_BYTES, &s->cache) < 0) {
        free(s);
        return -ENOMEM;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->done, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return 0;
}

void web_shared_free(struct web_shared *s)
{
    if (!s)
        return;
    web_cache_free(s->cache);
    pthread_cond_destroy(&s->done);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static int building_slot(const struct web_shared *s, const char *key)
{
    for (int i = 0; i < MAX_BUILDING; i++)
        if (s->building[i] && strcmp(s->building[i], key) == 0)
            return i;
    return -1;
}

/* Under the lock: the page from the cache, or a claim on the key (*slot,
 * -1 when every slot is taken), after waiting for any render of it. */
static int cached_or_claim(struct web_shared *s, const char *key, FILE *out, int *slot)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += WEB_SHARED_WAIT_S;
    for (;;) {
        if (web_cache_write(s->cache, key, pd_clock_mono(), out, NULL) == 0) {
            s->shared++;
            return 0;
        }
        if (building_slot(s, key) < 0)
            break;
        if (pthread_cond_timedwait(&s->done, &s->lock, &deadline) == ETIMEDOUT)
            break; /* render unshared */
    }
    *slot = -1;
    if (building_slot(s, key) >= 0)
        return -EAGAIN;
    for (int i = 0; i < MAX_BUILDING; i++)
        if (!s->building[i]) {
            if ((s->building[i] = strdup(key)))
                *slot = i;
            break;
        }
    return -EAGAIN;
}

static void release(struct web_shared *s, int slot)
{
    if (slot < 0)
        return;
    pthread_mutex_lock(&s->lock);
    free(s->building[slot]);
    s->building[slot] = NULL;
    pthread_cond_broadcast(&s->done);
    pthread_mutex_unlock(&s->lock);
}

int web_shared_page(struct web_shared *s, struct web_req *r, const char *key, pd_ns ttl,
                    int (*render)(struct web_req *r, void *arg), void *arg)
{
    int slot;
    pthread_mutex_lock(&s->lock);
    int rc = cached_or_claim(s, key, r->out, &slot);
    if (rc == 0) {
        pthread_mutex_unlock(&s->lock);
        return 0;
    }
    s->renders++;
    pthread_mutex_unlock(&s->lock);

    /* Rendered aside, then copied to the response and the cache. */
    char *body = NULL;
    size_t len = 0;
    FILE *out = r->out;
    if (!(r->out = open_memstream(&body, &len))) {
        r->out = out;
        release(s, slot);
        return render(r, arg);
    }
    rc = render(r, arg);
    int closed = fclose(r->out);
    r->out = out;
    if (closed == 0) {
        if (rc == 0 && r->status == 200) {
            pd_ns now = pd_clock_mono();
            web_cache_put(s->cache, key, body, len, now + ttl, now); /* E2BIG: served anyway */
        }
        if (fwrite(body, 1, len, out) != len && rc == 0)
            rc = -EIO;
    } else if (rc == 0) {
        rc = -ENOMEM;
    }
    free(body);
    release(s, slot);
    return rc;
}

void web_shared_counts(struct web_shared *s, unsigned long long *renders,
                       unsigned long long *shared)
{
    pthread_mutex_lock(&s->lock);
    *renders = s->renders;
    *shared = s->shared;
    pthread_mutex_unlock(&s->lock);
}
