# Third-party libraries, all from Debian 12's packages (scripts/setup).
if(DSR_FUZZ)
  # Boost.JSON compiled from its sources into the fuzzed build, so that the
  # fuzzer's coverage sees inside the parser (tests/fuzz/boost_json_src.cpp).
  find_package(Boost 1.81.0 EXACT REQUIRED CONFIG COMPONENTS program_options)
  add_library(dsr_boost_json STATIC "${PROJECT_SOURCE_DIR}/tests/fuzz/boost_json_src.cpp")
  target_link_libraries(dsr_boost_json PUBLIC Boost::headers)
  add_library(Boost::json ALIAS dsr_boost_json)
else()
  find_package(Boost 1.81.0 EXACT REQUIRED CONFIG COMPONENTS json program_options)
endif()
find_package(fmt REQUIRED)
find_package(date REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(sodium REQUIRED IMPORTED_TARGET libsodium)
# libpq 15 (Debian libpq-dev): the PostgreSQL backend, storage/postgres/.
pkg_check_modules(libpq REQUIRED IMPORTED_TARGET libpq)
if(DSR_BUILD_TESTS)
  find_package(Catch2 2.13 REQUIRED)
  include(Catch)
endif()
