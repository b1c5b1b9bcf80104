/*
 * libFuzzer harness for the inventory CSV reader.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPROBED_FUZZ=ON -DSANITIZE=ON
 *   cmake --build build-fuzz --target fuzz_inventory
 *   ./build-fuzz/tests/fuzz_inventory -max_total_time=60 -max_len=4096 tests/fuzz/corpus/inventory
 *
 * Every build also replays the corpus under ctest (fuzz_replay.fuzz_inventory).
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pd_template templates[] = {{.name = "codec"}, {.name = "switch"}};
    static const struct pd_config cfg = {.templates = templates, .n_templates = 2};
    struct pd_target_list list;
    char err[2048] = "";

    pd_target_list_init(&list);
    pd_inventory_parse(&list, &cfg, "fuzz.csv", (const char *)data, size, err, sizeof(err));
    for (size_t i = 0; i < list.n; i++)
        if (!list.v[i].id || !list.v[i].name || !list.v[i].tmpl)
            __builtin_trap();
    pd_target_list_free(&list);
    return 0;
}
