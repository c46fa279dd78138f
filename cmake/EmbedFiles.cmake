# dsr_embed_files(OUTPUT out.cpp BASE dir FILES f1 f2 ... SYMBOL name)
# Generates a C++ source defining
#   std::span<const dsr::EmbeddedFile> name();
# whose entries carry each file's path relative to BASE and its bytes, so the
# binary works without its source tree. Regenerated when any file changes.
function(dsr_embed_files)
  cmake_parse_arguments(EMBED "" "OUTPUT;BASE;SYMBOL" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT "${EMBED_OUTPUT}"
    COMMAND ${CMAKE_COMMAND} -DBASE=${EMBED_BASE} -DOUTPUT=${EMBED_OUTPUT}
            -DSYMBOL=${EMBED_SYMBOL} "-DFILES=${EMBED_FILES}"
            -P "${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake"
    DEPENDS ${EMBED_FILES} "${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake"
    COMMENT "Embedding ${EMBED_SYMBOL}"
    VERBATIM)
endfunction()
