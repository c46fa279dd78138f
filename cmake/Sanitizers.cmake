# ASan + UBSan for the whole build when DSR_SANITIZE is on (preset "asan").
if(DSR_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer (preset "fuzz", clang): every library instrumented for coverage,
# with ASan and UBSan; the targets in tests/fuzz add the fuzzer's main.
if(DSR_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
