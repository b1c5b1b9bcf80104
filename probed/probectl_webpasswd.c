#define _GNU_SOURCE /* explicit_bzero */
#include "probectl_webpasswd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "probectl_common.h"
#include "web_auth.h"
#include "yaml_tree.h"

#define CMD          "web-passwd"
#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024

static const char web_passwd_help[] =
    "Usage: probectl web-passwd USER [--role viewer|admin] [--file PATH]\n"
    "       probectl web-passwd USER --delete [--file PATH]\n"
    "\n"
    "Adds a user of the dashboard, changes a user's password or role, or\n"
    "deletes a user, in the users file (web.users_file of the configuration,\n"
    "or --file). The password is read from the terminal twice, without echo;\n"
    "when standard input is not a terminal, its first line is the password\n"
    "(for scripts: printf '%s\\n' \"$PW\" | probectl web-passwd ...).\n"
    "It is stored as a yescrypt hash with a fresh salt, never as it is.\n"
    "\n"
    "The file is replaced in one rename (mode 0640, same owner and group as\n"
    "before; a new file gets the group of the configuration's user), so the\n"
    "daemon never reads half of it. Other lines, comments included, stay.\n"
    "probed reads it at start and on SIGHUP (systemctl reload probed).\n"
    "\n"
    "USER: 1 to 64 of A-Z a-z 0-9 . _ @ -\n"
    "\n"
    "Options:\n"
    "  -r, --role ROLE   viewer: every page, graph, report and the API;\n"
    "                    admin: also /config. Default: a new user is a\n"
    "                    viewer, an existing one keeps its role\n"
    "  -f, --file PATH   the users file (default: web.users_file)\n"
    "  -d, --delete      remove USER\n"
    "  -h, --help        print this help\n"
    "\n"
    "Examples:\n"
    "  probectl web-passwd zhang.wei --role admin\n"
    "  probectl web-passwd noc-wall --file /etc/probed/users\n"
    "  probectl web-passwd li.na --delete\n"
    "\n"
    "Exit status: 0 when the file was written, 1 when not, 2 on bad usage.\n";

/* One line of stdin (the terminal's echo off when it is one), without its
 * end. 0, or -errno (-ENODATA: nothing read). */
static int read_line(const char *prompt, char *buf, size_t len, FILE *errout)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fputs(prompt, errout);
        fflush(errout);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *got = fgets(buf, (int)len, stdin);
    if (tty)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (!got)
        return ferror(stdin) ? -EIO : -ENODATA;
    size_t n = strcspn(buf, "\r\n");
    if (buf[n] == '\0' && n == len - 1)
        return -E2BIG;
    buf[n] = '\0';
    return 0;
}

static int read_password(char *pw, size_t len, FILE *errout)
{
    char again[PASSWORD_MAX + 2];
    int rc = read_line("New password: ", pw, len, errout);
    if (rc == 0 && isatty(STDIN_FILENO)) {
        rc = read_line("Again: ", again, sizeof(again), errout);
        if (rc == 0 && strcmp(pw, again) != 0)
            rc = -EILSEQ;
        explicit_bzero(again, sizeof(again));
    }
    if (rc == -ENODATA)
        fprintf(errout, "probectl " CMD ": no password given on standard input\n");
    else if (rc == -E2BIG)
        fprintf(errout, "probectl " CMD ": the password is longer than %d bytes\n", PASSWORD_MAX);
    else if (rc == -EILSEQ)
        fprintf(errout, "probectl " CMD ": the two passwords differ; nothing changed\n");
    else if (rc < 0)
        fprintf(errout, "probectl " CMD ": cannot read the password: %s\n", strerror(-rc));
    if (rc == 0 && strlen(pw) < PASSWORD_MIN) {
        fprintf(errout, "probectl " CMD ": the password must have at least %d characters\n",
                PASSWORD_MIN);
        rc = -EINVAL;
    }
    return rc;
}

/* text with the line of USER (line 0: none, append) replaced by entry,
 * or dropped when entry is NULL. A new string (the caller frees). */
static char *rewrite(const char *text, size_t len, int line, const char *entry)
{
    size_t cap = len + (entry ? strlen(entry) : 0) + 3;
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    int n = 0;
    for (size_t at = 0; at < len;) {
        const char *end = memchr(text + at, '\n', len - at);
        size_t l = end ? (size_t)(end - (text + at)) + 1 : len - at;
        if (++n == line) {
            if (entry)
                o += sprintf(o, "%s\n", entry);
        } else {
            memcpy(o, text + at, l);
            o += l;
            if (!end)
                *o++ = '\n';
        }
        at += l;
    }
    if (line == 0 && entry)
        o += sprintf(o, "%s\n", entry);
    *o = '\0';
    return out;
}

/* Write text to path through a temporary file beside it and one rename. */
static int replace_file(const char *path, const char *text, const struct stat *old,
                        const struct pd_config *cfg, FILE *errout)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 8);
    int rc = 0, fd = -1;
    if (!tmp)
        return -ENOMEM;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".XXXXXX", 8);
    if ((fd = mkstemp(tmp)) < 0) {
        rc = -errno;
        fprintf(errout, "probectl " CMD ": cannot create a file beside %s: %s\n", path,
                strerror(-rc));
        free(tmp);
        return rc;
    }
    uid_t uid = old ? old->st_uid : (uid_t)-1;
    gid_t gid = old ? old->st_gid : (gid_t)-1;
    if (!old && cfg && cfg->user) {
        /* The daemon reads the file after it drops to this user. */
        const struct passwd *pw = getpwnam(cfg->user);
        if (pw)
            gid = pw->pw_gid;
    }
    size_t len = strlen(text), done = 0;
    if (fchmod(fd, 0640) < 0 ||
        ((uid != (uid_t)-1 || gid != (gid_t)-1) && geteuid() == 0 && fchown(fd, uid, gid) < 0)) {
        rc = -errno;
        goto fail;
    }
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            goto fail;
        }
        done += (size_t)n;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        rc = -errno;
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        rc = -errno;
        goto fail;
    }
    free(tmp);
    return 0;
fail:
    fprintf(errout, "probectl " CMD ": cannot write %s: %s\n", path, strerror(-rc));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return rc;
}

int pd_cmd_web_passwd(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    static const struct option longopts[] = {
        {"role", required_argument, NULL, 'r'},
        {"file", required_argument, NULL, 'f'},
        {"delete", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    enum pd_web_role role = PD_WEB_ROLE_NONE;
    int del = 0, opt, rc = 1;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":r:f:dh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (pd_web_role_parse(optarg, &role) < 0)
                return pctl_usage_error(errout, CMD, "--role must be viewer or admin");
            break;
        case 'f':
            path = optarg;
            break;
        case 'd':
            del = 1;
            break;
        case 'h':
            fputs(web_passwd_help, out);
            return 0;
        default:
            return pctl_option_error(errout, CMD, opt, argv);
        }
    }
    if (optind != argc - 1)
        return pctl_usage_error(errout, CMD, "expected one USER");
    const char *name = argv[optind];
    if (!pd_web_user_name_valid(name))
        return pctl_usage_error(errout, CMD,
                                "'%s' is not a user name (1 to %d of A-Z a-z 0-9 . _ @ -)", name,
                                PD_WEB_USER_MAX);
    if (del && role != PD_WEB_ROLE_NONE)
        return pctl_usage_error(errout, CMD, "--delete takes no --role");
    if (!path && !(cfg && cfg->web.users_file))
        return pctl_usage_error(errout, CMD,
                                "the configuration has no web.users_file: give --file PATH");
    if (!path)
        path = cfg->web.users_file;

    char *text = NULL, *next = NULL, err[4096];
    size_t len = 0;
    struct pd_web_users users = {0};
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists) {
        if (pd_read_file_max(path, PD_WEB_USERS_SIZE, &text, &len, err, sizeof(err)) < 0) {
            fprintf(errout, "probectl " CMD ": %s\n", err);
            goto out;
        }
        /* A file with errors is not rewritten: a line it cannot read
         * would be lost, or a broken one kept. */
        if (pd_web_users_parse(path, text, len, &users, err, sizeof(err)) < 0) {
            fprintf(errout, "%sprobectl " CMD ": %s is not valid; fix it first\n", err, path);
            goto out;
        }
    } else if (errno != ENOENT) {
        fprintf(errout, "probectl " CMD ": %s: %s\n", path, strerror(errno));
        goto out;
    }
    const struct pd_web_user *u = pd_web_users_find(&users, name);
    char entry[PD_WEB_USER_MAX + 16 + 256];
    const char *did;
    if (del) {
        if (!u) {
            fprintf(errout, "probectl " CMD ": no user '%s' in %s\n", name, path);
            goto out;
        }
        did = "deleted user";
    } else {
        char pw[PASSWORD_MAX + 2], hash[256];
        if (role == PD_WEB_ROLE_NONE)
            role = u ? u->role : PD_WEB_ROLE_VIEWER;
        if (read_password(pw, sizeof(pw), errout) < 0) {
            explicit_bzero(pw, sizeof(pw));
            goto out;
        }
        int hrc = pd_web_auth_hash(pw, hash, sizeof(hash), err, sizeof(err));
        explicit_bzero(pw, sizeof(pw));
        if (hrc < 0) {
            fprintf(errout, "probectl " CMD ": %s\n", err);
            goto out;
        }
        snprintf(entry, sizeof(entry), "%s:%s:%s", name, pd_web_role_name(role), hash);
        did = !u                ? "added user"
              : u->role != role ? "changed the password and role of user"
                                : "changed the password of user";
    }
    if (!(next = rewrite(text ? text : "", len, u ? u->line : 0, del ? NULL : entry))) {
        fprintf(errout, "probectl " CMD ": out of memory\n");
        goto out;
    }
    if (replace_file(path, next, exists ? &st : NULL, cfg, errout) < 0)
        goto out;
    if (del)
        fprintf(out, "probectl " CMD ": %s '%s' from %s\n", did, name, path);
    else
        fprintf(out, "probectl " CMD ": %s '%s' (%s) in %s\n", did, name, pd_web_role_name(role),
                path);
    fprintf(out, "probed applies it at its next reload: systemctl reload probed (or kill -HUP "
                 "its pid)\n");
    rc = pctl_finish_output(out, errout, CMD);
out:
    pd_web_users_free(&users);
    free(text);
    free(next);
    return rc;
}
