# Install rules: headers, the library, a CMake package exporting tlsio::tlsio
# and a pkg-config file. Included from the top-level CMakeLists.txt.
#
# Only the combined `tlsio` target is installed and exported: the per-layer
# OBJECT libraries reach it through $<TARGET_OBJECTS:...>, so consumers never
# see them. Its public dependencies (OpenSSL::Crypto, Boost::headers) are
# found again by tlsioConfig.cmake.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TLSIO_OPENSSL_MIN_VERSION 3.0)
set(TLSIO_BOOST_MIN_VERSION 1.81)
set(TLSIO_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tlsio)

set_target_properties(tlsio PROPERTIES VERSION ${PROJECT_VERSION}
                                       SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})

# The C facade (tlsio::c) is exported with it when it is built.
set(tlsio_installed_targets tlsio)
if(TARGET tlsio_c)
    list(APPEND tlsio_installed_targets tlsio_c)
    set_target_properties(tlsio_c PROPERTIES VERSION ${PROJECT_VERSION}
        SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
endif()
install(TARGETS ${tlsio_installed_targets} EXPORT tlsioTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tlsio DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h" PATTERN "*.ipp")

install(EXPORT tlsioTargets NAMESPACE tlsio:: DESTINATION ${TLSIO_CMAKE_DIR})
# The same targets for use straight from a build tree.
export(EXPORT tlsioTargets NAMESPACE tlsio::
       FILE ${PROJECT_BINARY_DIR}/tlsioTargets.cmake)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/tlsioConfig.cmake.in
    ${PROJECT_BINARY_DIR}/tlsioConfig.cmake INSTALL_DESTINATION ${TLSIO_CMAKE_DIR})
# 0.x: a new minor version may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tlsioConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tlsioConfig.cmake ${PROJECT_BINARY_DIR}/tlsioConfigVersion.cmake
    DESTINATION ${TLSIO_CMAKE_DIR})

# pkg-config. The prefix is found relative to the .pc file, so
# `cmake --install --prefix DIR` gives a correct file for any DIR.
# With a shared libtlsio, libcrypto is a private dependency (Requires.private).
# A static libtlsio.a cannot carry its dependencies, so the consumer's link line
# must name libcrypto: there it goes into Requires, and plain
# `pkg-config --libs tlsio` links.
file(RELATIVE_PATH TLSIO_PC_PREFIX_FROM_PCDIR
     /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" TLSIO_PC_PREFIX_FROM_PCDIR "${TLSIO_PC_PREFIX_FROM_PCDIR}")
get_target_property(tlsio_type tlsio TYPE)
if(tlsio_type STREQUAL "SHARED_LIBRARY")
    set(TLSIO_PC_REQUIRES "Requires.private: libcrypto >= ${TLSIO_OPENSSL_MIN_VERSION}")
else()
    set(TLSIO_PC_REQUIRES "Requires: libcrypto >= ${TLSIO_OPENSSL_MIN_VERSION}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/tlsio.pc.in ${PROJECT_BINARY_DIR}/tlsio.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tlsio.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# pkg-config for the C facade: tlsio-c (<tlsio/ssl.h>) and tlsio-openssl (the
# same with include/tlsio/compat first, so <openssl/ssl.h> is tlsio's):
#   cc prog.c $(pkg-config --cflags --libs tlsio-openssl)
# A static libtlsio_c.a holds C++ code, so a C program's link line must name
# the C++ runtime.
if(TARGET tlsio_c)
    get_target_property(tlsio_c_type tlsio_c TYPE)
    if(tlsio_c_type STREQUAL "SHARED_LIBRARY")
        set(TLSIO_C_PC_REQUIRES "Requires.private: tlsio = ${PROJECT_VERSION}")
        set(TLSIO_C_PC_LIBS "-ltlsio_c")
    else()
        set(TLSIO_C_PC_REQUIRES "Requires: tlsio = ${PROJECT_VERSION}")
        set(TLSIO_C_PC_LIBS "-ltlsio_c -ltlsio -lstdc++ -lm")
    endif()
    configure_file(${CMAKE_CURRENT_LIST_DIR}/tlsio-c.pc.in ${PROJECT_BINARY_DIR}/tlsio-c.pc @ONLY)
    configure_file(${CMAKE_CURRENT_LIST_DIR}/tlsio-openssl.pc.in ${PROJECT_BINARY_DIR}/tlsio-openssl.pc
                   @ONLY)
    install(FILES ${PROJECT_BINARY_DIR}/tlsio-c.pc ${PROJECT_BINARY_DIR}/tlsio-openssl.pc
            DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
