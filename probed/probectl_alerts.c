/* probectl alerts test ROUTE: a test alert through every channel of a
 * route, now, to check the channels' settings end to end. */
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
    "Usage: probectl alerts test ROUTE\n"
    "\n"
    "Sends one test alert, now, through every channel of ROUTE (an id of\n"
    "alerts.routes in the configuration), in the format each channel's type\n"
    "takes: the webhook's JSON, a WeCom or DingTalk robot's markdown (signed\n"
    "when the DingTalk channel has a secret), or an e-mail over SMTP\n"
    "(STARTTLS and authentication as configured). It reads the channels'\n"
    "passwords and secrets from the secrets file, as the daemon does, and\n"
    "needs neither the daemon nor its queue: one attempt per channel, no\n"
    "retries.\n"
    "\n"
    "The alert names the route and this host; its kind is \"test\" (webhook\n"
    "field alerts[0].kind), its subject starts with [TEST], its id is 0.\n"
    "\n"
    "For each channel one line:\n"
    "  channel noc (webhook): delivered\n"
    "  channel ding (dingtalk): failed: oapi.dingtalk.com: the robot answered "
    "errcode 310000: ...\n"
    "A webhook counts as delivered on an HTTP 2xx answer, a robot on 2xx with\n"
    "errcode 0 in its reply, an e-mail when the server accepted it for every\n"
    "recipient. Messages name the server's host, never a URL's token or a\n"
    "secret.\n"
    "\n"
    "Options:\n"
    "  -h, --help   print this help\n"
    "\n"
    "Examples:\n"
    "  probectl alerts test emergency\n"
    "  probectl -c /etc/probed/probed.yaml alerts test noc-all\n"
    "\n"
    "Exit status: 0 when every channel delivered, 1 when one did not, 2 on\n"
    "bad usage (an unknown route among them).\n";

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
    if (!cfg) { /* --help */
        fputs(alerts_help, out);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "test") == 0)
        return alerts_test(cfg, argc, argv, out, errout);
    fprintf(errout, "probectl alerts: only 'test' is available in this build\n");
    return 2;
}
