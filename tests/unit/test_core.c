/*
 * The runtime end to end on loopback: real tcp plugin, real loop, real
 * storage. A listening port makes a check UP, a closed one DOWN; a reload
 * keeps the state of what stays, retires what goes, starts what is new.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "core.h"
#include "db.h"
#include "log.h"
#include "loop.h"
#include "registry.h"
#include "storage.h"

struct fixture {
    char dir[64];
    char config[128];
    int listen_fd;
    int open_port, closed_port;
    struct pd_loop *loop;
    struct pd_registry *reg;
    struct pd_storage *storage;
    struct pd_core *core;
};

static int tcp_port(int *fd_out)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        return -1;
    *fd_out = fd;
    return ntohs(a.sin_port);
}

/* targets: "id:port" pairs; the first template check decides availability. */
static void write_config(struct fixture *f, const char *targets_yaml, int port_for_sip)
{
    FILE *out = fopen(f->config, "w");
    assert_non_null(out);
    fprintf(out,
            "data_dir: %s/data\n"
            "plugin_dir: %s\n"
            "log: { level: warning }\n"
            "storage: { heartbeat: 1s }\n"
            "rrd: { rras: [ { step: 1x, keep: 1h } ] }\n"
            "templates:\n"
            "  open:\n"
            "    checks:\n"
            "      - { id: sip, type: tcp, port: %d, interval: 1s, timeout: 500ms,"
            " fail_after: 2, recover_after: 1, availability: true }\n"
            "  closed:\n"
            "    checks:\n"
            "      - { id: sip, type: tcp, port: %d, interval: 1s, timeout: 500ms,"
            " fail_after: 2, recover_after: 1, availability: true }\n"
            "targets:\n%s",
            f->dir, PD_TEST_PLUGIN_DIR, port_for_sip, f->closed_port, targets_yaml);
    fclose(out);
}

static struct pd_config *load(struct fixture *f)
{
    static char err[4096];
    struct pd_config *cfg = NULL;
    err[0] = '\0';
    int rc = pd_config_load(f->config, &cfg, err, sizeof(err));
    if (rc == 0 && !f->reg)
        f->reg = pd_registry_new(cfg->plugin_dir);
    if (rc == 0)
        rc = pd_config_bind_plugins(cfg, f->reg, err, sizeof(err));
    if (rc == 0)
        rc = pd_registry_init(f->reg, f->loop, err, sizeof(err));
    if (rc != 0)
        fail_msg("config: %s", err);
    return cfg;
}

/* Run the loop until the target reaches state, at most 15 s. */
static void run_until(struct fixture *f, const char *target, enum pd_state state)
{
    pd_ns deadline = pd_clock_mono() + 15 * PD_SEC;
    while (pd_core_target_state(f->core, target) != state && pd_clock_mono() < deadline)
        pd_loop_run_once(f->loop);
    assert_int_equal(pd_core_target_state(f->core, target), state);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/pd-test-core-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->config, sizeof(f->config), "%s/probed.yaml", f->dir);
    f->open_port = tcp_port(&f->listen_fd);
    assert_true(f->open_port > 0);
    assert_int_equal(listen(f->listen_fd, 64), 0);
    int closed_fd = -1;
    f->closed_port = tcp_port(&closed_fd);
    close(closed_fd); /* nothing listens there: connections are refused */
    pd_log_setup(PD_LOG_STDERR, PD_LOG_WARNING, "test_core");
    f->loop = pd_loop_default();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    pd_core_free(f->core);
    if (f->storage)
        pd_storage_close(f->storage, pd_clock_wall());
    pd_registry_free(f->reg);
    close(f->listen_fd);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void open_storage(struct fixture *f, const struct pd_config *cfg)
{
    char err[512];
    struct pd_storage_opts so = {.data_dir = cfg->data_dir,
                                 .rras = cfg->rras,
                                 .n_rras = cfg->n_rras,
                                 .queue_size = cfg->queue_size,
                                 .version = "test"};
    assert_int_equal(pd_storage_open(&so, &f->storage, err, sizeof(err)), 0);
}

static int count_rows(const struct pd_event_row *row, void *arg)
{
    (void)row;
    (*(int *)arg)++;
    return 0;
}

static int retired_seen;
static int status_row(const struct pd_status_row *row, void *arg)
{
    (void)arg;
    if (strcmp(row->target_id, "gone") == 0)
        retired_seen = 1;
    return 0;
}

static void test_states_and_reload(void **state)
{
    struct fixture *f = *state;
    char err[4096] = "";
    write_config(
        f,
        "  - { id: stays, name: \"保留的终端\", address: 127.0.0.1, type: open, site: a/b }\n"
        "  - { id: gone, address: 127.0.0.1, type: closed, site: a/b }\n",
        f->open_port);
    struct pd_config *cfg = load(f);
    open_storage(f, cfg);
    assert_int_equal(pd_core_new(f->loop, f->reg, f->storage, cfg, &f->core, err, sizeof(err)), 0);
    assert_int_equal(pd_core_n_checks(f->core), 2);
    run_until(f, "stays", PD_STATE_UP);
    run_until(f, "gone", PD_STATE_DOWN);

    pd_check *check = pd_core_find_check(f->core, "stays", "sip");
    assert_non_null(check);
    pd_ns since_before;
    assert_int_equal(pd_core_check_state(check, &since_before), PD_STATE_UP);
    uint64_t rounds_before = pd_core_check_rounds(check, NULL);

    /* Reload: "gone" leaves, "fresh" arrives, "stays" is untouched. */
    write_config(
        f,
        "  - { id: stays, name: \"保留的终端\", address: 127.0.0.1, type: open, site: a/b }\n"
        "  - { id: fresh, address: 127.0.0.1, type: open, site: a/c }\n",
        f->open_port);
    cfg = load(f);
    assert_int_equal(pd_core_apply(f->core, cfg, err, sizeof(err)), 0);
    check = pd_core_find_check(f->core, "stays", "sip");
    pd_ns since_after;
    assert_int_equal(pd_core_check_state(check, &since_after), PD_STATE_UP);
    assert_int_equal(since_after, since_before);
    assert_true(pd_core_check_rounds(check, NULL) >= rounds_before);
    assert_int_equal(pd_core_target_state(f->core, "stays"), PD_STATE_UP);
    assert_null(pd_core_find_check(f->core, "gone", "sip"));
    run_until(f, "fresh", PD_STATE_UP);

    /* A changed probe parameter restarts the probe, not the state. */
    write_config(
        f, "  - { id: stays, name: \"保留的终端\", address: 127.0.0.1, type: open, site: a/b }\n",
        f->closed_port);
    cfg = load(f);
    assert_int_equal(pd_core_apply(f->core, cfg, err, sizeof(err)), 0);
    check = pd_core_find_check(f->core, "stays", "sip");
    assert_int_equal(pd_core_check_state(check, &since_after), PD_STATE_UP);
    assert_int_equal(since_after, since_before);
    run_until(f, "stays", PD_STATE_DOWN);

    /* The store agrees: "stays" went UP once (from UNKNOWN) then DOWN;
     * "gone" is retired and out of the status table. */
    pd_storage_flush(f->storage);
    struct pd_db *db;
    assert_int_equal(pd_db_open(cfg->data_dir, 1, &db, err, sizeof(err)), 0);
    int n = 0;
    struct pd_event_filter filter = {.target_id = "stays", .targets_only = 1};
    assert_int_equal(pd_db_events(db, &filter, count_rows, &n), 0);
    assert_int_equal(n, 2);
    retired_seen = 0;
    assert_int_equal(pd_db_status(db, NULL, NULL, status_row, NULL), 0);
    assert_false(retired_seen);
    pd_db_close(db);
}

static void write_hang_config(struct fixture *f)
{
    FILE *out = fopen(f->config, "w");
    assert_non_null(out);
    fprintf(out,
            "data_dir: %s/data\n"
            "plugin_dir: %s\n"
            "log: { level: error }\n"
            "templates:\n"
            "  stuck:\n"
            "    checks: [ { id: h, type: hang, interval: 1s, availability: true } ]\n"
            "targets:\n"
            "  - { id: stuck-01, address: 127.0.0.1, type: stuck, site: a }\n",
            f->dir, PD_TEST_EXTRA_PLUGIN_DIR);
    fclose(out);
}

static void run_for(struct fixture *f, pd_ns duration)
{
    pd_ns end = pd_clock_mono() + duration;
    while (pd_clock_mono() < end)
        pd_loop_run_once(f->loop);
}

/* A round that never ends is never joined by a second one: its slots are
 * skipped and counted, across a reload too. */
static void test_round_never_stacked(void **state)
{
    struct fixture *f = *state;
    char err[4096] = "";
    write_hang_config(f);
    struct pd_config *cfg = load(f);
    open_storage(f, cfg);
    assert_int_equal(pd_core_new(f->loop, f->reg, f->storage, cfg, &f->core, err, sizeof(err)), 0);
    run_for(f, 3500 * PD_MSEC);
    pd_check *check = pd_core_find_check(f->core, "stuck-01", "h");
    uint64_t skipped;
    assert_int_equal(pd_core_check_rounds(check, &skipped), 0);
    assert_true(skipped >= 2);
    assert_int_equal(pd_core_check_state(check, NULL), PD_STATE_UNKNOWN);

    uint64_t skipped_before = skipped;
    cfg = load(f);
    assert_int_equal(pd_core_apply(f->core, cfg, err, sizeof(err)), 0);
    run_for(f, 2500 * PD_MSEC);
    check = pd_core_find_check(f->core, "stuck-01", "h");
    assert_int_equal(pd_core_check_rounds(check, &skipped), 0);
    assert_true(skipped >= skipped_before + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_states_and_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_never_stacked, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
