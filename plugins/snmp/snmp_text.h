/*
 * Text an agent sends (interface names and aliases, sysName, sysDescr)
 * made fit for UTF-8 everywhere: devices sold in China often answer their
 * Chinese aliases in GB18030 (GBK), not UTF-8.
 */
#ifndef PROBED_SNMP_TEXT_H
#define PROBED_SNMP_TEXT_H

#include <stddef.h>

/* The len bytes of s (up to a NUL) into out as UTF-8, NUL-terminated and
 * cut at a character to fit outlen: as they are when they are UTF-8,
 * converted when they are GB18030, with '?' for what is neither; control
 * characters become spaces. Loop thread only (one converter is kept). */
void snmp_text_utf8(const char *s, size_t len, char *out, size_t outlen);
/* Drop the converter (plugin shutdown). */
void snmp_text_close(void);

#endif
