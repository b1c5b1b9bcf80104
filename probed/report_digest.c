#include "report_write.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pd_sha256_hex(const void *data, size_t len, char hex[PD_SHA256_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
        n = 0; /* hex stays empty: never a digest of something else */
    hex[0] = '\0';
    for (unsigned int i = 0; i < n && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

int pd_digest_finish(FILE *f, char **buf, size_t *n, size_t skip, enum pd_report_format format,
                     char **doc, size_t *len)
{
    char hex[PD_SHA256_HEX];
    int rc = -ENOMEM;

    *doc = NULL;
    *len = 0;
    /* *buf and *n describe every byte written so far once flushed. */
    if (fflush(f) == 0 && !ferror(f) && skip <= *n) {
        pd_sha256_hex(*buf + skip, *n - skip, hex);
        /* An empty hex (libcrypto failed) would make a file that cannot
         * verify. */
        rc = strlen(hex) == 64 ? 0 : -EIO;
        if (rc == 0) {
            if (format == PD_REPORT_JSON)
                fprintf(f, "  \"sha256\": \"%s\"\n}\n", hex);
            else if (format == PD_REPORT_HTML)
                fprintf(f, "<p class=\"digest\">SHA-256 of the lines above: %s</p></body></html>\n",
                        hex);
            else
                fprintf(f, "SHA-256 of the lines above,%s\r\n", hex);
            if (ferror(f))
                rc = -ENOMEM;
        }
    }
    if (fclose(f) != 0 && rc == 0)
        rc = -ENOMEM;
    if (rc < 0) {
        free(*buf);
        *buf = NULL;
        return rc;
    }
    *doc = *buf;
    *len = *n;
    *buf = NULL;
    return 0;
}

/* Start of the line that holds byte at (exclusive end of the body). */
static size_t line_start(const char *doc, size_t at)
{
    while (at > 0 && doc[at - 1] != '\n')
        at--;
    return at;
}

/* The 64 hex digits that follow marker in [from, len), or NULL. */
static const char *digest_after(const char *doc, size_t from, size_t len, const char *marker)
{
    size_t m = strlen(marker);
    for (size_t i = from; i + m + 64 <= len; i++) {
        if (memcmp(doc + i, marker, m) != 0)
            continue;
        const char *h = doc + i + m;
        for (int k = 0; k < 64; k++)
            if (!((h[k] >= '0' && h[k] <= '9') || (h[k] >= 'a' && h[k] <= 'f')))
                return NULL;
        return h;
    }
    return NULL;
}

int pd_report_verify(const char *doc, size_t len, char *err, size_t errlen)
{
    /* The digest is on the last non-empty line (CSV, HTML) or the one
     * before the closing brace (JSON). */
    size_t end = len;
    while (end > 0 && (doc[end - 1] == '\n' || doc[end - 1] == '\r'))
        end--;
    size_t last = line_start(doc, end);
    size_t body_end = last;
    const char *hex = NULL;
    if (end - last == 1 && doc[last] == '}') {
        body_end = line_start(doc, last > 0 ? last - 1 : 0);
        hex = digest_after(doc, body_end, last, "\"sha256\": \"");
    } else {
        hex = digest_after(doc, last, end, "SHA-256 of the lines above,");
        if (!hex)
            hex = digest_after(doc, last, end, "SHA-256 of the lines above: ");
    }
    if (!hex) {
        snprintf(err, errlen, "no report digest found at the end of the file");
        return -EINVAL;
    }
    /* A byte order mark is for spreadsheet software, not content. */
    size_t skip = body_end >= 3 && memcmp(doc, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    char want[PD_SHA256_HEX];
    pd_sha256_hex(doc + skip, body_end - skip, want);
    if (memcmp(want, hex, 64) != 0) {
        snprintf(err, errlen, "digest mismatch: the file says %.64s, its content hashes to %s", hex,
                 want);
        return -EBADMSG;
    }
    return 0;
}

int pd_sha256_files(const char *const *paths, size_t n, char hex[PD_SHA256_HEX], char *err,
                    size_t errlen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
    unsigned int len = 0;
    int rc = -ENOMEM;

    hex[0] = '\0';
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        snprintf(err, errlen, "cannot start a SHA-256 digest");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (!f) {
            rc = -errno;
            snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
            goto out;
        }
        size_t got;
        while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
            EVP_DigestUpdate(ctx, buf, got);
        int bad = ferror(f);
        fclose(f);
        if (bad) {
            rc = -EIO;
            snprintf(err, errlen, "%s: read error", paths[i]);
            goto out;
        }
    }
    if (!EVP_DigestFinal_ex(ctx, md, &len)) {
        rc = -EIO;
        snprintf(err, errlen, "cannot finish a SHA-256 digest");
        goto out;
    }
    for (unsigned int i = 0; i < len && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

int pd_config_sha256(const struct pd_config *cfg, char hex[PD_SHA256_HEX], char *err, size_t errlen)
{
    const char **files = calloc(cfg->n_files + 1, sizeof(*files));
    size_t n = 0;
    if (!files) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < cfg->n_files; i++)
        if (!cfg->secrets || strcmp(cfg->files[i], cfg->secrets) != 0)
            files[n++] = cfg->files[i];
    int rc = pd_sha256_files(files, n, hex, err, errlen);
    free(files);
    return rc;
}
