// Reading the Wycheproof vectors in $TLSIO_TESTDATA_DIR/wycheproof: a whole
// file as JSON, and hex fields as bytes. Header-only, for the crypto suites,
// which link only the crypto layer; each suite compiles Boost.JSON itself
// (<boost/json/src.hpp>).
#pragma once

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "crypto/types.hpp"
#include "support/testdata.hpp"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace tlsio::test::wycheproof {

/// The bytes of an even-length hex string (either case); the test stops on an
/// odd length.
inline bytes unhex(std::string_view hex) {
    BOOST_REQUIRE_MESSAGE(hex.size() % 2 == 0, "odd hex length");
    auto nibble = [](char c) -> std::uint8_t {
        if (c >= '0' && c <= '9') {
            return static_cast<std::uint8_t>(c - '0');
        }
        if (c >= 'a' && c <= 'f') {
            return static_cast<std::uint8_t>(c - 'a' + 10);
        }
        return static_cast<std::uint8_t>(c - 'A' + 10);
    };
    bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    }
    return out;
}

/// The hex string field `key` of `o`, as bytes.
inline bytes hex_field(const boost::json::object& o, const char* key) {
    return unhex(std::string_view(o.at(key).as_string()));
}

/// wycheproof/`file`, parsed; the test stops when it cannot be opened.
inline boost::json::value load(const std::string& file) {
    const std::string path = testdata_dir() + "/wycheproof/" + file;
    std::ifstream in(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
    std::ostringstream text;
    text << in.rdbuf();
    return boost::json::parse(text.str());
}

}  // namespace tlsio::test::wycheproof
