# The two commands of the quick start, and a few for developers. A thin
# layer over CMake: everything real lives in CMakeLists.txt and contrib/.
BUILD      ?= build
TEST_BUILD ?= build-test
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
test: deps
	cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON -DWERROR=ON
	cmake --build $(TEST_BUILD) -j $(JOBS)
	./contrib/check-format.sh
	cd $(TEST_BUILD) && ctest --output-on-failure -j 1

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
