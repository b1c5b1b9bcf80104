#include "probectl_output.h"

#include <string.h>

#include "probectl_common.h"
#include "report_write.h"

static const char *extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    return dot ? dot + 1 : "";
}

int pctl_record_format(const char *cmd, const char *name, int *format, FILE *errout)
{
    enum pd_report_format f;
    if (strcmp(name, "table") == 0)
        *format = PCTL_FMT_TABLE;
    else if (pd_report_format_parse(name, &f) == 0)
        *format = (int)f;
    else
        return pctl_usage_error(errout, cmd,
                                "--format must be table, csv, json, html or xlsx, not '%s'", name);
    return -1;
}

int pctl_record_output(const char *cmd, const char *output, bool format_given, int *format,
                       FILE *errout)
{
    if (output && !format_given) {
        enum pd_report_format f;
        if (pd_report_format_parse(extension(output), &f) < 0)
            return pctl_usage_error(
                errout, cmd, "cannot tell the format from '%s': name it with --format", output);
        *format = (int)f;
    }
    if (*format == PD_REPORT_XLSX && !output)
        return pctl_usage_error(errout, cmd, "xlsx is a binary file: write it with -o FILE");
    if (*format == PCTL_FMT_TABLE && output)
        return pctl_usage_error(errout, cmd,
                                "the table is for the terminal; -o needs "
                                "--format csv, json, html or xlsx");
    return -1;
}
