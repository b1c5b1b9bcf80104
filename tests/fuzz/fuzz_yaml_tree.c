/*
 * libFuzzer harness for the YAML reader behind the configuration.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iprobed \
 *     tests/fuzz/fuzz_yaml_tree.c probed/yaml_tree.c probed/options.c \
 *     probed/config.c probed/inventory.c probed/hashmap.c probed/log.c \
 *     probed/clock.c -lyaml -o fuzz_yaml_tree
 *   ./fuzz_yaml_tree -max_total_time=60 -max_len=4096 tests/fuzz/corpus/yaml
 */
#include <stddef.h>
#include <stdint.h>

#include "yaml_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pd_ynode *root = NULL;
    char err[1024] = "";
    pd_yaml_parse("fuzz.yaml", (const char *)data, size, &root, err, sizeof(err));
    pd_ynode_free(root);
    return 0;
}
