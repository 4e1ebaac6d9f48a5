# The README's two commands are `make dog` and `make test`; the rest are conveniences.
# Tests are Swift Testing only, so XCTest (which would report "Executed 0 tests") is left out of the run.
SWIFT ?= swift
RELEASE_BIN := .build/release/dbrun
MAIN_PIPELINE ?= pipelines/dog.yaml

.PHONY: deps schema build release dog test test-kernels fuzz bench clean

# Debian packages the build links against (skipped when already present).
deps:
	@scripts/install-deps

# The pipeline schema is authored in schemas/ and embedded into the binary.
schema:
	@scripts/embed-schema

build: schema
	$(SWIFT) build

release: schema
	$(SWIFT) build -c release --product dbrun

# The main job: install what is missing, build optimised, run the pipeline.
dog: deps release
	$(RELEASE_BIN) $(MAIN_PIPELINE)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

# The built suite again under OpenBLAS's generic kernels, then its Haswell kernels where the CPU has AVX2+FMA:
# sgemm rounding differs between kernels, so no test may depend on one kernel's (CI runs this after `make test`).
test-kernels:
	OPENBLAS_CORETYPE=Prescott $(SWIFT) test --skip-build --disable-xctest
	@if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then \
		echo "OPENBLAS_CORETYPE=Haswell $(SWIFT) test --skip-build --disable-xctest"; \
		OPENBLAS_CORETYPE=Haswell $(SWIFT) test --skip-build --disable-xctest; \
	else echo "no AVX2+FMA on this CPU: the Haswell pass is skipped"; fi

# libFuzzer on each untrusted input, FUZZ_SECONDS each (docs/fuzzing.md). Corpora grow in .build-fuzz/corpus/;
# crashes land in .build-fuzz/crashes/TARGET/. FUZZ_TARGETS=yaml runs one.
FUZZ_SECONDS ?= 120
FUZZ_TARGETS ?= yaml safetensors png jpeg
FUZZ_BIN := .build-fuzz/debug/dbrun-fuzz

fuzz: deps schema
	$(SWIFT) build --product dbrun-fuzz --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p .build-fuzz/corpus/$$t .build-fuzz/crashes/$$t; \
		max=65536; [ $$t = yaml ] || max=262144; \
		echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
		ASAN_OPTIONS=detect_leaks=0 DBRUN_FUZZ_TARGET=$$t $(FUZZ_BIN) .build-fuzz/corpus/$$t Fuzz/corpus/$$t \
			-max_total_time=$(FUZZ_SECONDS) -max_len=$$max -timeout=5 -rss_limit_mb=2048 \
			-artifact_prefix=.build-fuzz/crashes/$$t/ -print_final_stats=1 || exit 1; \
	done

bench: deps release
	$(RELEASE_BIN) bench runner

clean:
	rm -rf .build
