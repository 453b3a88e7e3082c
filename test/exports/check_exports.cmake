# Checks what a shared tlsio exports (src/CMakeLists.txt: tlsio_export_check,
# the same objects as libtlsio + libtlsio_c, linked as one shared library).
#   cmake -DSHARED=lib.so -DSTATIC="libtlsio.a;libtlsio_c.a" -P check_exports.cmake
# Both directions:
#   - nothing of the internal layers (record, handshake, crypto, wire, c_api,
#     and the context layer's resumption)
#     and nothing outside tlsio is exported;
#   - every public symbol the static libraries define (namespace tlsio outside
#     those layers, and the C facade's tlsio_* functions) is exported, so a
#     public function that lacks TLSIO_API fails here, not in a user's link.
cmake_minimum_required(VERSION 3.20)

function(symbols out)
    execute_process(COMMAND nm --defined-only --demangle ${ARGN}
                    OUTPUT_VARIABLE text RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "nm ${ARGN} failed: ${err}")
    endif()
    string(REPLACE ";" "\\;" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")
    set(names)
    foreach(line IN LISTS lines)
        # "ADDRESS TYPE NAME": keep global code and data (upper-case types),
        # drop weak and unique template instances (W, V, u), which belong to
        # whoever instantiates them.
        if(line MATCHES "^[0-9a-f]* ([TDBR]) (.*)$")
            list(APPEND names "${CMAKE_MATCH_2}")
        endif()
    endforeach()
    set(${out} "${names}" PARENT_SCOPE)
endfunction()

set(internal "^tlsio::(record|handshake|crypto|wire|c_api|testing|resumption)::|^tlsio::[a-z_:]*::impl::|\\(anonymous namespace\\)")

function(is_public name out)
    set(result FALSE)
    if(name MATCHES "^tlsio::" AND NOT name MATCHES "${internal}")
        set(result TRUE)
    elseif(name MATCHES "^tlsio_[A-Za-z0-9_]*$")
        set(result TRUE)
    endif()
    set(${out} ${result} PARENT_SCOPE)
endfunction()

execute_process(COMMAND nm --dynamic --defined-only --demangle ${SHARED}
                OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm --dynamic ${SHARED} failed")
endif()
string(REPLACE ";" "\\;" dyn "${dyn}")
string(REPLACE "\n" ";" dyn_lines "${dyn}")
set(exported)
set(problems)
foreach(line IN LISTS dyn_lines)
    if(line MATCHES "^[0-9a-f]* ([TDBR]) (.*)$")
        set(name "${CMAKE_MATCH_2}")
        list(APPEND exported "${name}")
        is_public("${name}" public)
        if(NOT public)
            list(APPEND problems "exported but internal: ${name}")
        endif()
    endif()
endforeach()

symbols(defined ${STATIC})
list(REMOVE_DUPLICATES defined)
set(public_count 0)
foreach(name IN LISTS defined)
    is_public("${name}" public)
    if(public)
        math(EXPR public_count "${public_count} + 1")
        list(FIND exported "${name}" at)
        if(at EQUAL -1)
            list(APPEND problems "public but not exported (TLSIO_API missing?): ${name}")
        endif()
    endif()
endforeach()

list(LENGTH exported exported_count)
message(STATUS "${exported_count} symbols exported, ${public_count} public symbols defined")
if(public_count LESS 50)
    list(APPEND problems "only ${public_count} public symbols found: is nm reading the right libraries?")
endif()
foreach(must IN ITEMS "tlsio::context::context()" "tlsio::engine::handshake()" "tlsio_do_handshake")
    list(FIND exported "${must}" at)
    if(at EQUAL -1)
        list(APPEND problems "expected export missing: ${must}")
    endif()
endforeach()
if(problems)
    list(JOIN problems "\n  " text)
    message(FATAL_ERROR "export check failed:\n  ${text}")
endif()
message(STATUS "exports: public API only")
