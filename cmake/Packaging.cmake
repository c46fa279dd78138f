# What `cmake --install` lays out, and the Debian package CPack builds from
# it (scripts/package). With CMAKE_INSTALL_PREFIX=/usr (the package preset):
#   /usr/bin/dsr                  the program
#   /etc/dsr/dsr.conf             every setting, commented, with its default
#   /lib/systemd/system/dsr.service
#   /usr/share/man/man1/dsr.1.gz
#   /usr/share/doc/dsr/           README, the docs, copyright, changelog
# The maintainer scripts (deploy/debian) add the dsr user and /var/lib/dsr.
include(GNUInstallDirs)

set(DSR_SYSTEMD_UNIT_DIR "/lib/systemd/system" CACHE PATH "where the systemd unit is installed")

install(TARGETS dsr RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/deploy/dsr.conf" DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/dsr")
install(FILES "${PROJECT_SOURCE_DIR}/deploy/dsr.service" DESTINATION "${DSR_SYSTEMD_UNIT_DIR}")

# Debian wants the man page and the changelog compressed, reproducibly (-n).
set(generated "${PROJECT_BINARY_DIR}/deploy")
configure_file("${PROJECT_SOURCE_DIR}/deploy/debian/changelog.in" "${generated}/changelog" @ONLY)
add_custom_command(
  OUTPUT "${generated}/dsr.1.gz" "${generated}/changelog.gz"
  COMMAND gzip -9nc "${PROJECT_SOURCE_DIR}/deploy/dsr.1" > "${generated}/dsr.1.gz"
  COMMAND gzip -9nc "${generated}/changelog" > "${generated}/changelog.gz"
  DEPENDS "${PROJECT_SOURCE_DIR}/deploy/dsr.1" "${generated}/changelog"
  COMMENT "Compressing the man page and the changelog"
  VERBATIM)
add_custom_target(dsr_compressed_docs ALL DEPENDS "${generated}/dsr.1.gz" "${generated}/changelog.gz")
install(FILES "${generated}/dsr.1.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")

set(doc_dir "${CMAKE_INSTALL_DATAROOTDIR}/doc/dsr")
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/deploy/debian/copyright"
              "${generated}/changelog.gz" DESTINATION "${doc_dir}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION "${doc_dir}")

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "dsr")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "dsr maintainers <dsr-maintainers@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "workflow engine for data-subject rights requests")
# The extended description only: CPack puts the summary above it, and
# indents each line (an empty line becomes Debian's " .").
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "dsr carries each request a data subject makes about their personal data
(access, rectification, erasure, objection to an automated decision)
through identity verification, human review, fulfilment and notice to the
third parties that received the data, against the deadline the law sets
(Indonesia's UU 27/2022 by default), with a tamper-evident audit trail.

This package holds the dsr program, its HTTP API as a hardened systemd
service running as the dsr user, its configuration and its documentation.")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")  # dsr_<version>_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# The libraries dsr links (libsqlite3, libsodium, libssl, ...) found by
# dpkg-shlibdeps, and what the maintainer scripts and the program use.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54), tzdata, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/deploy/debian/conffiles"
    "${PROJECT_SOURCE_DIR}/deploy/debian/postinst"
    "${PROJECT_SOURCE_DIR}/deploy/debian/prerm"
    "${PROJECT_SOURCE_DIR}/deploy/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
include(CPack)
