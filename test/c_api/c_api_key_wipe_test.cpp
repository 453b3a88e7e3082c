// The C facade wipes private-key text: no memory that C++ code of the facade
// frees may still hold it. This program replaces the global operator new and
// delete, and looks for the key's PEM text in every block freed while a key is
// loaded (which is why it is a program of its own). libcrypto's own buffers
// (malloc/free) are libcrypto's business and not watched. Record buffers the
// pool frees are checked here too, with the key as the data they held.
#include <tlsio/ssl.h>

#define BOOST_TEST_MODULE c_api_key_wipe_test
#include <boost/test/unit_test.hpp>

#include "record/buffer_pool.hpp"
#include "support/pki.hpp"

#include <openssl/err.h>

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <string>

namespace {

std::atomic<bool> watching{false};
std::atomic<int> blocks_with_key{0};
char marker[48];
std::size_t marker_size = 0;

void inspect(void* p) noexcept {
    if (!watching.load(std::memory_order_relaxed) || marker_size == 0) {
        return;
    }
    const std::size_t n = malloc_usable_size(p);
    if (n >= marker_size && memmem(p, n, marker, marker_size) != nullptr) {
        blocks_with_key.fetch_add(1, std::memory_order_relaxed);
    }
}

void* allocate(std::size_t n) {
    if (void* p = std::malloc(n == 0 ? 1 : n)) {
        return p;
    }
    throw std::bad_alloc();
}

void release(void* p) noexcept {
    if (p != nullptr) {
        inspect(p);
        std::free(p);
    }
}

}  // namespace

void* operator new(std::size_t n) {
    return allocate(n);
}
void* operator new[](std::size_t n) {
    return allocate(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p) noexcept {
    release(p);
}
void operator delete[](void* p) noexcept {
    release(p);
}
void operator delete(void* p, std::size_t) noexcept {
    release(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    release(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    release(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    release(p);
}

namespace {

using namespace tlsio::test;

// The first base64 line of the key: text that only a copy of the key holds.
void watch_for(const std::string& key_pem) {
    const std::size_t line = key_pem.find('\n') + 1;
    marker_size = sizeof marker;
    std::memcpy(marker, key_pem.data() + line, marker_size);
}

// Counts the freed blocks that held the key while `f` ran.
template <class F>
int key_copies_freed(F f) {
    blocks_with_key = 0;
    watching = true;
    f();
    watching = false;
    return blocks_with_key;
}

struct loaded {
    issued cert;
    temp_files files;
    std::string combined_path;  ///< chain and key in one file
};

const loaded& material() {
    static const loaded m = [] {
        loaded l;
        l.cert = authority::make_root("key wipe CA").issue(leaf_options{});
        l.files = l.cert.write_files();
        l.combined_path = l.files.directory + "/combined.pem";
        std::ofstream(l.combined_path) << l.cert.chain_pem << l.cert.key_pem;
        watch_for(l.cert.key_pem);
        return l;
    }();
    return m;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_watch_sees_an_unwiped_copy) {
    const loaded& m = material();
    BOOST_TEST(key_copies_freed([&] {
                   std::string copy(m.cert.key_pem);
                   asm volatile("" : : "r"(copy.data()) : "memory");  // keep the copy
               }) == 1);
}

BOOST_AUTO_TEST_CASE(key_files_leave_no_copies) {
    const loaded& m = material();
    ERR_clear_error();
    int copies = key_copies_freed([&] {
        // Chain first, then the key; and the key first (it waits for its chain).
        TLSIO_CTX* ctx = tlsio_CTX_new(tlsio_server_method());
        BOOST_TEST(tlsio_CTX_use_certificate_chain_file(ctx, m.combined_path.c_str()) == 1);
        BOOST_TEST(
            tlsio_CTX_use_PrivateKey_file(ctx, m.combined_path.c_str(), TLSIO_FILETYPE_PEM) == 1);
        BOOST_TEST(tlsio_CTX_check_private_key(ctx) == 1);
        tlsio_CTX_free(ctx);
        ctx = tlsio_CTX_new(tlsio_server_method());
        BOOST_TEST(
            tlsio_CTX_use_PrivateKey_file(ctx, m.files.key_path.c_str(), TLSIO_FILETYPE_PEM) == 1);
        BOOST_TEST(
            tlsio_CTX_use_certificate_file(ctx, m.combined_path.c_str(), TLSIO_FILETYPE_PEM) == 1);
        BOOST_TEST(tlsio_CTX_check_private_key(ctx) == 1);
        tlsio_CTX_free(ctx);
    });
    BOOST_TEST(copies == 0);
}

BOOST_AUTO_TEST_CASE(keys_from_memory_and_evp_pkey_leave_no_copies) {
    const loaded& m = material();
    ERR_clear_error();
    int copies = key_copies_freed([&] {
        TLSIO_CTX* ctx = tlsio_CTX_new(tlsio_server_method());
        BOOST_TEST(tlsio_CTX_use_PrivateKey_mem(ctx, m.cert.key_pem.data(),
                                                m.cert.key_pem.size()) == 1);  // pending
        BOOST_TEST(tlsio_CTX_use_certificate_chain_mem(ctx, m.cert.chain_pem.data(),
                                                       m.cert.chain_pem.size()) == 1);
        BOOST_TEST(tlsio_CTX_use_PrivateKey(ctx, m.cert.key.native()) == 1);  // no chain yet
        tlsio_CTX_free(ctx);  // with the key still pending
    });
    BOOST_TEST(copies == 0);
}

BOOST_AUTO_TEST_CASE(record_buffers_the_pool_frees_are_wiped) {
    // Record buffers hold decrypted application data: one too large to cache
    // goes back to the heap wiped (here the data is the key, as a marker).
    const loaded& m = material();
    int copies = key_copies_freed([&] {
        tlsio::record::io_buffer b = tlsio::record::acquire_buffer(512 * 1024);
        b.resize(b.capacity());
        std::memcpy(b.data(), m.cert.key_pem.data(), m.cert.key_pem.size());
        tlsio::record::release_buffer(b);
    });
    BOOST_TEST(copies == 0);
}
