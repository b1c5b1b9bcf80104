#include "log.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

/* Rate limiting: a small table of keys hashed from (key or format, module).
 * Collisions only make two message kinds share a budget, which is fine. */
#define LIMIT_SLOTS  256
#define LIMIT_WINDOW (60 * PD_SEC)

struct limit_slot {
    const void *key;
    pd_ns window_start;
    unsigned sent;
    unsigned suppressed;
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum pd_log_target log_target = PD_LOG_STDERR;
static int log_max_level = PD_LOG_INFO;
static struct limit_slot limits[LIMIT_SLOTS];

static const char *const level_names[] = {
    [PD_LOG_ERR] = "error", [PD_LOG_WARNING] = "warning", [PD_LOG_NOTICE] = "notice",
    [PD_LOG_INFO] = "info", [PD_LOG_DEBUG] = "debug",
};

void pd_log_setup(enum pd_log_target target, int max_level, const char *ident)
{
    pthread_mutex_lock(&log_lock);
    if (log_target == PD_LOG_SYSLOG && target != PD_LOG_SYSLOG)
        closelog();
    log_target = target;
    log_max_level = max_level;
    if (target == PD_LOG_SYSLOG)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    pthread_mutex_unlock(&log_lock);
}

int pd_log_level_parse(const char *name)
{
    for (int i = PD_LOG_ERR; i <= PD_LOG_DEBUG; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

const char *pd_log_level_name(int level)
{
    if (level < PD_LOG_ERR || level > PD_LOG_DEBUG)
        return "?";
    return level_names[level];
}

static void emit(int level, const char *module, const char *text)
{
    if (log_target == PD_LOG_SYSLOG) {
        syslog(level, "%s: %s: %s", pd_log_level_name(level), module, text);
        return;
    }
    char stamp[48];
    pd_ns now = pd_clock_wall();
    time_t secs = (time_t)(now / PD_SEC);
    struct tm tm;
    localtime_r(&secs, &tm);
    size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(stamp + n, sizeof(stamp) - n, ".%03d", (int)(now % PD_SEC / PD_MSEC));
    fprintf(stderr, "%s %s: %s: %s\n", stamp, pd_log_level_name(level), module, text);
}

/* Returns 1 when the message may go out; may emit a "suppressed" line. */
static int rate_allow(const void *key, const char *module)
{
    uintptr_t h = (uintptr_t)key * 31 + (uintptr_t)module;
    struct limit_slot *slot = &limits[(h ^ (h >> 9)) % LIMIT_SLOTS];
    pd_ns now = pd_clock_mono();
    if (slot->key != key || now - slot->window_start >= LIMIT_WINDOW) {
        if (slot->suppressed > 0) {
            char text[96];
            snprintf(text, sizeof(text), "%u similar messages suppressed in the last minute",
                     slot->suppressed);
            emit(PD_LOG_NOTICE, module, text);
        }
        slot->key = key;
        slot->window_start = now;
        slot->sent = 0;
        slot->suppressed = 0;
    }
    if (slot->sent >= PD_LOG_BURST) {
        slot->suppressed++;
        return 0;
    }
    slot->sent++;
    return 1;
}

void pd_logv(int level, const char *module, const void *key, const char *fmt, va_list ap)
{
    if (level > log_max_level)
        return;
    char text[1024];
    vsnprintf(text, sizeof(text), fmt, ap);
    pthread_mutex_lock(&log_lock);
    if (rate_allow(key ? key : fmt, module))
        emit(level, module, text);
    pthread_mutex_unlock(&log_lock);
}

void pd_logf(int level, const char *module, const void *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pd_logv(level, module, key, fmt, ap);
    va_end(ap);
}
