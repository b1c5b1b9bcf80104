/*
 * libFuzzer harness for the YAML reader behind the configuration.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPROBED_FUZZ=ON -DSANITIZE=ON
 *   cmake --build build-fuzz --target fuzz_yaml_tree
 *   ./build-fuzz/tests/fuzz_yaml_tree -max_total_time=60 -max_len=4096 tests/fuzz/corpus/yaml
 *
 * Every build also replays the corpus under ctest (fuzz_replay.fuzz_yaml_tree).
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
