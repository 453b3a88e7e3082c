//
// libFuzzer target: a certificate chain as a client sees it. The input is the
// body of a TLS 1.3 Certificate message: it is parsed (wire), each entry is
// parsed as DER, the leaf's key and names are read, and the chain is verified
// for the server "localhost" against a store that trusts the fuzz credential
// (tlsio_fuzz::shared_credential), at a fixed time, with libcrypto's security
// level 2.
// Seeds: make_seeds writes the credential alone, and a leaf issued by it.
//
#include "fuzz_support.hpp"

#include "crypto/x509.hpp"
#include "wire/messages.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tlsio::crypto::trust_store* const store = [] {
        auto* s = new tlsio::crypto::trust_store;
        tlsio_fuzz::check(s->add_pem(tlsio_fuzz::shared_credential().certificate_pem),
                          "trust_store::add_pem");
        return s;
    }();

    tlsio::wire::certificate_msg msg;
    if (tlsio::wire::parse_certificate(tlsio::byte_view(data, size), msg) != tlsio::wire::ok) {
        return 0;
    }
    std::vector<tlsio::crypto::certificate> chain;
    for (const auto& entry : msg.entries) {
        auto cert = tlsio::crypto::certificate::from_der(entry.cert_data);
        if (!cert) {
            return 0;
        }
        if (cert->der().size() != entry.cert_data.size()) {
            __builtin_trap();  // from_der refuses trailing bytes
        }
        chain.push_back(std::move(*cert));
    }
    if (chain.empty()) {
        return 0;
    }
    const tlsio::crypto::certificate& leaf = chain.front();
    tlsio::crypto::public_key key = leaf.key();
    (void)key.bits();
    (void)tlsio::crypto::meets_security_level(key, 2);
    (void)leaf.subject();
    (void)leaf.issuer();
    (void)leaf.signature_scheme();
    (void)leaf.allows_digital_signature();
    (void)leaf.matches_host("localhost");
    (void)leaf.matches_host("127.0.0.1");

    // A callback keeps the verification out of the process-wide cache, so an
    // input verifies the same way whatever ran before it.
    const tlsio::crypto::native_verify_callback callback =
        [](bool preverified, x509_store_ctx_st*) { return preverified; };
    tlsio::crypto::verify_request request;
    request.store = store;
    request.chain = chain;
    request.role = tlsio::crypto::peer_role::server;
    request.host = "localhost";
    request.now = tlsio_fuzz::fixed_clock();
    request.callback = &callback;
    (void)tlsio::crypto::verify_chain(request);
    return 0;
}
