#include "errors.hpp"

#include <tlsio/error.hpp>

#include <openssl/err.h>

#include <mutex>
#include <string>
#include <vector>

namespace tlsio::c_api {
namespace {

constexpr int alert_base = 256;

const char* facade_text(reason r) noexcept {
    switch (r) {
        case reason::null_argument:
            return "null argument";
        case reason::uninitialized:
            return "connection role not set (call set_connect_state or set_accept_state)";
        case reason::wrong_state:
            return "called in the wrong state";
        case reason::shutdown_while_in_init:
            return "shutdown while in init";
        case reason::protocol_is_shutdown:
            return "protocol is shutdown";
        case reason::bad_write_retry:
            return "bad write retry";
        case reason::bad_length:
            return "bad length";
        case reason::no_transport:
            return "bio not set (no fd or BIO for the transport)";
        case reason::bad_value:
            return "bad value";
        case reason::unsupported:
            return "not supported by tlsio";
        case reason::failed_earlier:
            return "the connection failed earlier";
        case reason::no_protocols_available:
            return "no protocols available";
        case reason::unexpected_eof:
            return "unexpected eof while reading";
        case reason::no_alpn_overlap:
            return "no application protocol";
    }
    return "unknown";
}

struct registry {
    int lib = 0;
    std::vector<std::string> texts;
    std::vector<ERR_STRING_DATA> table;

    registry() {
        lib = ERR_get_next_error_library();
        // Reserve first: table holds pointers into texts.
        texts.reserve(256);
        auto add = [this](int r, std::string text) {
            texts.push_back(std::move(text));
            table.push_back({ERR_PACK(lib, 0, r), nullptr});
        };
        table.push_back({ERR_PACK(lib, 0, 0), "tlsio"});
        for (int e = static_cast<int>(error::unexpected_message);
             e <= static_cast<int>(error::certificate_too_weak); ++e) {
            std::string text = make_error_code(static_cast<error>(e)).message();
            if (static_cast<error>(e) == error::stream_truncated) {
                text = "unexpected eof while reading (stream truncated)";
            }
            add(e, std::move(text));
        }
        for (int a = 0; a < 256; ++a) {
            std::string name = alert_name(static_cast<alert>(a));
            if (name.find("unknown") == std::string::npos) {
                add(alert_base + a, "peer sent alert " + name);
            }
        }
        for (int r = static_cast<int>(reason::null_argument);
             r <= static_cast<int>(reason::no_alpn_overlap); ++r) {
            add(r, facade_text(static_cast<reason>(r)));
        }
        for (std::size_t i = 1; i < table.size(); ++i) {
            table[i].string = texts[i - 1].c_str();
        }
        table.push_back({0, nullptr});
        ERR_load_strings(lib, table.data());
    }
};

registry& the_registry() {
    static registry r;  // Thread-safe initialisation; lives for the process.
    return r;
}

void push_packed(int lib, int r, const char* func, std::string_view data) {
    ERR_new();
    ERR_set_debug("tlsio/c_api", 0, func);
    if (data.empty()) {
        ERR_set_error(lib, r, nullptr);
    } else {
        std::string copy(data);
        ERR_set_error(lib, r, "%s", copy.c_str());
    }
}

}  // namespace

int library() noexcept {
    return the_registry().lib;
}

void push(reason r, const char* func, std::string_view data) {
    push_packed(library(), static_cast<int>(r), func, data);
}

void push(const boost::system::error_code& ec, const char* func, std::string_view message) {
    int r = static_cast<int>(error::internal_error);
    if (ec.category() == error_category()) {
        r = ec.value();
    } else if (ec == error::stream_truncated) {
        // In asio::ssl's category (see tlsio::make_error_code).
        r = static_cast<int>(error::stream_truncated);
    } else if (ec.category() == alert_category()) {
        r = alert_base + ec.value();
    } else if (ec.category() == boost::system::system_category() ||
               ec.category() == boost::system::generic_category()) {
        push_system(ec.value(), func, message);
        return;
    }
    push_packed(library(), r, func, message.empty() ? std::string_view(ec.message()) : message);
}

void push_system(int err, const char* func, std::string_view data) {
    push_packed(ERR_LIB_SYS, err, func, data);
}

}  // namespace tlsio::c_api
