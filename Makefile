# The contract wrapper: `make run` and `make test` are all a new user needs.
#   make build      install deps, build the web page and build/trainbox
#   make backbones  install the pretrained image backbones (npm nsfwjs -> TorchScript, once)
#   make run        build + backbones, then serve on http://127.0.0.1:8080 with data in
#                   ./trainbox-data
#   make test       build, run every test (unit, contract, API, ML, browser, web unit), an
#                   ASan+UBSan pass, make lint and a short fuzz run
#   make test-fast  the `unit` label only (under a minute)
#   make test-cluster  the scale-out topology test (scripts/cluster.sh: PostgreSQL, Redis,
#                   s3rver, an API server and two workers), also part of make test
#   make lint       layer rule, clang-format drift, clang-tidy, `make bench` runnable
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (default 300); fuzz-smoke: 10 s each
#   make bench      benchmarks (see bench/README.md)
#   make format / tidy

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
# Looked up when a recipe runs, after `deps` has installed ccache (a parse-time lookup missed it
# on a fresh machine, so every first build compiled without the cache).
LAUNCHER = $$(command -v ccache >/dev/null 2>&1 && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
WERROR ?= ON
BACKBONES_DIR ?= ./trainbox-data/backbones
# The suites labelled `unit` (cmake/testing.cmake): fast, no trainings, no servers.
UNIT_TARGETS := util_tests core_tests storage_tests jobs_tests http_tests service_tests parser_tests \
                schema_tests

.PHONY: deps web configure build backbones run test test-fast test-cluster test-unit test-asan test-browser test-web-unit lint fuzz fuzz-smoke bench format tidy clean

deps:
	bash scripts/install_deps.sh
	bash scripts/install_web_deps.sh

web: deps
	bash scripts/build_web.sh

configure: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAINBOX_WERROR=$(WERROR) $(LAUNCHER) $(CMAKE_FLAGS)

build: configure web
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Offline after the first run: npm packages and converted models are cached
# (${TRAINBOX_CACHE_DIR:-~/.cache/trainbox}); the conversion test reads the same cache.
backbones: build
	bash scripts/install_backbones.sh $(BUILD_DIR)/trainbox $(BACKBONES_DIR)

run: build backbones
	$(BUILD_DIR)/trainbox serve --host 127.0.0.1 --port 8080 --data-dir ./trainbox-data

test-unit: build backbones
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900

test-asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DTRAINBOX_SANITIZE=ON -DTRAINBOX_WERROR=$(WERROR) -DTRAINBOX_BUILD_BENCH=OFF $(LAUNCHER)
	cmake --build $(ASAN_DIR) -j $(JOBS) --target $(UNIT_TARGETS) contract_tests
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure -j $(JOBS) -L "unit|contract"

test-cluster: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L cluster --timeout 900

test-browser: build
	bash scripts/run_browser_tests.sh $(BUILD_DIR)/trainbox

test-web-unit: deps
	bash scripts/test_web_unit.sh

lint: build
	bash scripts/lint.sh $(BUILD_DIR)

fuzz-smoke: deps
	bash scripts/fuzz.sh 10

FUZZ_SECONDS ?= 300
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

test: lint test-unit test-browser test-web-unit test-asan fuzz-smoke

test-fast: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(UNIT_TARGETS)
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

bench: build
	bash bench/run_all.sh $(BUILD_DIR)

format:
	find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

tidy: configure
	find src -name '*.cc' -not -name '*_test.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
