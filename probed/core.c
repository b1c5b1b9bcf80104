#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "core_internal.h"
#include "health.h"
#include "log.h"
#include "options.h"

static struct pd_check *check_of(struct pd_sched_item *item)
{
    return (struct pd_check *)((char *)item - offsetof(struct pd_check, sched));
}

/* Wake-ups are aligned to a grid: the checks due within the next grid step
 * start together, so 1,000 rounds a second cost 100 wake-ups, not 1,000.
 * Rounds start up to one step early and learn their exact slot from
 * pd_round_due(): a plugin that cares (icmp) sends on time, the others
 * lose nothing, and the interval stays exact either way. */
#define WAKE_GRID (10 * PD_MSEC)

static void arm_scheduler(struct pd_core *core)
{
    pd_ns next = pd_sched_next(&core->sched);
    if (next == INT64_MAX) {
        pd_tmr_stop(core->sched_timer);
        return;
    }
    /* A millisecond to spare: libev may wake up to 1 ms after it is asked. */
    pd_ns wake = (next - PD_MSEC) / WAKE_GRID * WAKE_GRID, now = pd_clock_mono();
    pd_tmr_start(core->sched_timer, wake > now ? wake - now : 0);
}

static void format_local(pd_ns t, char *buf, size_t len)
{
    time_t secs = (time_t)(t / PD_SEC);
    struct tm tm;
    localtime_r(&secs, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Storage copies everything; the transition is acknowledged after commit. */
static void record_transition(struct pd_core *core, const char *target_id, const char *check_id,
                              const struct pd_transition *t, const char *reason)
{
    if (core->storage)
        pd_storage_transition(core->storage, target_id, check_id, t, pd_clock_wall(), reason);
}

static void update_target(struct pd_core *core, struct pd_target *target, pd_ns at,
                          const char *reason)
{
    int any_down = 0, all_up = 1, n = 0;
    for (size_t i = 0; i < target->n_checks; i++) {
        const struct pd_check *c = target->checks[i];
        if (!c->conf->availability)
            continue;
        n++;
        any_down |= c->sm.state == PD_STATE_DOWN;
        all_up &= c->sm.state == PD_STATE_UP;
    }
    enum pd_state state = any_down ? PD_STATE_DOWN : n && all_up ? PD_STATE_UP : PD_STATE_UNKNOWN;
    if (state == target->state)
        return;
    if (at < target->since)
        at = target->since;
    struct pd_transition t = {.from = target->state, .to = state, .at = at};
    target->state = state;
    target->since = at;
    snprintf(target->reason, sizeof(target->reason), "%s", reason ? reason : "");
    record_transition(core, target->conf->id, "", &t, target->reason);
}

static int metric_name_valid(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++)
        if (!((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= '0' && name[n] <= '9') ||
              name[n] == '_'))
            return 0;
    return n >= 1 && n <= 19;
}

size_t pd_core_valid_metrics(struct pd_check *check, const struct pd_metric *in, size_t n,
                             struct pd_metric *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < PD_CORE_MAX_METRICS; i++) {
        if (metric_name_valid(in[i].name))
            out[k++] = in[i];
        else
            pd_log(check, PD_LOG_WARNING, "metric name '%s' rejected: [a-z0-9_]{1,19} expected",
                   in[i].name);
    }
    return k;
}

void pd_core_event(struct pd_check *check, const char *series, pd_ns when, const char *kind,
                   const char *message)
{
    size_t n = kind ? strlen(kind) : 0;
    if (n == 0 || n > 32 || strspn(kind, "abcdefghijklmnopqrstuvwxyz_") != n) {
        pd_log(check, PD_LOG_WARNING,
               "event kind '%s' rejected: [a-z_]{1,32} expected (plugin bug)", kind ? kind : "");
        return;
    }
    if (series && !pd_core_series_id_ok(check, series))
        return;
    pd_log(check, PD_LOG_NOTICE, "%s%s%s: %s", series ? series : "", series ? ": " : "", kind,
           message);
    if (check->core->storage)
        pd_storage_event(check->core->storage, check->target->conf->id, check->conf->id, series,
                         when, kind, message);
}

void pd_core_result(struct pd_check *check, const struct pd_result *result)
{
    struct pd_core *core = check->core;
    if (!check->in_round) {
        pd_log(check, PD_LOG_WARNING, "result outside a round ignored (plugin bug)");
        return;
    }
    check->in_round = 0;
    check->rounds++;
    if (core->health)
        pd_health_add(&core->health->results, 1);
    pd_ns when = result->when ? result->when : check->round_wall;
    enum pd_verdict verdict = result->ok;
    if (verdict != PD_OK && verdict != PD_BAD)
        verdict = PD_NO_VERDICT;
    const char *reason = verdict == PD_OK || !result->reason ? "" : result->reason;
    bool changed = verdict != check->last_verdict ||
                   strncmp(reason, check->last_reason, sizeof(check->last_reason) - 1) != 0;
    check->last_verdict = verdict;
    snprintf(check->last_reason, sizeof(check->last_reason), "%s", reason);

    struct pd_metric metrics[PD_CORE_MAX_METRICS];
    size_t n = pd_core_valid_metrics(check, result->metrics, result->n_metrics, metrics);
    if (core->on_result)
        core->on_result(core->on_result_arg, check, verdict, reason, metrics, n);
    if (n > 0 && core->storage)
        pd_storage_sample(core->storage, check->target->conf->id, check->conf->id, NULL,
                          check->conf->interval, when, metrics, n);
    if (result->n_series > 0 && result->series)
        pd_core_series(check, when, result->series, result->n_series);

    struct pd_transition t;
    if (pd_state_feed(&check->sm, when, verdict, &t)) {
        record_transition(core, check->target->conf->id, check->conf->id, &t, check->last_reason);
        if (check->conf->availability)
            update_target(core, check->target, t.at, check->last_reason);
    }
    /* The status row is refreshed, not rewritten every round: a store of
     * 10,000 checks would otherwise write 1,000 rows a second. */
    pd_ns now = pd_clock_mono();
    if (core->storage && (changed || check->status_written == 0 ||
                          now - check->status_written >= core->cfg->status_refresh)) {
        check->status_written = now;
        pd_storage_last_result(core->storage, check->target->conf->id, check->conf->id, when,
                               verdict, check->last_reason, metrics, n, check->rounds,
                               check->skipped);
    }
}

static void start_round(struct pd_check *check, pd_ns due)
{
    pd_ns now = pd_clock_mono();
    check->in_round = 1;
    check->round_due = due;
    struct pd_health *health = check->core->health;
    if (health) {
        pd_health_add(&health->rounds_started, 1);
        /* The loop's own delay: the wake-up grid starts rounds early. */
        pd_hist_observe(&health->round_lateness, now - due);
    }
    /* The wall time of the slot, not of the wake-up: results line up with
     * their interval in the RRD. */
    check->round_wall = pd_clock_wall() + (due > now ? due - now : 0);
    if (!check->started) {
        char why[256] = "";
        if (check->plugin->start(check, check->params, why, sizeof(why)) < 0) {
            struct pd_result r = {.ok = PD_NO_VERDICT, .reason = why};
            /* Retried every round; said again only when the reason changes. */
            if (strcmp(why, check->last_reason) != 0)
                pd_log(check, PD_LOG_ERR, "cannot start: %s", why);
            pd_core_result(check, &r);
            return;
        }
        check->started = 1;
    }
    check->plugin->run(check, check->params);
}

void pd_core_tick(struct pd_core *core)
{
    pd_ns now = pd_clock_mono();
    struct pd_sched_item *item;
    uint64_t missed;
    /* Everything due before the next wake-up could happen starts now. */
    while ((item = pd_sched_pop_due(&core->sched, now + WAKE_GRID - 1, &missed))) {
        struct pd_check *check = check_of(item);
        pd_ns due = item->due - check->conf->interval; /* the slot just popped */
        check->skipped += missed;
        if (core->health && missed)
            pd_health_add(&core->health->rounds_skipped, missed);
        if (check->in_round) {
            check->skipped++;
            if (core->health)
                pd_health_add(&core->health->rounds_skipped, 1);
            pd_log(check, PD_LOG_WARNING, "round still running when the next was due: skipped");
            continue;
        }
        start_round(check, due);
    }
    arm_scheduler(core);
}

void pd_core_run_now(struct pd_core *core, pd_check *check)
{
    (void)core;
    if (!check->in_round)
        start_round(check, pd_clock_mono());
}

void pd_core_set_health(struct pd_core *core, struct pd_health *health)
{
    core->health = health;
    if (health) {
        pd_health_set(&health->targets, core->n_targets);
        pd_health_set(&health->checks, core->n_checks);
    }
}

void pd_core_on_result(struct pd_core *core, pd_core_result_fn fn, void *arg)
{
    core->on_result = fn;
    core->on_result_arg = arg;
}

static void sched_fired(void *arg)
{
    pd_core_tick(arg);
}

static void heartbeat_fired(void *arg)
{
    struct pd_core *core = arg;
    pd_storage_heartbeat(core->storage, pd_clock_wall());
    pd_tmr_start(core->heartbeat_timer, core->cfg->heartbeat);
}

void pd_core_committed(struct pd_core *core)
{
    struct pd_transition_rec recs[64];
    size_t n;
    while ((n = pd_storage_take_committed(core->storage, recs, 64)) > 0) {
        for (size_t i = 0; i < n; i++) {
            const struct pd_transition_rec *r = &recs[i];
            char at[32];
            format_local(r->t.at, at, sizeof(at));
            const char *reason = "";
            const struct pd_target *target = pd_hashmap_get(&core->target_map, r->target_id);
            if (r->check_id[0] == '\0') {
                reason = target ? target->reason : "";
            } else {
                char key[2 * PD_ID_MAX + 2];
                snprintf(key, sizeof(key), "%s/%s", r->target_id, r->check_id);
                const struct pd_check *c = pd_hashmap_get(&core->check_map, key);
                reason = c ? c->last_reason : "";
            }
            /* Rate limited per target: one flapping device must not hide the
             * outages of others. */
            pd_logf(PD_LOG_NOTICE, "state", target ? (const void *)target : NULL,
                    "%s%s%s%s%s: %s -> %s since %s%s%s%s", r->target_id, r->check_id[0] ? "/" : "",
                    r->check_id, target && r->check_id[0] == '\0' ? " " : "",
                    target && r->check_id[0] == '\0' ? target->conf->name : "",
                    pd_state_name(r->t.from), pd_state_name(r->t.to), at, reason[0] ? " (" : "",
                    reason, reason[0] ? ")" : "");
        }
    }
}

/* What a plugin instance depends on: a change means a new instance. That
 * includes the profiles it names (new credentials, a new session). */
static char *fingerprint(const struct pd_config *cfg, const struct pd_plugin *plugin,
                         const struct pd_target_conf *tc, const struct pd_check_conf *cc)
{
    const struct pd_profile_conf *profiles[8];
    size_t n_profiles = 0;
    size_t len = strlen(tc->address) + strlen(cc->type) + 64;
    for (size_t i = 0; i < cc->n_params; i++)
        len += strlen(cc->params[i].key) + strlen(cc->params[i].value) + 2;
    for (size_t o = 0; plugin && o < plugin->n_options && n_profiles < 8; o++) {
        if (plugin->options[o].type != PD_OPT_PROFILE)
            continue;
        const char *name = plugin->options[o].def;
        for (size_t i = 0; i < cc->n_params; i++)
            if (strcmp(cc->params[i].key, plugin->options[o].key) == 0)
                name = cc->params[i].value;
        const struct pd_profile_conf *p = pd_config_profile(cfg, plugin->name, name);
        if (!p)
            continue;
        profiles[n_profiles++] = p;
        len += strlen(p->name) + 4;
        for (size_t i = 0; i < p->n_params; i++)
            len += strlen(p->params[i].key) + strlen(p->params[i].value) + 2;
    }
    char *fp = malloc(len);
    if (!fp)
        return NULL;
    int off = snprintf(fp, len, "%s|%s|%lld|%lld", cc->type, tc->address, (long long)cc->interval,
                       (long long)cc->timeout);
    for (size_t i = 0; i < cc->n_params; i++)
        off +=
            snprintf(fp + off, len - (size_t)off, "|%s=%s", cc->params[i].key, cc->params[i].value);
    for (size_t k = 0; k < n_profiles; k++) {
        off += snprintf(fp + off, len - (size_t)off, "|@%s", profiles[k]->name);
        for (size_t i = 0; i < profiles[k]->n_params; i++)
            off += snprintf(fp + off, len - (size_t)off, "|%s=%s", profiles[k]->params[i].key,
                            profiles[k]->params[i].value);
    }
    return fp;
}

static void check_free(struct pd_core *core, struct pd_check *check)
{
    if (check->started)
        check->plugin->stop(check, check->params);
    pd_check_cancel_all(check);
    pd_core_described_free(check);
    pd_sched_remove(&core->sched, &check->sched);
    if (check->params)
        pd_options_free(check->plugin, check->params);
    free(check->params);
    free(check->key);
    if (check->fingerprint) /* it may hold a profile's secrets */
        explicit_bzero(check->fingerprint, strlen(check->fingerprint));
    free(check->fingerprint);
    free(check);
}

/* cc's parameters as this target's check takes them: the profile the
 * target names (an inventory's snmp_profile) in place of the check's own.
 * *params: the array to free (its strings are borrowed), NULL when cc is
 * taken as it is. 0 or -ENOMEM. */
static int target_params(const struct pd_plugin *plugin, const struct pd_target_conf *tc,
                         const struct pd_check_conf *cc, struct pd_check_conf *eff,
                         struct pd_param **params)
{
    const char *profile = pd_target_profile(tc, plugin->name);
    *eff = *cc;
    *params = NULL;
    for (size_t o = 0; profile && o < plugin->n_options; o++) {
        const struct pd_option *opt = &plugin->options[o];
        if (opt->type != PD_OPT_PROFILE)
            continue;
        struct pd_param *p = calloc(eff->n_params + 1, sizeof(*p));
        if (!p)
            return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < eff->n_params; i++)
            if (strcmp(eff->params[i].key, opt->key) != 0)
                p[n++] = eff->params[i];
        p[n++] = (struct pd_param){.key = (char *)opt->key, .value = (char *)profile, .at = tc->at};
        free(*params);
        *params = p;
        eff->params = p;
        eff->n_params = n;
    }
    return 0;
}

static struct pd_check *check_new(struct pd_core *core, const struct pd_config *cfg,
                                  struct pd_target *target, const struct pd_check_conf *cc,
                                  char *err, size_t errlen)
{
    struct pd_check *check = calloc(1, sizeof(*check));
    struct pd_check_conf eff;
    struct pd_param *params = NULL;
    if (!check)
        return NULL;
    check->core = core;
    check->target = target;
    check->conf = cc;
    check->sched.heap_index = SIZE_MAX;
    check->last_verdict = PD_NO_VERDICT;
    pd_state_init(&check->sm, cc->fail_after, cc->recover_after);
    check->plugin = pd_registry_get(core->reg, cc->type, err, errlen);
    if (!check->plugin)
        goto fail;
    if (target_params(check->plugin, target->conf, cc, &eff, &params) < 0)
        goto fail;
    check->params = calloc(1, check->plugin->params_size ? check->plugin->params_size : 1);
    size_t keylen = strlen(target->conf->id) + strlen(cc->id) + 2;
    check->key = malloc(keylen);
    check->fingerprint = fingerprint(cfg, check->plugin, target->conf, &eff);
    if (!check->params || !check->key || !check->fingerprint)
        goto fail;
    snprintf(check->key, keylen, "%s/%s", target->conf->id, cc->id);
    if (pd_options_parse_check(check->plugin, &eff, check->params, err, errlen) < 0) {
        free(check->params);
        check->params = NULL;
        goto fail;
    }
    free(params);
    return check;
fail:
    free(params);
    check_free(core, check);
    return NULL;
}

static struct pd_target *target_new(const struct pd_target_conf *tc)
{
    struct pd_target *target = calloc(1, sizeof(*target));
    if (target)
        target->conf = tc;
    return target;
}

static void target_free(struct pd_target *target)
{
    free(target->checks);
    free(target);
}

static void send_inventory(struct pd_core *core)
{
    struct pd_inventory_item *items = calloc(core->n_targets + 1, sizeof(*items));
    struct pd_check_ref *refs = calloc(core->n_checks + 1, sizeof(*refs));
    if (!items || !refs) {
        pd_err("core", "out of memory: inventory not recorded");
        goto out;
    }
    size_t r = 0;
    for (size_t i = 0; i < core->n_targets; i++) {
        const struct pd_target *t = core->targets[i];
        items[i] = (struct pd_inventory_item){t->conf->id, t->conf->name, t->conf->address,
                                              t->conf->type, t->conf->site};
        for (size_t c = 0; c < t->n_checks; c++)
            refs[r++] = (struct pd_check_ref){t->conf->id, t->checks[c]->conf->id};
    }
    pd_storage_inventory(core->storage, pd_clock_wall(), items, core->n_targets, refs, r);
out:
    free(items);
    free(refs);
}

/* Build the new target list from cfg, moving over what stays. Nothing of
 * the old runtime is freed here: on failure the caller throws away only
 * what this created. */
static int build_runtime(struct pd_core *core, const struct pd_config *cfg,
                         struct pd_target **targets, struct pd_hashmap *tmap,
                         struct pd_hashmap *cmap, size_t *n_checks, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const struct pd_target_conf *tc = &cfg->targets[i];
        struct pd_target *target = pd_hashmap_get(&core->target_map, tc->id);
        struct pd_target *fresh = target_new(tc);
        if (!fresh)
            return -ENOMEM;
        if (target) {
            fresh->state = target->state;
            fresh->since = target->since;
            memcpy(fresh->reason, target->reason, sizeof(fresh->reason));
        }
        targets[i] = fresh;
        fresh->checks = calloc(tc->tmpl->n_checks + 1, sizeof(*fresh->checks));
        if (!fresh->checks || pd_hashmap_put(tmap, tc->id, fresh) < 0)
            return -ENOMEM;
        for (size_t c = 0; c < tc->tmpl->n_checks; c++) {
            struct pd_check *check = check_new(core, cfg, fresh, &tc->tmpl->checks[c], err, errlen);
            if (!check)
                return -EINVAL;
            fresh->checks[fresh->n_checks++] = check;
            (*n_checks)++;
            if (pd_hashmap_put(cmap, check->key, check) < 0)
                return -ENOMEM;
        }
    }
    return 0;
}

static void free_runtime(struct pd_core *core, struct pd_target **targets, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!targets[i])
            continue;
        for (size_t c = 0; c < targets[i]->n_checks; c++)
            check_free(core, targets[i]->checks[c]);
        target_free(targets[i]);
    }
    free(targets);
}

/* A check that stays hands its state to its successor; when its plugin
 * instance can stay too, the successor takes the instance over instead of
 * starting a new one, so rounds in flight are not lost. */
static void carry_over(struct pd_check *fresh, struct pd_check *old)
{
    int fail_after = fresh->sm.fail_after, recover_after = fresh->sm.recover_after;
    fresh->sm = old->sm;
    fresh->sm.fail_after = fail_after;
    fresh->sm.recover_after = recover_after;
    fresh->rounds = old->rounds;
    fresh->skipped = old->skipped;
    fresh->last_verdict = old->last_verdict;
    memcpy(fresh->last_reason, old->last_reason, sizeof(fresh->last_reason));
    fresh->status_written = old->status_written;
    if (strcmp(fresh->fingerprint, old->fingerprint) != 0)
        return;
    /* Same instance: swap params (and the plugin's state in them), watches,
     * timers, and the round in progress. Watches point at their check. */
    void *params = fresh->params;
    fresh->params = old->params;
    old->params = params;
    fresh->started = old->started;
    old->started = 0;
    fresh->in_round = old->in_round;
    fresh->round_wall = old->round_wall;
    fresh->watches = old->watches;
    fresh->timers = old->timers;
    old->watches = NULL;
    old->timers = NULL;
    for (struct pd_watch *w = fresh->watches; w; w = w->next)
        w->check = fresh;
    for (struct pd_timer *t = fresh->timers; t; t = t->next)
        t->check = fresh;
    fresh->round_due = old->round_due;
    if (fresh->started && fresh->plugin->rebind)
        fresh->plugin->rebind(fresh, fresh->params);
}

/* Every target's address, for the resolver (literals are skipped there). */
static void want_names(struct pd_core *core, const struct pd_config *cfg)
{
    const char **names = calloc(cfg->n_targets + 1, sizeof(*names));
    if (!names) {
        pd_err("core", "out of memory: host names not resolved");
        return;
    }
    for (size_t i = 0; i < cfg->n_targets; i++)
        names[i] = cfg->targets[i].address;
    if (pd_resolver_set_names(core->resolver, names, cfg->n_targets) < 0)
        pd_err("core", "cannot start the resolver: host names not resolved");
    free(names);
}

int pd_core_apply(struct pd_core *core, struct pd_config *cfg, char *err, size_t errlen)
{
    struct pd_target **targets = calloc(cfg->n_targets + 1, sizeof(*targets));
    struct pd_hashmap tmap, cmap;
    pd_hashmap_init(&tmap);
    pd_hashmap_init(&cmap);
    size_t n_checks = 0;
    if (!targets)
        return -ENOMEM;
    int rc = build_runtime(core, cfg, targets, &tmap, &cmap, &n_checks, err, errlen);
    if (rc < 0) {
        free_runtime(core, targets, cfg->n_targets);
        pd_hashmap_free(&tmap);
        pd_hashmap_free(&cmap);
        return rc;
    }

    /* From here on nothing fails. */
    pd_ns now = pd_clock_mono();
    for (size_t i = 0; i < cfg->n_targets; i++) {
        for (size_t c = 0; c < targets[i]->n_checks; c++) {
            struct pd_check *check = targets[i]->checks[c];
            struct pd_check *old = pd_hashmap_get(&core->check_map, check->key);
            if (old)
                carry_over(check, old);
            pd_sched_add(&core->sched, &check->sched, now, check->conf->interval,
                         pd_sched_phase(check->key, check->conf->interval));
        }
    }
    free_runtime(core, core->targets, core->n_targets);
    pd_hashmap_free(&core->target_map);
    pd_hashmap_free(&core->check_map);
    core->targets = targets;
    core->n_targets = cfg->n_targets;
    core->target_map = tmap;
    core->check_map = cmap;
    core->n_checks = n_checks;
    if (core->health) {
        pd_health_set(&core->health->targets, core->n_targets);
        pd_health_set(&core->health->checks, n_checks);
    }
    struct pd_config *old_cfg = core->cfg;
    core->cfg = cfg;

    want_names(core, cfg);
    /* The inventory first: storage shows a target only once it is known. */
    if (core->storage)
        send_inventory(core);
    pd_ns wall = pd_clock_wall();
    for (size_t i = 0; i < core->n_targets; i++)
        update_target(core, core->targets[i], wall, "configuration changed");
    pd_config_free(old_cfg);
    arm_scheduler(core);
    return 0;
}

int pd_core_new(struct pd_loop *loop, struct pd_registry *reg, struct pd_storage *storage,
                struct pd_config *cfg, struct pd_core **out, char *err, size_t errlen)
{
    struct pd_core *core = calloc(1, sizeof(*core));
    if (!core) {
        pd_config_free(cfg);
        return -ENOMEM;
    }
    core->loop = loop;
    core->reg = reg;
    core->storage = storage;
    pd_hashmap_init(&core->target_map);
    pd_hashmap_init(&core->check_map);
    pd_sched_init(&core->sched);
    core->sched_timer = pd_tmr_new(loop, sched_fired, core);
    core->heartbeat_timer = pd_tmr_new(loop, heartbeat_fired, core);
    core->resolver = pd_resolver_new(cfg->dns_refresh, cfg->dns_retry);
    int rc = -ENOMEM;
    if (!core->sched_timer || !core->heartbeat_timer || !core->resolver)
        goto fail;
    rc = pd_core_apply(core, cfg, err, errlen);
    if (rc < 0)
        goto fail;
    if (storage)
        pd_tmr_start(core->heartbeat_timer, core->cfg->heartbeat);
    *out = core;
    return 0;
fail:
    pd_config_free(cfg);
    pd_core_free(core);
    return rc;
}

void pd_core_free(struct pd_core *core)
{
    if (!core)
        return;
    free_runtime(core, core->targets, core->n_targets);
    pd_hashmap_free(&core->target_map);
    pd_hashmap_free(&core->check_map);
    pd_sched_free(&core->sched);
    pd_tmr_free(core->sched_timer);
    pd_tmr_free(core->heartbeat_timer);
    pd_resolver_free(core->resolver);
    pd_config_free(core->cfg);
    free(core);
}

const struct pd_config *pd_core_config(const struct pd_core *core)
{
    return core->cfg;
}

pd_check *pd_core_find_check(struct pd_core *core, const char *target_id, const char *check_id)
{
    char key[2 * PD_ID_MAX + 2];
    snprintf(key, sizeof(key), "%s/%s", target_id, check_id);
    return pd_hashmap_get(&core->check_map, key);
}

enum pd_state pd_core_target_state(struct pd_core *core, const char *target_id)
{
    const struct pd_target *t = pd_hashmap_get(&core->target_map, target_id);
    return t ? t->state : PD_STATE_UNKNOWN;
}

enum pd_state pd_core_check_state(const pd_check *check, pd_ns *since)
{
    if (since)
        *since = check->sm.since;
    return check->sm.state;
}

uint64_t pd_core_check_rounds(const pd_check *check, uint64_t *skipped)
{
    if (skipped)
        *skipped = check->skipped;
    return check->rounds;
}

size_t pd_core_n_checks(const struct pd_core *core)
{
    return core->n_checks;
}
