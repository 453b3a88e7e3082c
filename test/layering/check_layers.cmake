# Checks that the layer views of src/CMakeLists.txt keep the include direction:
# a file compiled as part of the record layer can include a wire header, and
# cannot include a handshake header. Run by ctest as
#   cmake -DCXX=... -DVIEWS=<build>/src/layer_views -DINCLUDE=<src>/include
#         -DWORK=<dir> -P check_layers.cmake
foreach(var CXX VIEWS INCLUDE WORK)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "check_layers.cmake needs -D${var}=...")
    endif()
endforeach()
file(MAKE_DIRECTORY ${WORK})

# probe NAME LAYER HEADER EXPECT: compiles `#include "HEADER"` with LAYER's view.
function(probe name layer header expect)
    set(source ${WORK}/${name}.cpp)
    file(WRITE ${source} "#include \"${header}\"\nint main() { return 0; }\n")
    execute_process(
        COMMAND ${CXX} -std=c++20 -fsyntax-only -I${VIEWS}/${layer} -I${INCLUDE} ${source}
        RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(expect STREQUAL "compiles" AND NOT result EQUAL 0)
        message(FATAL_ERROR "${layer} should see ${header} but does not:\n${err}")
    endif()
    if(expect STREQUAL "fails")
        if(result EQUAL 0)
            message(FATAL_ERROR "${layer} can include ${header}, a layer above it")
        endif()
        string(FIND "${err}" "No such file or directory" missing)
        if(missing EQUAL -1)
            message(FATAL_ERROR "${layer} including ${header} failed for another reason:\n${err}")
        endif()
    endif()
    message(STATUS "${layer} + ${header}: ${expect}")
endfunction()

probe(record_sees_wire record wire/messages.hpp compiles)
probe(record_sees_record record record/layer.hpp compiles)
probe(record_not_handshake record handshake/connection.hpp fails)
probe(wire_not_record wire record/layer.hpp fails)
probe(crypto_not_wire crypto wire/codec.hpp fails)
probe(context_not_handshake context handshake/connection.hpp fails)
probe(handshake_sees_context handshake context/context_impl.hpp compiles)
probe(handshake_not_engine handshake engine/engine.cpp fails)
probe(c_api_not_engine c_api record/layer.hpp fails)
