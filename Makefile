# The contract wrapper: `make run` and `make test` are all a new user needs.
#   make build      install deps, build the web page and build/trainbox
#   make backbones  install the pretrained image backbones (npm nsfwjs -> TorchScript, once)
#   make run        build + backbones, then serve on http://127.0.0.1:8080 with data in
#                   ./trainbox-data
#   make test       build, run every test (unit, contract, API, ML, browser), then an ASan+UBSan pass
#   make test-fast  unit + contract tests only
#   make bench      benchmarks (see bench/README.md)
#   make format / tidy

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
CCACHE := $(shell command -v ccache 2>/dev/null)
LAUNCHER := $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,)
WERROR ?= ON
BACKBONES_DIR ?= ./trainbox-data/backbones

.PHONY: deps web configure build backbones run test test-fast test-unit test-asan test-browser bench format tidy clean

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
	cmake --build $(ASAN_DIR) -j $(JOBS) --target util_tests core_tests storage_tests contract_tests jobs_tests http_tests service_tests
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure -j $(JOBS) -L "unit|contract" -E "^(ml_|Image|Text)"

test-browser: build
	bash scripts/run_browser_tests.sh $(BUILD_DIR)/trainbox

test: test-unit test-browser test-asan

test-fast: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target util_tests core_tests storage_tests contract_tests
	cd $(BUILD_DIR) && ctest --output-on-failure -L "unit|contract" -R "Contract|Ids|Fs|Clock|Task|BlobKey"

bench: build
	bash bench/run_all.sh $(BUILD_DIR)

format:
	find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

tidy: configure
	find src -name '*.cc' -not -name '*_test.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
