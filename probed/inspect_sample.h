/*
 * The quarterly sample of sites for on-site inspection (docs/inspection.md):
 * a reproducible random choice, seeded by the quarter. Each site's key is
 * drawn from SHA-256("probed-sample", quarter, site path) as a number u in
 * (0, 1); the sample is the n sites with the largest log(u) / w
 * (Efraimidis and Spirakis' weighted sampling without replacement; with
 * every weight 1, the n largest u: a uniform sample). The same quarter
 * and sites give the same list, another quarter another, and never more
 * sites than there are. Weighted, a site weighs 1 + its outages in the
 * quarter so far, so sites with problems are more likely to be visited
 * while any site may be.
 *
 * pd_sample_choose is pure; pd_sample_build takes an inspection of the
 * quarter (inspect_source.h) for the sites, their weights and the
 * checklists' figures.
 */
#ifndef PROBED_INSPECT_SAMPLE_H
#define PROBED_INSPECT_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>

#include "inspect.h"
#include "record.h"

struct pd_sample_site {
    const char *path; /* borrowed */
    double weight;    /* > 0 */
};

/* u in (0, 1) for the site in the quarter. */
double pd_sample_uniform(const char *quarter, const char *path);

/* Up to n of the sites, best key first: their indices into out (room for
 * min(n, n_sites)); ties (equal keys) go to the path that sorts first.
 * keys (may be NULL): each chosen site's log(u) / w. Returns how many
 * were chosen, or -ENOMEM. */
long pd_sample_choose(const struct pd_sample_site *sites, size_t n_sites, const char *quarter,
                      size_t n, size_t *out, double *keys);

struct pd_sample_pick {
    char *path;
    double key, weight;
    unsigned failures; /* outages begun in the quarter so far, at the site */
    size_t *devices;   /* indices into the inspection's devices, at exactly this site */
    size_t n_devices;
};

struct pd_sample {
    char quarter[8];
    bool weighted;
    size_t population;            /* sites that could be drawn */
    struct pd_inspection *in;     /* owned: the quarter so far */
    struct pd_sample_pick *picks; /* owned, in the order drawn */
    size_t n_picks;
};

/* The sample of n sites of in (taken, also on failure): the sites are the
 * site paths of its devices (each device's own, not their parents). 0 or
 * -ENOMEM. */
int pd_sample_build(struct pd_inspection *in, const char *quarter, size_t n, bool weighted,
                    struct pd_sample **out);
void pd_sample_free(struct pd_sample *s);

/* The sample list and a checklist per site (a printed page each, a sheet
 * each in XLSX), pre-filled with the devices' figures, with empty fields
 * for the inspector. 0 or -ENOMEM. */
int pd_sample_record(const struct pd_sample *s, struct pd_record *rec);
/* docs/inspection.md's schema. 0 or -ENOMEM. */
int pd_sample_json(const struct pd_sample *s, char **doc, size_t *len);

#endif
