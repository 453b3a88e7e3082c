// Where the test vectors are, found at run time: $TLSIO_TESTDATA_DIR, which
// ctest sets for every suite (test/CMakeLists.txt). Not a compile definition,
// so that no clone's absolute path is compiled into the objects and ccache
// hits across clones at different paths.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tlsio::test {

/// The folder with rfc8448/ and wycheproof/. Throws when $TLSIO_TESTDATA_DIR
/// is unset or not a directory: a test without its vectors fails, never skips.
inline std::string testdata_dir() {
    const char* dir = std::getenv("TLSIO_TESTDATA_DIR");
    if (dir == nullptr || *dir == '\0') {
        throw std::runtime_error(
            "TLSIO_TESTDATA_DIR is not set: run the suite through ctest, or set it to the "
            "folder with rfc8448/ and wycheproof/ (test/data in the repository)");
    }
    if (!std::filesystem::is_directory(dir)) {
        throw std::runtime_error(std::string("TLSIO_TESTDATA_DIR=") + dir +
                                 " is not a directory (the test vectors are missing)");
    }
    return dir;
}

/// One section of rfc8448/transcripts.vec: field name -> bytes.
using rfc8448_section = std::map<std::string, std::vector<std::uint8_t>>;

/// Every section of rfc8448/transcripts.vec by name, read once (support/testdata.cpp).
/// Fields whose value is not hex bytes (CurrentTimestamp) are left out. Throws
/// when the file cannot be read.
const std::map<std::string, rfc8448_section>& rfc8448_traces();

/// The section `name`; throws when there is none.
const rfc8448_section& rfc8448_trace(const std::string& name);

}  // namespace tlsio::test
