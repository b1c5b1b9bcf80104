/* probed: the daemon's main(): options, start-up order, signals, shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "inspect_thread.h"
#include "clock.h"
#include "config.h"
#include "core.h"
#include "fsutil.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "privileges.h"
#include "registry.h"
#include "storage.h"
#include "timefmt.h"
#include "web.h"

#define DEFAULT_CONFIG "/etc/probed/probed.yaml"
#define ERR_LEN        8192

struct daemon {
    const char *config_path;
    int foreground;
    struct pd_loop *loop;
    struct pd_registry *reg;
    struct pd_storage *storage;
    struct pd_core *core;
    struct pd_async *commit_wakeup;
    struct pd_web *web;
    struct pd_alerts *alerts;          /* its own thread */
    struct pd_inspect_thread *inspect; /* its own thread: the daily check's files */
    char *config_abs;                  /* config_path, absolute: the daemon changes directory */
    /* Written by the loop and the storage thread, read by the web's: it
     * lives in main's frame, longer than all of them. */
    struct pd_health health;
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: probed [-c FILE] [-f] [--pid-file PATH]\n"
                 "       probed [-c FILE] --check-config\n"
                 "       probed --version | --help\n"
                 "\n"
                 "probed probes every device of the configured inventory (ICMP, TCP,\n"
                 "SNMP, HTTP and HLS, passive RTP), keeps the state of every check\n"
                 "and target (UP, DOWN, UNKNOWN), writes measurements to RRD files and\n"
                 "every state change to an SQLite event store, from which availability,\n"
                 "MTBF and MTTR reports are computed.\n"
                 "\n"
                 "Options:\n"
                 "  -c, --config FILE    main configuration file (default " DEFAULT_CONFIG ")\n"
                 "  -f, --foreground     stay in the foreground and log to stderr\n"
                 "                       (otherwise: detach and log to syslog)\n"
                 "  -n, --check-config   load and validate the configuration, its inventory\n"
                 "                       files and every check's options, then exit\n"
                 "  -p, --pid-file PATH  write and lock a pid file (overrides pid_file:)\n"
                 "                       A relative FILE or PATH is taken from the directory\n"
                 "                       probed starts in; paths inside the file from the\n"
                 "                       file's own directory\n"
                 "  -V, --version        print the version and exit\n"
                 "  -h, --help           print this help and exit\n"
                 "\n"
                 "Signals:\n"
                 "  SIGHUP           reload the configuration and inventory; on any error\n"
                 "                   the running configuration stays and the errors are logged\n"
                 "  SIGTERM, SIGINT  write what is queued, record a clean stop, exit 0\n"
                 "\n"
                 "Files:\n"
                 "  <data_dir>/probed.db          events, states, runs (SQLite, WAL)\n"
                 "  <data_dir>/rrd/<target>/<check>.rrd   measurements\n"
                 "  <data_dir>/reports/daily-<day>.*      the daily health checks\n"
                 "\n"
                 "Exit status: 0 on a clean stop or a valid configuration, 1 on errors,\n"
                 "2 on bad usage.\n"
                 "\n"
                 "See 'probectl --help' for status, events, reports, inspections and the\n"
                 "inventory, and docs/configuration.md for every configuration key.\n");
}

/* Load, then check every check against its plugin. */
static int load_config(const char *path, struct pd_registry **reg, struct pd_config **out,
                       char *err, size_t errlen)
{
    struct pd_config *cfg;
    int rc = pd_config_load(path, &cfg, err, errlen);
    if (rc < 0)
        return rc;
    if (!*reg)
        *reg = pd_registry_new(cfg->plugin_dir);
    if (!*reg) {
        pd_config_free(cfg);
        return -ENOMEM;
    }
    rc = pd_config_bind_plugins(cfg, *reg, err, errlen);
    if (rc < 0) {
        pd_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

static size_t count_checks(const struct pd_config *cfg)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_targets; i++)
        n += cfg->targets[i].tmpl->n_checks;
    return n;
}

static void log_lines(int level, const char *prefix, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        if (len > 0)
            pd_logf(level, "config", NULL, "%s%.*s", prefix, len, p);
        p += len + (nl ? 1 : 0);
    }
}

static void warn_restart_only(const struct pd_config *old, const struct pd_config *cfg)
{
    struct {
        const char *key, *a, *b;
    } keys[] = {
        {"data_dir", old->data_dir, cfg->data_dir},
        {"user", old->user, cfg->user},
        {"timezone", old->timezone, cfg->timezone},
        {"plugin_dir", old->plugin_dir, cfg->plugin_dir},
        {"pid_file", old->pid_file, cfg->pid_file},
        {"web listen", old->web.enabled ? old->web.listen : "off",
         cfg->web.enabled ? cfg->web.listen : "off"},
        {"web tls_cert", old->web.tls_cert, cfg->web.tls_cert},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *a = keys[i].a ? keys[i].a : "", *b = keys[i].b ? keys[i].b : "";
        if (strcmp(a, b) != 0)
            pd_warn("config", "%s changed from '%s' to '%s': takes effect at the next restart",
                    keys[i].key, a, b);
    }
}

static void reload(struct daemon *d)
{
    static char err[ERR_LEN];
    err[0] = '\0';
    struct pd_config *cfg = NULL;
    const struct pd_config *old = pd_core_config(d->core);
    size_t old_targets = old->n_targets;
    pd_notice("config", "SIGHUP: reloading %s", d->config_path);
    pd_health_add(&d->health.reloads, 1);
    int rc = load_config(d->config_path, &d->reg, &cfg, err, sizeof(err));
    if (rc == 0)
        rc = pd_registry_configure(d->reg, cfg, err, sizeof(err));
    if (rc == 0)
        rc = pd_registry_init(d->reg, d->loop, err, sizeof(err));
    if (rc == 0) {
        warn_restart_only(old, cfg);
        pd_log_setup(d->foreground && !cfg->log_syslog ? PD_LOG_STDERR : PD_LOG_SYSLOG,
                     cfg->log_level, "probed");
        size_t n_targets = cfg->n_targets, n_checks = count_checks(cfg);
        /* The alert thread reads the configuration under its lock: the
         * old one is freed inside pd_core_apply. */
        pd_alerts_lock(d->alerts);
        rc = pd_core_apply(d->core, cfg, err, sizeof(err));
        pd_alerts_set_config(d->alerts, pd_core_config(d->core));
        pd_alerts_unlock(d->alerts);
        if (rc == 0) {
            pd_inspect_thread_schedule(d->inspect, pd_core_config(d->core));
            pd_notice("config", "reloaded: %zu targets (was %zu), %zu checks", n_targets,
                      old_targets, n_checks);
            atomic_store_explicit(&d->health.last_reload_ok, 1, memory_order_relaxed);
            atomic_store_explicit(&d->health.last_reload_wall, pd_clock_wall(),
                                  memory_order_relaxed);
            if (d->web && pd_web_set_config(d->web, pd_core_config(d->core)) < 0)
                pd_warn("web", "out of memory: the dashboard keeps the previous maintenance "
                               "windows of the configuration");
            return;
        }
    }
    log_lines(PD_LOG_ERR, "", err);
    pd_err("config", "reload failed: still running on the previous configuration");
    pd_health_add(&d->health.reload_failures, 1);
    atomic_store_explicit(&d->health.last_reload_ok, 0, memory_order_relaxed);
    pd_config_free(cfg);
}

static void on_signal(void *arg, int signo)
{
    struct daemon *d = arg;
    if (signo == SIGHUP) {
        reload(d);
        return;
    }
    pd_notice("core", "%s: stopping", strsignal(signo));
    pd_loop_break(d->loop);
}

static void on_commit_wakeup(void *arg)
{
    struct daemon *d = arg;
    if (d->core)
        pd_core_committed(d->core);
    pd_alerts_wake(d->alerts);
}

/* Storage thread: only wake the loop. */
static void on_commit(void *arg)
{
    pd_async_send(arg);
}

static int write_pid_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "probed: pid file %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char other[32] = "";
        ssize_t n = read(fd, other, sizeof(other) - 1);
        other[n > 0 ? n : 0] = '\0';
        other[strcspn(other, "\n")] = '\0';
        fprintf(stderr, "probed: already running (pid %s, pid file %s)\n", other, path);
        close(fd);
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, pid, (size_t)len) != len) {
        fprintf(stderr, "probed: pid file %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd; /* kept open: the lock lives as long as we do */
}

/* path as an absolute path (taken: free()), relative to the current
 * directory; NULL with errno set. */
static char *absolute_path(const char *path)
{
    char cwd[PATH_MAX];
    if (path[0] == '/')
        return strdup(path);
    if (!getcwd(cwd, sizeof(cwd)))
        return NULL;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *abs = malloc(n);
    if (abs)
        snprintf(abs, n, "%s/%s", cwd, path);
    return abs;
}

static int run(struct daemon *d, struct pd_config *cfg, const char *pid_path)
{
    static char err[ERR_LEN];
    int pid_fd = -1, web_fd = -1, rc = 1;
    /* cfg goes to the core and may be replaced: keep our own copy. */
    char pid_file[4096] = "";
    if (pid_path)
        snprintf(pid_file, sizeof(pid_file), "%s", pid_path);

    if (!d->foreground && daemon(0, 0) < 0) {
        fprintf(stderr, "probed: cannot detach: %s\n", strerror(errno));
        goto out;
    }
    pd_log_setup(d->foreground && !cfg->log_syslog ? PD_LOG_STDERR : PD_LOG_SYSLOG, cfg->log_level,
                 "probed");
    /* Every plugin is initialised now, while we are root: a reload may
     * start using one (icmp's raw socket) after privileges are gone. */
    d->loop = pd_loop_default();
    pd_registry_set_health(d->reg, &d->health);
    if (pd_registry_load_all(d->reg, err, sizeof(err)) < 0 ||
        pd_registry_configure(d->reg, cfg, err, sizeof(err)) < 0 ||
        pd_registry_init(d->reg, d->loop, err, sizeof(err)) < 0) {
        log_lines(PD_LOG_ERR, "", err);
        goto out;
    }
    if (pid_file[0] && (pid_fd = write_pid_file(pid_file)) < 0)
        goto out;
    /* Created while still root: the user we become may not be able to. */
    if (pd_mkdir_p(cfg->data_dir, err, sizeof(err)) < 0) {
        pd_err("core", "data_dir: %s", err);
        goto out;
    }
    /* The dashboard's socket is bound while we are root (a port below
     * 1024); when it cannot be, the probing goes on without it. */
    if (cfg->web.enabled && pd_web_bind(cfg, &web_fd, err, sizeof(err)) < 0)
        pd_err("web", "%s: the dashboard is off until the next restart", err);
    if (cfg->user && geteuid() == 0) {
        char what[256];
        if (pd_chown_tree(cfg->data_dir, cfg->user, err, sizeof(err)) < 0 ||
            pd_drop_privileges(cfg->user, NULL, 0, what, sizeof(what), err, sizeof(err)) < 0) {
            pd_err("core", "%s", err);
            goto out;
        }
        pd_notice("core", "%s", what);
    }

    d->commit_wakeup = pd_async_new(d->loop, on_commit_wakeup, d);
    struct pd_storage_opts so = {
        .data_dir = cfg->data_dir,
        .rras = cfg->rras,
        .n_rras = cfg->n_rras,
        .rrd_write_delay = cfg->rrd_write_delay,
        .queue_size = cfg->queue_size,
        .version = PROBED_VERSION,
        .on_commit = on_commit,
        .on_commit_arg = d->commit_wakeup,
        .health = &d->health,
    };
    if (pd_storage_open(&so, &d->storage, err, sizeof(err)) < 0) {
        pd_err("storage", "%s", err);
        goto out;
    }
    /* The dashboard is not the probing: when it cannot start, say so and
     * go on measuring. */
    int web_rc = web_fd >= 0 ? pd_web_start(cfg, web_fd, &d->health, &d->web, err, sizeof(err)) : 0;
    web_fd = -1; /* taken */
    if (web_rc < 0)
        pd_err("web", "%s: the dashboard is off until the next restart", err);
    else if (d->web)
        pd_notice("web", "dashboard on %s://%s (port %u)", cfg->web.tls_cert ? "https" : "http",
                  cfg->web.listen, pd_web_port(d->web));
    size_t n_targets = cfg->n_targets, n_checks = count_checks(cfg);
    char data_dir[4096];
    snprintf(data_dir, sizeof(data_dir), "%s", cfg->data_dir);
    int crc = pd_core_new(d->loop, d->reg, d->storage, cfg, &d->core, err, sizeof(err));
    cfg = NULL; /* taken */
    if (crc < 0) {
        log_lines(PD_LOG_ERR, "", err);
        goto out;
    }
    pd_core_set_health(d->core, &d->health);
    /* Alerts are not the probing either: without them, measuring goes on. */
    if (pd_alerts_start(pd_core_config(d->core), &d->alerts, err, sizeof(err)) < 0)
        pd_err("alert", "%s: no alerts until the next restart", err);
    /* Nor are the inspection records. */
    if (d->config_abs && pd_inspect_thread_start(d->config_abs, pd_core_config(d->core),
                                                 &d->inspect, err, sizeof(err)) < 0)
        pd_err("inspect", "%s: no daily check records until the next restart", err);
    pd_notice("core", "probed %s started (run %lld): %zu targets, %zu checks, data in %s",
              PROBED_VERSION, (long long)pd_storage_run_id(d->storage), n_targets, n_checks,
              data_dir);

    struct pd_sig *sigs[] = {
        pd_sig_new(d->loop, SIGHUP, on_signal, d),
        pd_sig_new(d->loop, SIGTERM, on_signal, d),
        pd_sig_new(d->loop, SIGINT, on_signal, d),
    };
    pd_loop_run(d->loop);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        pd_sig_free(sigs[i]);
    rc = 0;

out:
    if (web_fd >= 0)
        close(web_fd);
    pd_web_stop(d->web);
    d->web = NULL;
    pd_alerts_stop(d->alerts); /* before the core frees the configuration it reads */
    d->alerts = NULL;
    pd_inspect_thread_stop(d->inspect);
    d->inspect = NULL;
    pd_core_free(d->core);
    d->core = NULL;
    if (d->storage) {
        struct pd_storage_stats st;
        pd_storage_stats(d->storage, &st);
        pd_ns now = pd_clock_wall();
        pd_storage_heartbeat(d->storage, now);
        pd_storage_close(d->storage, now);
        pd_notice("core", "stopped: %llu samples written, %llu dropped, %llu transitions committed",
                  (unsigned long long)st.samples_written, (unsigned long long)st.samples_dropped,
                  (unsigned long long)st.transitions_committed);
    }
    pd_async_free(d->commit_wakeup);
    pd_config_free(cfg);
    if (pid_fd >= 0) {
        unlink(pid_file);
        close(pid_fd);
    }
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"foreground", no_argument, NULL, 'f'},
        {"check-config", no_argument, NULL, 'n'},
        {"pid-file", required_argument, NULL, 'p'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct daemon d = {.config_path = DEFAULT_CONFIG};
    const char *pid_file = NULL;
    int check_only = 0, opt;
    while ((opt = getopt_long(argc, argv, "c:fnp:Vh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            d.config_path = optarg;
            break;
        case 'f':
            d.foreground = 1;
            break;
        case 'n':
            check_only = 1;
            break;
        case 'p':
            pid_file = optarg;
            break;
        case 'V':
            printf("probed %s (plugin ABI %d)\n", PROBED_VERSION, PD_PLUGIN_ABI);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "probed: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    signal(SIGPIPE, SIG_IGN);
    static char err[ERR_LEN];
    struct pd_config *cfg = NULL;
    pd_ns t0 = pd_clock_mono();
    if (load_config(d.config_path, &d.reg, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s", err);
        fprintf(stderr, "probed: configuration %s is not valid\n", d.config_path);
        pd_registry_free(d.reg);
        return 1;
    }
    if (check_only) {
        printf("probed: %s is valid: %zu targets, %zu checks, %zu templates (loaded in %.1f ms)\n",
               d.config_path, cfg->n_targets, count_checks(cfg), cfg->n_templates,
               (double)(pd_clock_mono() - t0) / 1e6);
        /* systemd runs this before every start and reload: a template that
         * replaces another is in the journal each time. */
        for (size_t i = 0; i < cfg->n_templates; i++) {
            char origin[2 * PATH_MAX + 128];
            if (cfg->templates[i].replaced.file)
                printf("probed: template '%s': %s\n", cfg->templates[i].name,
                       pd_config_template_origin(&cfg->templates[i], origin, sizeof(origin)));
        }
        pd_config_free(cfg);
        pd_registry_free(d.reg);
        return 0;
    }
    /* Local times in logs, alerts and pages follow the configured zone, set
     * before any thread; its name too, which alerts and pages show. */
    char tz_err[256];
    if (pd_time_set_zone(cfg->timezone, tz_err, sizeof(tz_err)) < 0) {
        fprintf(stderr, "probed: %s: %s\n", d.config_path, tz_err);
        pd_config_free(cfg);
        pd_registry_free(d.reg);
        return 1;
    }
    /* Before run() detaches, which changes directory to /: a reload and
     * the inspection thread read the file again, and the pid file is
     * written after. */
    char *pid_abs = NULL;
    d.config_abs = realpath(d.config_path, NULL);
    if (!pid_file)
        pid_file = cfg->pid_file;
    if (!d.config_abs || (pid_file && !(pid_abs = absolute_path(pid_file)))) {
        fprintf(stderr, "probed: %s: %s\n", d.config_abs ? pid_file : d.config_path,
                strerror(errno));
        free(d.config_abs);
        pd_config_free(cfg);
        pd_registry_free(d.reg);
        return 1;
    }
    d.config_path = d.config_abs;
    pd_health_init(&d.health, pd_clock_wall());
    int rc = run(&d, cfg, pid_abs);
    free(pid_abs);
    free(d.config_abs);
    pd_registry_free(d.reg);
    pd_health_free(&d.health);
    return rc;
}
