#include "snmp_mib.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "snmp_oids.h"

static bool loaded;
static char searched[2048]; /* the directories read, for error messages */
static unsigned problems;
static char first_problem[256];

static const char *const system_dirs[] = {
    "/usr/share/snmp/mibs", "/usr/share/snmp/mibs/iana", "/usr/share/snmp/mibs/ietf",
    "/usr/share/mibs/iana", "/usr/share/mibs/ietf",      "/usr/share/mibs/netsnmp",
};

static int capture_log(netsnmp_log_handler *h, int priority, const char *msg)
{
    (void)h;
    (void)priority;
    /* The parser names net-snmp's own MIBDIRS there, not ours. */
    if (!msg || strncmp(msg, "MIB search path", 15) == 0)
        return 1;
    if (problems++ == 0) {
        snprintf(first_problem, sizeof(first_problem), "%s", msg);
        first_problem[strcspn(first_problem, "\n")] = '\0';
    }
    return 1;
}

static const char *searched_text(void)
{
    return searched[0] ? searched : "no MIB directory found";
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void add_searched(const char *dir)
{
    size_t used = strlen(searched);
    snprintf(searched + used, sizeof(searched) - used, "%s%s", used ? ":" : "", dir);
}

/* searched, in priority order. */
static void choose_dirs(void)
{
    searched[0] = '\0';
    const char *env = getenv("PROBED_MIBDIRS");
    if (env && *env) {
        /* As given, even the ones missing: a typo shows in the message. */
        for (const char *p = env; *p;) {
            size_t n = strcspn(p, ":");
            if (n > 0) {
                char dir[512];
                snprintf(dir, sizeof(dir), "%.*s", (int)n, p);
                add_searched(dir);
            }
            p += n + (p[n] == ':');
        }
        return;
    }
    for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
        if (is_dir(system_dirs[i]))
            add_searched(system_dirs[i]);
#ifdef PROBED_MIB_DIR
    if (is_dir(PROBED_MIB_DIR))
        add_searched(PROBED_MIB_DIR);
#endif
#ifdef PROBED_MIB_SOURCE_DIR
    if (is_dir(PROBED_MIB_SOURCE_DIR))
        add_searched(PROBED_MIB_SOURCE_DIR);
#endif
}

static void note_dirs(void)
{
    /* When two files hold the same module, net-snmp keeps the one noted
     * last: note the directories lowest priority first. */
    char copy[sizeof(searched)];
    memcpy(copy, searched, sizeof(copy));
    for (char *end = copy + strlen(copy);;) {
        char *sep = end;
        while (sep > copy && sep[-1] != ':')
            sep--;
        if (sep < end) {
            *end = '\0';
            add_mibdir(sep);
        }
        if (sep == copy)
            break;
        end = sep - 1;
    }
}

static void load(void)
{
    choose_dirs();
    problems = 0;
    first_problem[0] = '\0';
    /* Whatever the parser says goes to capture_log alone: not to stderr
     * (snmp_log's choice while no handler is enabled, before
     * snmp_library_init), nor to the plugin's log handler (after it). */
    netsnmp_log_handler *paused[16];
    size_t n_paused = 0;
    for (netsnmp_log_handler *h = get_logh_head(); h && n_paused < 16; h = h->next) {
        if (h->enabled) {
            netsnmp_disable_this_loghandler(h);
            paused[n_paused++] = h;
        }
    }
    netsnmp_log_handler *capture = netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_DEBUG);
    if (capture)
        capture->handler = capture_log;
    int errors = netsnmp_ds_get_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS);
    int warnings = netsnmp_ds_get_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, 1);
    netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);

    netsnmp_init_mib_internals();
    note_dirs();
    read_all_mibs();

    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, errors);
    netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, warnings);
    if (capture) {
        netsnmp_disable_this_loghandler(capture); /* remove does not count it out */
        netsnmp_remove_loghandler(capture);
    }
    for (size_t i = 0; i < n_paused; i++)
        netsnmp_enable_this_loghandler(paused[i]);
    loaded = true;
}

static bool numeric(const char *s)
{
    return strspn(s, "0123456789.") == strlen(s);
}

int snmp_mib_resolve(const char *text, uint32_t *sub, size_t *len, char *err, size_t errlen)
{
    if (numeric(text)) {
        struct snmp_oid o;
        if (snmp_oid_parse(text, &o) < 0 || o.len > *len) {
            snprintf(err, errlen, "'%s' is not a numeric OID such as 1.3.6.1.2.1.1.3.0", text);
            return -EINVAL;
        }
        memcpy(sub, o.sub, o.len * sizeof(*sub));
        *len = o.len;
        return 0;
    }
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++) {
        if (text[i] <= ' ' || text[i] > '~') {
            snprintf(err, errlen, "'%s' is not an OID name such as IF-MIB::ifHCInOctets.3", text);
            return -EINVAL;
        }
    }
    /* snmp_library_shutdown() unloads every module. */
    if (!loaded || !find_module(0))
        load();

    /* get_node's own reading of "MODULE::": letters, digits, '-', then ':'. */
    size_t m = strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");
    if (text[m] == ':') {
        char module[128];
        snprintf(module, sizeof(module), "%.*s", (int)m, text);
        if (m == 0 || m >= sizeof(module) || which_module(module) < 0) {
            snprintf(err, errlen, "unknown MIB module '%.*s' (MIBs searched: %s)", (int)m, text,
                     searched_text());
            return -ENOENT;
        }
    }
    oid buf[MAX_OID_LEN];
    size_t got = MAX_OID_LEN;
    if (!get_node(text, buf, &got)) {
        snprintf(err, errlen, "unknown object name '%s' (MIBs searched: %s)", text,
                 searched_text());
        return -ENOENT;
    }
    if (got > *len) {
        snprintf(err, errlen, "'%s' has more than %zu sub-identifiers", text, *len);
        return -EINVAL;
    }
    for (size_t i = 0; i < got; i++) {
        if (buf[i] > UINT32_MAX) {
            snprintf(err, errlen, "'%s': a sub-identifier is above 4294967295", text);
            return -EINVAL;
        }
        sub[i] = (uint32_t)buf[i];
    }
    *len = got;
    return 0;
}

unsigned snmp_mib_problems(char *first, size_t firstlen)
{
    snprintf(first, firstlen, "%s", first_problem);
    return problems;
}
