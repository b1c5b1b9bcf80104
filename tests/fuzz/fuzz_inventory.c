/*
 * libFuzzer harness for the inventory CSV reader.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iprobed \
 *     tests/fuzz/fuzz_inventory.c probed/inventory.c probed/config.c \
 *     probed/options.c probed/yaml_tree.c probed/hashmap.c probed/log.c \
 *     probed/clock.c -lyaml -o fuzz_inventory
 *   ./fuzz_inventory -max_total_time=60 -max_len=4096 tests/fuzz/corpus/inventory
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
