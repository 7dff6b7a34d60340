# Installation and the Debian package (`cpack -G DEB` in a build tree → sockgrade_<version>_amd64.deb).
# The installed layout is the one the CLI already searches beside its own executable, so an installed
# sockgrade needs no environment: <prefix>/bin/sockgrade, the shim in <prefix>/libexec/sockgrade
# (faults/shim.cpp), the labs and their contracts in <prefix>/share/sockgrade/labs (lab/lab_loader.cpp).
install(TARGETS sockgrade RUNTIME DESTINATION bin)
install(TARGETS sockgrade_shim LIBRARY DESTINATION libexec/sockgrade)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/labs/ DESTINATION share/sockgrade/labs)
# The model solutions: teaching material, and what `sockgrade test LAB` can be tried on.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/reference/ DESTINATION share/sockgrade/reference)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright DESTINATION share/doc/sockgrade)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sockgrade)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "grader for students' socket-programming labs")
set(CPACK_PACKAGE_DESCRIPTION
    "sockgrade builds a student's C program, runs it in a sandbox against scripted peers and\n faults, and reports which parts of a lab's contract it meets.")
set(CPACK_PACKAGE_CONTACT "sockgrade maintainers <sockgrade@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # sockgrade_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_STRIP_FILES ON)  # without the debug information of a RelWithDebInfo build: 64 MB less
# The libraries the CLI links, found by dpkg-shlibdeps (packages dpkg-dev and file), plus what building a
# submission needs. gcc brings the sanitizer runtimes (libasan8, libubsan1, ...) through libgcc-12-dev.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "gcc, make, libc6-dev")
# The shim is loaded by path (LD_PRELOAD), never through the linker's cache: no shlibs file, and it
# lives in libexec because CPack writes a postinst/postrm calling ldconfig for any shared object
# under usr/lib/* (CPackDeb.cmake, _LDCONF_DEFAULTS).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
include(CPack)
