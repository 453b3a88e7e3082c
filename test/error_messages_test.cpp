// engine::error_message() says which check failed, for a sample of failures
// in the handshake, the record layer and the engine; and the condition table
// of <tlsio/error.hpp> is what error codes compare equal to.
#include <tlsio/engine.hpp>

#define BOOST_TEST_MODULE error_messages_test
#include <boost/test/unit_test.hpp>

#include "support/pki.hpp"
#include "support/pump.hpp"

#include <string>

using namespace tlsio::test;
using tlsio::status;

namespace tlsio {
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << make_error_code(e).message();
}
}  // namespace tlsio

namespace {

const authority& test_ca() {
    static const auto ca = authority::make_root("error messages root");
    return ca;
}

tlsio::context server_context() {
    static const issued leaf = test_ca().issue({});
    tlsio::context ctx(tlsio::context::tlsv13_server);
    ctx.use_certificate_chain(leaf.chain_pem);
    ctx.use_private_key(leaf.key_pem);
    return ctx;
}

tlsio::context client_context() {
    tlsio::context ctx(tlsio::context::tlsv13_client);
    ctx.add_certificate_authority(test_ca().root_pem());
    return ctx;
}

struct pair_of_engines {
    tlsio::engine client{client_context(), tlsio::role::client, {.server_name = "localhost"}};
    tlsio::engine server{server_context(), tlsio::role::server};
};

/// The failing side's code and message, checked to be specific: not empty
/// and not just the code's own text.
void check_failure(const tlsio::engine& e, tlsio::error code, const std::string& message) {
    BOOST_TEST(e.error() == code);
    BOOST_TEST(e.error_message() == message);
    BOOST_TEST(e.error_message() != make_error_code(code).message());
}

/// Rewrites the first record of `from`'s `index`-th flight with `edit`.
interceptor edit_first_record(tlsio::role from, std::size_t index,
                              std::function<void(record&)> edit) {
    return [=](flight& f) {
        if (f.from != from || f.index != index) {
            return;
        }
        split_result s = split_records(f.data);
        edit(s.records.front());
        f.data = join_records(s.records);
    };
}

/// Edits the ServerHello of the server's first flight.
interceptor edit_server_hello(std::function<void(hello&)> edit) {
    return edit_first_record(tlsio::role::server, 0, [edit](record& r) {
        std::optional<hello> h = parse_hello(r.payload);
        BOOST_REQUIRE(h.has_value());
        edit(*h);
        r.payload = encode_hello(*h);
    });
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(client_hello_that_does_not_parse, pair_of_engines) {
    pump_options o;
    o.intercept = edit_first_record(tlsio::role::client, 0, [](record& r) {
        r.payload = {1, 0, 0, 2, 3, 3};  // a ClientHello of two bytes
    });
    handshake(client, server, o);
    check_failure(server, tlsio::error::decode_error, "ClientHello does not parse");
}

BOOST_FIXTURE_TEST_CASE(message_the_state_does_not_expect, pair_of_engines) {
    pump_options o;
    o.intercept = edit_first_record(tlsio::role::client, 0, [](record& r) {
        r.payload = {20, 0, 0, 0};  // a Finished first
    });
    handshake(client, server, o);
    check_failure(server, tlsio::error::unexpected_message,
                  "unexpected handshake message of type 20");
}

BOOST_FIXTURE_TEST_CASE(server_hello_that_does_not_match, pair_of_engines) {
    pump_options o;
    o.intercept = edit_server_hello([](hello& h) { h.session_id.at(0) ^= 1; });
    handshake(client, server, o);
    check_failure(client, tlsio::error::illegal_parameter,
                  "ServerHello does not match the ClientHello");
}

BOOST_FIXTURE_TEST_CASE(server_hello_without_key_share, pair_of_engines) {
    pump_options o;
    o.intercept = edit_server_hello([](hello& h) { h.remove(ext::key_share); });
    handshake(client, server, o);
    check_failure(client, tlsio::error::missing_extension, "ServerHello lacks key_share");
}

BOOST_FIXTURE_TEST_CASE(server_hello_that_does_not_parse, pair_of_engines) {
    pump_options o;
    o.intercept = edit_first_record(tlsio::role::server, 0, [](record& r) {
        r.payload = {2, 0, 0, 2, 3, 3};  // a ServerHello of two bytes
    });
    handshake(client, server, o);
    check_failure(client, tlsio::error::decode_error, "ServerHello does not parse");
}

BOOST_FIXTURE_TEST_CASE(record_too_long, pair_of_engines) {
    bytes oversized = encode_record({content_type::handshake, 0x0301, bytes(16384 + 1, 0)});
    deliver(server, oversized);
    BOOST_TEST(server.handshake() == status::error);
    check_failure(server, tlsio::error::record_overflow,
                  "record longer than RFC 8446 section 5 allows");
}

BOOST_FIXTURE_TEST_CASE(transport_closed_mid_handshake, pair_of_engines) {
    server.commit_eof();
    BOOST_TEST(server.handshake() == status::error);
    BOOST_TEST(server.error() == tlsio::error::stream_truncated);
    BOOST_TEST(server.error_message() == "the transport closed without close_notify");
}

BOOST_FIXTURE_TEST_CASE(key_update_before_the_handshake, pair_of_engines) {
    BOOST_TEST(client.key_update(false) == status::error);
    check_failure(client, tlsio::error::handshake_in_progress,
                  "KeyUpdate asked for before the handshake is done");
}

BOOST_FIXTURE_TEST_CASE(write_after_close_notify, pair_of_engines) {
    BOOST_REQUIRE(handshake(client, server).ok());
    BOOST_TEST(client.shutdown() == status::done);
    std::size_t n = 0;
    std::uint8_t data[1] = {1};
    BOOST_TEST(client.write(data, n) == status::error);
    check_failure(client, tlsio::error::closed, "write after close_notify was sent");
}

BOOST_AUTO_TEST_CASE(condition_table) {
    using tlsio::condition;
    using tlsio::error;
    const error protocol[] = {
        error::unexpected_message,      error::decode_error,          error::illegal_parameter,
        error::record_overflow,         error::bad_record_mac,        error::handshake_failure,
        error::protocol_version,        error::missing_extension,     error::unsupported_extension,
        error::no_application_protocol, error::unrecognized_name,     error::decrypt_error,
        error::downgrade_detected,      error::insufficient_security, error::too_many_empty_records,
        error::too_many_warning_alerts, error::too_many_key_updates,  error::inappropriate_fallback,
        error::no_renegotiation};
    const error verify[] = {
        error::certificate_verify_failed,        error::certificate_expired,
        error::certificate_not_yet_valid,        error::certificate_unknown_ca,
        error::certificate_host_mismatch,        error::certificate_bad_key_usage,
        error::certificate_rejected_by_callback, error::certificate_too_weak};
    const error none[] = {error::certificate_required,
                          error::bad_certificate,
                          error::unsupported_certificate,
                          error::stream_truncated,
                          error::closed,
                          error::not_handshaked,
                          error::handshake_in_progress,
                          error::internal_error,
                          error::no_certificate,
                          error::invalid_argument,
                          error::key_load_failed,
                          error::key_password_required,
                          error::key_password_wrong,
                          error::unsupported_version,
                          error::unsupported_option,
                          error::host_name_required,
                          error::client_hello_refused,
                          error::client_hello_pending};
    for (error e : protocol) {
        BOOST_TEST((make_error_code(e) == condition::protocol_error), e);
        BOOST_TEST((make_error_code(e) != condition::verify_failed), e);
    }
    for (error e : verify) {
        BOOST_TEST((make_error_code(e) == condition::verify_failed), e);
        BOOST_TEST((make_error_code(e) != condition::protocol_error), e);
    }
    for (error e : none) {
        BOOST_TEST((make_error_code(e) != condition::protocol_error), e);
        BOOST_TEST((make_error_code(e) != condition::verify_failed), e);
        BOOST_TEST((make_error_code(e) != condition::peer_alert), e);
    }
    BOOST_TEST((make_error_code(tlsio::alert::handshake_failure) == condition::peer_alert));
    BOOST_TEST((make_error_code(tlsio::alert::close_notify) != condition::peer_alert));
    // Every code is in one row of the table.
    BOOST_TEST(std::size(protocol) + std::size(verify) + std::size(none) ==
               static_cast<std::size_t>(error::no_renegotiation));
}
