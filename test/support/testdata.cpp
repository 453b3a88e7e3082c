#include "support/testdata.hpp"

#include "support/pump.hpp"

#include <fstream>

namespace tlsio::test {

const std::map<std::string, rfc8448_section>& rfc8448_traces() {
    static const std::map<std::string, rfc8448_section> all = [] {
        const std::string path = testdata_dir() + "/rfc8448/transcripts.vec";
        std::ifstream in(path);
        if (!in) {
            throw std::runtime_error("cannot open " + path);
        }
        std::map<std::string, rfc8448_section> out;
        std::string line;
        std::string current;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') {
                continue;
            }
            if (line[0] == '[') {
                current = line.substr(1, line.find(']') - 1);
                continue;
            }
            auto eq = line.find(" = ");
            if (eq == std::string::npos) {
                continue;
            }
            // Some values carry stray spaces; CurrentTimestamp is decimal (odd-length: skipped).
            std::string value;
            for (char c : line.substr(eq + 3)) {
                if (c != ' ') {
                    value.push_back(c);
                }
            }
            if (value.size() % 2 == 0) {
                out[current][line.substr(0, eq)] = from_hex(value);
            }
        }
        return out;
    }();
    return all;
}

const rfc8448_section& rfc8448_trace(const std::string& name) {
    const auto& all = rfc8448_traces();
    auto it = all.find(name);
    if (it == all.end() || it->second.empty()) {
        throw std::runtime_error("rfc8448/transcripts.vec has no section " + name);
    }
    return it->second;
}

}  // namespace tlsio::test
