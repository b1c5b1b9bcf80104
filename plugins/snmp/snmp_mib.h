/*
 * Symbolic OID names ("IF-MIB::ifHCInOctets.3", "sysUpTime.0") turned into
 * numbers with net-snmp's MIB parser. The MIB directories are read once, at
 * the first call, and kept until snmp_library_shutdown() unloads them (a
 * later call reads them again); polls never come here.
 *
 * Search order, first match wins when two files define the same module:
 * the directories of the environment variable PROBED_MIBDIRS
 * (colon-separated) if it is set; otherwise those of /usr/share/snmp/mibs,
 * /usr/share/snmp/mibs/iana, /usr/share/snmp/mibs/ietf, /usr/share/mibs/iana,
 * /usr/share/mibs/ietf and /usr/share/mibs/netsnmp that exist, then
 * PROBED_MIB_DIR (installed), then PROBED_MIB_SOURCE_DIR (the source tree's
 * mibs/). So a real module installed on the system wins over probed's own
 * name table of the same name.
 *
 * Not thread-safe: net-snmp's MIB tree and its parser are global and
 * unlocked. Call only from the thread that runs the plugin's validate(),
 * init() and the loop (they are one thread in probed).
 */
#ifndef PROBED_SNMP_MIB_H
#define PROBED_SNMP_MIB_H

#include <stddef.h>
#include <stdint.h>

/* text (borrowed): MODULE::name.suffix, name.suffix or a numeric OID. On
 * entry *len is the room in sub, on success the number of sub-identifiers
 * written. 0, -ENOENT (unknown module or name; err names it and the
 * directories searched) or -EINVAL (not an OID, or longer than *len). */
int snmp_mib_resolve(const char *text, uint32_t *sub, size_t *len, char *err, size_t errlen);

/* What net-snmp's parser complained about while reading the MIBs (a missing
 * imported module, an unparsable file): the count, and the first message in
 * first. Zero before the first snmp_mib_resolve(); for init() to log once,
 * since the parser's own output is kept off stderr. */
unsigned snmp_mib_problems(char *first, size_t firstlen);

#endif
