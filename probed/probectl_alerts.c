/* probectl alerts: the stored alerts (listed by probectl_alerts_list.c),
 * and `test ROUTE`: a test alert through every channel of a route, now,
 * to check the channels' settings end to end. */
#include "probectl_alerts.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "clock.h"
#include "probectl_common.h"

#define CMD "alerts test"

static const char alerts_help[] =
    "Usage: probectl [-c FILE] alerts [--pending | --failed] [--since TIME]\n"
    "                [--format table|csv|json] [--no-bom]\n"
    "       probectl [-c FILE] alerts --attempts ID [--format table|csv|json]\n"
    "       probectl [-c FILE] alerts test ROUTE\n"
    "\n"
    "Lists the alert messages in the event store <data_dir>/probed.db, newest\n"
    "first: by default those of the last 7 days, in every state. probed stores\n"
    "each message (one per channel; changes close together go out as one\n"
    "message of several items) before it sends it, with every delivery attempt.\n"
    "A message is\n"
    "  pending    stored, not delivered yet: tried again after alerts.retry.min,\n"
    "             the wait doubling up to alerts.retry.max (5s, 5m by default)\n"
    "  delivered  accepted by the channel's server\n"
    "  expired    given up: not delivered within alerts.retry.expire (24h) of\n"
    "             being made. Nobody got it.\n"
    "It works whether or not probed is running; pending alerts wait while it is\n"
    "not, and the heading says so.\n"
    "\n"
    "Columns of the table (times in the configured time zone):\n"
    "  ID          the alert's id (the webhook's \"id\", the same on every retry)\n"
    "  CREATED     when probed made the message\n"
    "  STATE       pending, delivered or expired\n"
    "  TRIES       delivery attempts so far\n"
    "  NEXT/DONE   pending: when the next attempt is due; delivered: when it was\n"
    "              delivered; expired: when it was given up (the time of day\n"
    "              only, when on the day of CREATED)\n"
    "  CHANNEL     the channel's id (alerts.channels)\n"
    "  ROUTE       the route, or routes separated by commas, that chose the channel\n"
    "  KIND        problem, recovery, reminder, flapping, or mixed (items of\n"
    "              several kinds in one message)\n"
    "  ITEMS       how many changes the message reports\n"
    "  SUBJECT     the message's subject, cut at 44 columns\n"
    "  LAST ERROR  why the last attempt failed (of an expired alert, also why it\n"
    "              was given up); the column is left out when no alert has one\n"
    "\n"
    "Options:\n"
    "  --pending        only the pending alerts, of any age\n"
    "  --failed         what has not reached anyone and ran into trouble, of any\n"
    "                   age: the expired alerts, and the pending ones with at least\n"
    "                   one attempt (every attempt of those failed)\n"
    "  --since TIME     only alerts created since TIME (default: 7 days ago; with\n"
    "                   --pending or --failed, no limit)\n"
    "  --attempts ID    one alert and each of its delivery attempts: when, how long\n"
    "                   it took, delivered or failed, and the whole error\n"
    "  --format FORMAT  table (default); csv: one line per alert (per attempt with\n"
    "                   --attempts), times in ISO 8601 with offset; json: an object\n"
    "                   {generated, timezone, data_dir, daemon, selection, since,\n"
    "                   alerts: [{id, created, state, attempts, next, done,\n"
    "                   expires, channel, routes: [...], kind, items, subject,\n"
    "                   last_error}]}, next null unless pending, done null while\n"
    "                   pending; with --attempts {..., alert: {...},\n"
    "                   attempts: [{at, duration_s, ok, error}]}\n"
    "  --no-bom         CSV without the UTF-8 byte order mark\n"
    "  -h, --help       print this help and exit\n"
    "\n"
    "TIME as for events: 2026-11-01, 2026-11-01 08:00 (configured zone),\n"
    "2026-11-01T08:00+08:00, -2h, -30d.\n"
    "\n"
    "alerts test ROUTE sends one test alert, now, through every channel of ROUTE\n"
    "(an id of alerts.routes in the configuration), in the format each channel's\n"
    "type takes: the webhook's JSON, a WeCom or DingTalk robot's markdown (signed\n"
    "when the DingTalk channel has a secret), or an e-mail over SMTP (STARTTLS\n"
    "and authentication as configured). It reads the channels' passwords and\n"
    "secrets from the secrets file, as the daemon does, and needs neither the\n"
    "daemon nor its store: one attempt per channel, no retries, nothing stored.\n"
    "The alert names the route and this host; its kind is \"test\" (webhook field\n"
    "alerts[0].kind), its subject starts with [TEST], its id is 0. For each\n"
    "channel one line:\n"
    "  channel noc (webhook): delivered\n"
    "  channel ding (dingtalk): failed: oapi.dingtalk.com: the robot answered "
    "errcode 310000: ...\n"
    "A webhook counts as delivered on an HTTP 2xx answer, a robot on 2xx with\n"
    "errcode 0 in its reply, an e-mail when the server accepted it for every\n"
    "recipient. Messages name the server's host, never a URL's token or a\n"
    "secret.\n"
    "\n"
    "Examples:\n"
    "  probectl alerts\n"
    "  probectl alerts --failed\n"
    "  probectl alerts --attempts 1042\n"
    "  probectl alerts --pending --format json | jq '.alerts[] | .id, .last_error'\n"
    "  probectl alerts --since 2026-11-01 --format csv > alerts.csv\n"
    "  probectl -c /etc/probed/probed.yaml alerts test emergency\n"
    "\n"
    "Exit status: 0 when the alerts were listed (also when there are none) or\n"
    "every channel of the test delivered; 1 when the event store cannot be read\n"
    "(probed never ran with this data_dir), there is no alert ID, or a channel\n"
    "of the test did not deliver; 2 on bad usage (an unknown route among them).\n";

static int unknown_route(const struct pd_config *cfg, const char *id, FILE *errout)
{
    fprintf(errout, "probectl " CMD ": unknown route '%s'", id);
    if (cfg->alerts.n_routes == 0) {
        fprintf(errout, ": the configuration %s has no alerts.routes\n", cfg->path);
        return 2;
    }
    fprintf(errout, " (configured routes:");
    for (size_t i = 0; i < cfg->alerts.n_routes; i++)
        fprintf(errout, "%s %s", i ? "," : "", cfg->alerts.routes[i].id);
    fprintf(errout, ")\n");
    return 2;
}

/* One channel: render, send, say what came of it. 0 delivered, else -1. */
static int test_channel(const struct pd_channel_conf *ch, const struct pd_alert_msg *m, FILE *out)
{
    struct pd_alert_payload p;
    char err[1024] = "";
    int rc = pd_alert_render(m, ch, &p);
    if (rc < 0)
        snprintf(err, sizeof(err), "cannot render the message: %s", strerror(-rc));
    else
        rc = pd_alert_send_now(ch, p.body, p.len, err, sizeof(err));
    pd_alert_payload_free(&p);
    fprintf(out, "channel %s (%s): ", ch->id, pd_config_channel_type_name(ch->type));
    if (rc == 0)
        fprintf(out, "delivered\n");
    else
        fprintf(out, "failed: %s\n", err[0] ? err : "unknown error");
    fflush(out);
    return rc == 0 ? 0 : -1;
}

static int alerts_test(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    if (argc < 3)
        return pctl_usage_error(errout, "alerts", "test: which route? (an id of alerts.routes)");
    if (argc > 3)
        return pctl_usage_error(errout, "alerts", "test: unexpected argument '%s'", argv[3]);
    if (argv[2][0] == '-')
        return pctl_usage_error(errout, "alerts", "test: unknown option '%s'", argv[2]);
    const struct pd_route_conf *route = pd_config_route(cfg, argv[2]);
    if (!route)
        return unknown_route(cfg, argv[2], errout);

    char host[256] = "";
    if (gethostname(host, sizeof(host) - 1) < 0)
        snprintf(host, sizeof(host), "localhost");
    char reason[128];
    snprintf(reason, sizeof(reason), "probectl alerts test of route %s", route->id);
    pd_ns now = pd_clock_wall();
    const struct pd_alert_item item = {.kind = PD_ALERT_TEST,
                                       .subject = PD_SUBJECT_TARGET,
                                       .id = "test",
                                       .name = "probed 测试告警 test alert",
                                       .site = "",
                                       .type = "",
                                       .severity = "",
                                       .check = "",
                                       .reason = reason,
                                       .from = "UP",
                                       .to = "UP",
                                       .since = now,
                                       .at = now};
    const struct pd_alert_msg m = {
        .id = 0, .route = route->id, .host = host, .created = now, .items = &item, .n_items = 1};

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(errout, "probectl " CMD ": libcurl did not initialise\n");
        return 1;
    }
    int failed = 0;
    for (size_t i = 0; i < route->n_channels; i++) {
        const struct pd_channel_conf *ch = pd_config_channel(cfg, route->channels[i]);
        if (ch && test_channel(ch, &m, out) < 0)
            failed++;
    }
    curl_global_cleanup();
    return failed ? 1 : 0;
}

int pd_cmd_alerts(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    /* probectl's main() answers --help without a configuration (cfg NULL);
     * callers that have one pass --help through. */
    int help = !cfg;
    for (int i = 1; i < argc; i++)
        help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
    if (help) {
        fputs(alerts_help, out);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "test") == 0)
        return alerts_test(cfg, argc, argv, out, errout);
    return pd_cmd_alerts_list(cfg, argc, argv, out, errout);
}
