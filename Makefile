# The two commands of the quick start, and a few for developers. A thin
# layer over CMake: everything real lives in CMakeLists.txt and contrib/.
BUILD      ?= build
TEST_BUILD ?= build-test
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)

.PHONY: all deps demo test build format format-check clean

all: build

deps:
	./contrib/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

# First command: install, build, run probed on the demo lab (Ctrl-C stops
# it and removes the lab).
demo: build
	./contrib/demo/demo.sh $(BUILD)

# Second command: install, build with ASan+UBSan and -Werror, run everything.
# The libFuzzer binaries need clang, so they come from a build of their own,
# whose path the test build is given: its ctest runs each for
# PROBED_FUZZ_SECONDS (15) as fuzz_run.<name> (tests/CMakeLists.txt).
# -O1 rather than Debug's -O0: 1.3 to 2.3 times the executions per second
# (measured, per target); rather than RelWithDebInfo's -O2 -DNDEBUG, which
# was no faster: the asserts stay in.
test: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g" -DPROBED_FUZZ=ON -DSANITIZE=ON -DWERROR=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON -DWERROR=ON \
	  -DPROBED_FUZZ_BUILD=$(abspath $(FUZZ_BUILD))
	cmake --build $(TEST_BUILD) -j $(JOBS)
	./contrib/check-format.sh
	cd $(TEST_BUILD) && ctest --output-on-failure -j 1

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD)
