# Every build option of the project, in one place.
option(DSR_BUILD_TESTS "Build the test suite" ON)
# OFF for whoever builds from source (a packager, a newer compiler); the debug
# and asan presets, and so CI, turn it ON.
option(DSR_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" OFF)
option(DSR_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(DSR_BUILD_BENCH "Build the benchmarks in bench/" OFF)
option(DSR_FUZZ "Build the libFuzzer targets in tests/fuzz (clang; preset fuzz) instead of the test suite" OFF)
