/*
 * What db.c (open, schema, reads), db_write.c (the storage thread's
 * writes) and db_alerts.c (the alert thread's) share. Only these files
 * include it, and with it <sqlite3.h>.
 */
#ifndef PROBED_DB_PRIV_H
#define PROBED_DB_PRIV_H

#include <sqlite3.h>
#include <stdint.h>

#include "db.h"

/* Room for db_write.c's cached statements. */
#define PD_DB_MAX_STMTS 16

struct pd_db {
    sqlite3 *conn;
    int readonly;
    sqlite3_stmt *stmts[PD_DB_MAX_STMTS]; /* prepared on first use, finalized on close */
};

/* SQLite result code -> -errno (0 for OK, ROW, DONE). */
int pd_db_errno(int rc);
/* Logs what failed with SQLite's message (rate limited per `what`, which
 * must be a string constant) and returns pd_db_errno(rc). */
int pd_db_fail(struct pd_db *db, int rc, const char *what);
int pd_db_exec(struct pd_db *db, const char *sql, const char *what);
/* The first column of the first row; -ENOENT when there is no row. */
int pd_db_query_int(struct pd_db *db, const char *sql, int64_t *out);
/* NULL binds as ''; the text must live until the statement is reset. */
void pd_db_bind_text(sqlite3_stmt *st, int i, const char *s);

#endif
