// tlsio-bench: tlsio::stream against boost::asio::ssl::stream (OpenSSL libssl),
// in one process run, on identical work, A/B alternating rounds.
//
//   tlsio-bench            the default run (< 5 minutes)
//   tlsio-bench --quick    fewer and smaller rounds (< 60 s)
//   tlsio-bench --smoke    every metric with minimal work (a few seconds)
//   tlsio-bench --json     one JSON object per metric on stdout
//
// Rates are per CPU-second of this process (client and server both run on its
// one thread), which stays meaningful on a busy machine; wall-clock rates are
// shown too.
#include "crypto_floor.hpp"
#include "pki.hpp"
#include "resumption.hpp"
#include "scenarios.hpp"
#include "stacks.hpp"

#include "crypto/mlkem.hpp"

#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace bench {
namespace {

// ---- Configuration ------------------------------------------------------------

struct config {
    int rounds = 5;
    /// Handshake rounds are short, so there are more of them: the median
    /// then shrugs off a burst of load on a shared machine.
    int handshake_rounds = 11;
    int handshakes = 300;      ///< per round and stack, ECDSA
    int rsa_handshakes = 150;  ///< per round and stack, RSA-2048
    std::size_t bytes = 256u << 20;
    int memory_pairs = 2000;
    int memory_rounds = 5;
    int floor_iterations = 300;
    bool json = false;
    /// "tlsio" or "asio_ssl" runs only that stack (for profilers); empty = both.
    std::string stack;
    std::set<std::string> only;  ///< groups to run; empty = all
    const char* preset = "default";

    bool wants(const char* group) const { return only.empty() || only.count(group) != 0; }
    bool runs_tlsio() const { return stack != "asio_ssl"; }
    bool runs_asio() const { return stack != "tlsio"; }
};

void use_quick(config& c) {
    c.rounds = 5;
    c.handshake_rounds = 7;
    c.handshakes = 100;
    c.rsa_handshakes = 30;
    c.bytes = 32u << 20;
    c.memory_pairs = 500;
    c.memory_rounds = 5;
    c.floor_iterations = 100;
    c.preset = "quick";
}

void use_smoke(config& c) {
    c.rounds = 1;
    c.handshake_rounds = 1;
    c.handshakes = 4;
    c.rsa_handshakes = 2;
    c.bytes = 1u << 20;
    c.memory_pairs = 8;
    c.memory_rounds = 1;
    c.floor_iterations = 5;
    c.preset = "smoke";
}

void usage(std::FILE* out) {
    std::fprintf(
        out,
        "usage: tlsio-bench [--quick | --smoke] [--json] [--rounds N] [--handshakes N]\n"
        "                   [--mib N] [--pairs N] [--only GROUP[,GROUP...]]\n"
        "                   [--stack tlsio|asio_ssl]   (one stack only, no crypto floor: for\n"
        "                                               profilers)\n"
        "groups: handshake (with syscalls_handshake and crypto_floor), rsa,\n"
        "        throughput (16k, 1k, plain TCP; or throughput_16k, throughput_1k), memory,\n"
        "        pq (ML-KEM-768 operations, handshake_full_pq),\n"
        "        tls12 (handshake_tls12_full, throughput_16k_tls12; or either one),\n"
        "        resumption (handshake_resumed, handshake_tls12_resumed, "
        "first_byte_round_trips)\n");
}

// ---- Statistics --------------------------------------------------------------

struct series {
    std::vector<double> v;

    void add(double x) { v.push_back(x); }
    double median() const {
        if (v.empty()) {
            return 0;
        }
        std::vector<double> s = v;
        std::sort(s.begin(), s.end());
        std::size_t n = s.size();
        return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
    double min() const { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }
    double max() const { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }
};

/// Divides, keeping the result finite for JSON (a zero denominator happens
/// only for memory growth below one page in tiny runs).
double ratio_of(double num, double den) {
    return num / std::max(den, 1e-9);
}

/// One line of the report: tlsio against asio_ssl.
struct comparison {
    std::string metric;
    std::string unit;
    std::string target;
    bool higher_is_better = true;
    series tlsio;
    series asio;
    series ratio;  ///< per round, oriented so that > 1 means tlsio is better
    std::vector<std::pair<std::string, double>> extra;

    void add_round(double t, double a) {
        tlsio.add(t);
        asio.add(a);
        // Lower-is-better metrics count bytes or calls: one is their resolution.
        ratio.add(higher_is_better ? ratio_of(t, a) : ratio_of(a, std::max(t, 1.0)));
    }
};

/// A line that is not a tlsio/asio_ssl pair (crypto_floor, throughput_plain_tcp).
struct special_line {
    std::string metric;
    std::string unit;
    std::vector<std::pair<std::string, double>> fields;
    std::string table;  ///< what the table shows
};

struct report {
    std::vector<comparison> comparisons;
    std::vector<special_line> specials;
    std::vector<std::string> notes;
};

std::string fmt(double x) {
    char buf[64];
    if (std::fabs(x) >= 100) {
        std::snprintf(buf, sizeof(buf), "%.0f", x);
    } else if (std::fabs(x) >= 10) {
        std::snprintf(buf, sizeof(buf), "%.1f", x);
    } else {
        std::snprintf(buf, sizeof(buf), "%.2f", x);
    }
    return buf;
}

std::string json_number(double x) {
    if (!std::isfinite(x)) {
        return "null";
    }
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.6g", x);
    return buf;
}

// ---- Alternation ----------------------------------------------------------------

/// Runs `round(r, tlsio_first)` `rounds` times; the stack that goes first
/// alternates (A B, B A, A B, ...) so drift and warm caches hit both.
void alternate(const char* what, int rounds, const std::function<void(int, bool)>& round) {
    for (int r = 0; r < rounds; ++r) {
        std::fprintf(stderr, "\r  %-24s round %d/%d", what, r + 1, rounds);
        std::fflush(stderr);
        round(r, r % 2 == 0);
    }
    std::fprintf(stderr, "\n");
}

/// One round's two runs in the order `alternate` chose, leaving out the stack
/// --stack excludes.
void both(const config& cfg, bool tlsio_first, const std::function<void()>& run_tlsio,
          const std::function<void()>& run_asio) {
    if (tlsio_first && cfg.runs_tlsio()) {
        run_tlsio();
    }
    if (cfg.runs_asio()) {
        run_asio();
    }
    if (!tlsio_first && cfg.runs_tlsio()) {
        run_tlsio();
    }
}

void check_negotiation(const config& cfg, loopback& lb, tlsio_stack::contexts& t,
                       asio_ssl_stack::contexts& a, const credential& cred, report& rep,
                       protocol p = protocol::tls13) {
    std::string want = expected_negotiation(cred, p);
    std::string got_t = cfg.runs_tlsio() ? probe_negotiation<tlsio_stack>(lb, t) : want;
    std::string got_a = cfg.runs_asio() ? probe_negotiation<asio_ssl_stack>(lb, a) : want;
    if (got_t != want || got_a != want) {
        throw std::runtime_error("negotiated parameters differ from the benchmark's: tlsio \"" +
                                 got_t + "\", asio_ssl \"" + got_a + "\", wanted \"" + want + "\"");
    }
    rep.notes.push_back("negotiated (both stacks, client view): " + want);
}

// ---- Metrics ------------------------------------------------------------------------

void measure_handshakes(const config& cfg, loopback& lb, const credential& ecdsa, report& rep) {
    auto t = tlsio_stack::make_contexts(ecdsa);
    auto a = asio_ssl_stack::make_contexts(ecdsa);
    check_negotiation(cfg, lb, *t, *a, ecdsa, rep);
    int warm = std::max(2, cfg.handshakes / 10);
    both(
        cfg, true, [&] { run_handshakes<tlsio_stack>(lb, *t, warm); },
        [&] { run_handshakes<asio_ssl_stack>(lb, *a, warm); });
    crypto_floor floor(ecdsa);
    if (cfg.stack.empty()) {
        floor.measure(std::max(1, cfg.floor_iterations / 10));
        run_tcp_connections(lb, warm);
    }

    comparison hs{"handshake_full", "handshakes/s", ">= 2.0", true, {}, {}, {}, {}};
    comparison sys{"syscalls_handshake", "calls/handshake", ">= 1.0", false, {}, {}, {}, {}};
    series tcp_us, tcp_allocs;
    series t_wall, a_wall, t_allocs, a_allocs, t_cw, t_cr, t_sw, t_sr, a_cw, a_cr, a_sw, a_sr,
        floor_us;
    std::vector<floor_breakdown> parts;
    alternate("handshake_full", cfg.handshake_rounds, [&](int, bool tlsio_first) {
        handshake_sample ts, as;
        both(
            cfg, tlsio_first, [&] { ts = run_handshakes<tlsio_stack>(lb, *t, cfg.handshakes); },
            [&] { as = run_handshakes<asio_ssl_stack>(lb, *a, cfg.handshakes); });
        hs.add_round(ts.count / ts.cpu, as.count / as.cpu);
        t_wall.add(ts.count / ts.wall);
        a_wall.add(as.count / as.wall);
        t_allocs.add(ts.allocs / ts.count);
        a_allocs.add(as.allocs / as.count);
        auto per = [](std::uint64_t x, int n) { return static_cast<double>(x) / n; };
        sys.add_round(
            per(ts.client.reads + ts.client.writes + ts.server.reads + ts.server.writes, ts.count),
            per(as.client.reads + as.client.writes + as.server.reads + as.server.writes, as.count));
        t_cw.add(per(ts.client.writes, ts.count));
        t_cr.add(per(ts.client.reads, ts.count));
        t_sw.add(per(ts.server.writes, ts.count));
        t_sr.add(per(ts.server.reads, ts.count));
        a_cw.add(per(as.client.writes, as.count));
        a_cr.add(per(as.client.reads, as.count));
        a_sw.add(per(as.server.writes, as.count));
        a_sr.add(per(as.server.reads, as.count));
        if (cfg.stack.empty()) {
            parts.push_back(floor.measure(cfg.floor_iterations));
            floor_us.add(parts.back().total_us());
            handshake_sample tcp = run_tcp_connections(lb, cfg.handshakes);
            tcp_us.add(tcp.cpu * 1e6 / tcp.count);
            tcp_allocs.add(tcp.allocs / tcp.count);
        }
    });
    hs.extra = {
        {"tlsio_cpu_us", 1e6 / hs.tlsio.median()}, {"asio_ssl_cpu_us", 1e6 / hs.asio.median()},
        {"tlsio_wall", t_wall.median()},           {"asio_ssl_wall", a_wall.median()},
        {"tlsio_allocs", t_allocs.median()},       {"asio_ssl_allocs", a_allocs.median()}};
    sys.extra = {
        {"tlsio_client_writes", t_cw.median()},    {"tlsio_client_reads", t_cr.median()},
        {"tlsio_server_writes", t_sw.median()},    {"tlsio_server_reads", t_sr.median()},
        {"asio_ssl_client_writes", a_cw.median()}, {"asio_ssl_client_reads", a_cr.median()},
        {"asio_ssl_server_writes", a_sw.median()}, {"asio_ssl_server_reads", a_sr.median()}};
    rep.notes.push_back("handshake_full CPU per handshake (both ends): tlsio " +
                        fmt(1e6 / hs.tlsio.median()) + " us, asio_ssl " +
                        fmt(1e6 / hs.asio.median()) + " us; wall-clock rates: tlsio " +
                        fmt(t_wall.median()) + "/s, asio_ssl " + fmt(a_wall.median()) +
                        "/s; malloc calls per handshake (both ends, incl. TCP connect): tlsio " +
                        fmt(t_allocs.median()) + ", asio_ssl " + fmt(a_allocs.median()));
    rep.notes.push_back("syscalls_handshake next-layer calls (client w/r, server w/r): tlsio " +
                        fmt(t_cw.median()) + "/" + fmt(t_cr.median()) + ", " + fmt(t_sw.median()) +
                        "/" + fmt(t_sr.median()) + "; asio_ssl " + fmt(a_cw.median()) + "/" +
                        fmt(a_cr.median()) + ", " + fmt(a_sw.median()) + "/" + fmt(a_sr.median()));
    rep.comparisons.push_back(std::move(hs));
    rep.comparisons.push_back(std::move(sys));
    if (parts.empty()) {
        return;  // --stack: no floor
    }
    const comparison& hsr = rep.comparisons[rep.comparisons.size() - 2];
    rep.notes.push_back("TCP alone (connect, 1-byte exchange, close; no TLS): " +
                        fmt(tcp_us.median()) + " CPU us and " + fmt(tcp_allocs.median()) +
                        " malloc calls per connection; so TLS adds tlsio " +
                        fmt(1e6 / hsr.tlsio.median() - tcp_us.median()) + " us, asio_ssl " +
                        fmt(1e6 / hsr.asio.median() - tcp_us.median()) +
                        " us, against a crypto floor of " + fmt(floor_us.median()) + " us");
    double f_us = floor_us.median();
    double f = 1e6 / f_us;
    double x = hsr.tlsio.median();
    double y = hsr.asio.median();
    special_line fl{"crypto_floor",
                    "handshakes/s",
                    {{"floor", f},
                     {"tlsio", x},
                     {"fraction", x / f},
                     {"asio_ssl", y},
                     {"asio_ssl_fraction", y / f},
                     {"floor_us", f_us},
                     {"fraction_net_of_tcp", f_us / (1e6 / x - tcp_us.median())},
                     {"tcp_us", tcp_us.median()},
                     {"floor_min", 1e6 / floor_us.max()},
                     {"floor_max", 1e6 / floor_us.min()}},
                    ""};
    fl.table = fmt(f) + " [" + fmt(1e6 / floor_us.max()) + ".." + fmt(1e6 / floor_us.min()) +
               "] (" + fmt(f_us) + " us); tlsio at " + fmt(x / f) + " of it (target >= 0.8), " +
               "asio_ssl at " + fmt(y / f) + "; net of TCP's own cost tlsio at " +
               fmt(f_us / (1e6 / x - tcp_us.median()));
    std::string breakdown = "crypto_floor parts, us per op x ops per handshake:";
    for (std::size_t i = 0; i < parts.front().parts.size(); ++i) {
        series s;
        for (const auto& p : parts) {
            s.add(p.parts[i].us);
        }
        breakdown += " " + parts.front().parts[i].name + " " + fmt(s.median()) + "x" +
                     std::to_string(parts.front().parts[i].per_handshake) + ";";
    }
    rep.notes.push_back(breakdown);
    rep.specials.push_back(std::move(fl));
}

// ---- Post-quantum: ML-KEM-768 and the X25519MLKEM768 handshake ---------------------

/// CPU microseconds per ML-KEM-768 operation (FIPS 203, tlsio's own code), over
/// `iterations` repetitions; each draws its randomness from libcrypto as a
/// handshake does. Key generation and decapsulation use the expanded key, as
/// the client of a handshake does; `decaps_dk` is decapsulation with a plain dk
/// (hash check, matrix derived again), as for a key from elsewhere.
struct mlkem_times {
    double keygen = 0;
    double encaps = 0;
    double decaps = 0;
    double decaps_dk = 0;
};

mlkem_times measure_mlkem768(int iterations) {
    namespace mlkem = tlsio::crypto::mlkem;
    const auto p = mlkem::parameter_set::ml_kem_768;
    const mlkem::sizes sizes = mlkem::sizes_of(p);
    std::vector<std::uint8_t> seed(mlkem::seed_size), m(mlkem::message_size);
    std::vector<std::uint8_t> ek(sizes.encapsulation_key), expanded(mlkem::expanded_key_size(p));
    std::vector<std::uint8_t> ct(sizes.ciphertext), ss(32), ss2(32);
    auto fill = [](std::vector<std::uint8_t>& v) {
        if (RAND_bytes(v.data(), static_cast<int>(v.size())) != 1) {
            throw std::runtime_error("RAND_bytes failed");
        }
    };
    mlkem_times t;
    stopwatch sw;
    for (int i = 0; i < iterations; ++i) {
        fill(seed);
        if (!mlkem::generate_expanded(p, seed, ek, expanded)) {
            throw std::runtime_error("ML-KEM-768 keygen failed");
        }
    }
    t.keygen = sw.cpu() * 1e6 / iterations;
    stopwatch sw2;
    for (int i = 0; i < iterations; ++i) {
        fill(m);
        if (!mlkem::encapsulate(p, ek, m, ct, ss)) {
            throw std::runtime_error("ML-KEM-768 encaps failed");
        }
    }
    t.encaps = sw2.cpu() * 1e6 / iterations;
    stopwatch sw3;
    for (int i = 0; i < iterations; ++i) {
        if (!mlkem::decapsulate_expanded(p, expanded, ct, ss2)) {
            throw std::runtime_error("ML-KEM-768 decaps failed");
        }
    }
    t.decaps = sw3.cpu() * 1e6 / iterations;
    const tlsio::byte_view dk = tlsio::byte_view(expanded).first(sizes.decapsulation_key);
    std::vector<std::uint8_t> ss3(32);
    stopwatch sw4;
    for (int i = 0; i < iterations; ++i) {
        if (!mlkem::decapsulate(p, dk, ct, ss3)) {
            throw std::runtime_error("ML-KEM-768 decaps failed");
        }
    }
    t.decaps_dk = sw4.cpu() * 1e6 / iterations;
    if (ss != ss2 || ss != ss3) {
        throw std::runtime_error("ML-KEM-768: decapsulation disagrees with encapsulation");
    }
    return t;
}

/// tlsio against tlsio: the full ECDSA handshake with X25519MLKEM768 against the
/// same handshake with x25519 (asio::ssl on OpenSSL 3.0 has no ML-KEM), and the
/// ML-KEM-768 operations next to x25519's in the same run.
void measure_pq(const config& cfg, loopback& lb, const credential& ecdsa, report& rep) {
    auto classic = tlsio_stack::make_contexts(ecdsa);
    auto pq = tlsio_stack::make_contexts(ecdsa);
    for (tlsio::context* ctx : {&pq->client, &pq->server}) {
        ctx->set_groups({tlsio::named_group::x25519_mlkem768});
    }
    const std::string want = expected_negotiation(ecdsa);
    const std::string got_classic = probe_negotiation<tlsio_stack>(lb, *classic);
    std::string want_pq = want;
    want_pq.replace(want_pq.find(" x25519 "), 8, " X25519MLKEM768 ");
    const std::string got_pq = probe_negotiation<tlsio_stack>(lb, *pq);
    if (got_classic != want || got_pq != want_pq) {
        throw std::runtime_error("pq: negotiated \"" + got_pq + "\" and \"" + got_classic +
                                 "\", wanted \"" + want_pq + "\" and \"" + want + "\"");
    }
    rep.notes.push_back("handshake_full_pq negotiated (client view): " + got_pq);
    int warm = std::max(2, cfg.handshakes / 10);
    run_handshakes<tlsio_stack>(lb, *classic, warm);
    run_handshakes<tlsio_stack>(lb, *pq, warm);
    crypto_floor floor(ecdsa);
    measure_mlkem768(std::max(1, cfg.floor_iterations / 10));

    series pq_us, x_us, ratio, keygen, encaps, decaps, decaps_dk, x_keygen, x_derive;
    alternate("handshake_full_pq", cfg.handshake_rounds, [&](int, bool pq_first) {
        handshake_sample ps, xs;
        if (pq_first) {
            ps = run_handshakes<tlsio_stack>(lb, *pq, cfg.handshakes);
        }
        xs = run_handshakes<tlsio_stack>(lb, *classic, cfg.handshakes);
        if (!pq_first) {
            ps = run_handshakes<tlsio_stack>(lb, *pq, cfg.handshakes);
        }
        const double p_us = ps.cpu * 1e6 / ps.count;
        const double c_us = xs.cpu * 1e6 / xs.count;
        pq_us.add(p_us);
        x_us.add(c_us);
        ratio.add(p_us / std::max(c_us, 1e-9));
        mlkem_times m = measure_mlkem768(cfg.floor_iterations);
        keygen.add(m.keygen);
        encaps.add(m.encaps);
        decaps.add(m.decaps);
        decaps_dk.add(m.decaps_dk);
        floor_breakdown f = floor.measure(cfg.floor_iterations);
        for (const floor_part& part : f.parts) {
            if (part.name == "x25519 keygen") {
                x_keygen.add(part.us);
            } else if (part.name == "x25519 derive") {
                x_derive.add(part.us);
            }
        }
    });
    const double xk = x_keygen.median();
    const double xd = x_derive.median();
    auto op_line = [&](const char* metric, const series& s) {
        special_line l{metric,
                       "us/op",
                       {{"us", s.median()},
                        {"us_min", s.min()},
                        {"us_max", s.max()},
                        {"x25519_keygen_us", xk},
                        {"x25519_derive_us", xd}},
                       ""};
        l.table = fmt(s.median()) + " [" + fmt(s.min()) + ".." + fmt(s.max()) +
                  "] us; x25519 keygen " + fmt(xk) + " us, derive " + fmt(xd) + " us";
        rep.specials.push_back(std::move(l));
    };
    op_line("mlkem768_keygen", keygen);
    op_line("mlkem768_encaps", encaps);
    op_line("mlkem768_decaps", decaps);
    special_line hs{"handshake_full_pq",
                    "cpu_us/handshake",
                    {{"tlsio_pq_cpu_us", pq_us.median()},
                     {"tlsio_x25519_cpu_us", x_us.median()},
                     {"ratio_to_x25519", ratio.median()},
                     {"ratio_min", ratio.min()},
                     {"ratio_max", ratio.max()},
                     {"rounds", static_cast<double>(ratio.v.size())}},
                    ""};
    hs.table = "X25519MLKEM768 " + fmt(pq_us.median()) + " us, x25519 " + fmt(x_us.median()) +
               " us; ratio_to_x25519 " + fmt(ratio.median()) + " [" + fmt(ratio.min()) + ".." +
               fmt(ratio.max()) + "] (target <= 1.3)";
    rep.specials.push_back(std::move(hs));
    rep.notes.push_back("ML-KEM-768 keygen + encaps + decaps: " +
                        fmt(keygen.median() + encaps.median() + decaps.median()) +
                        " us, against x25519 keygen + derive " + fmt(xk + xd) +
                        " us; decaps of a plain dk (hash check, matrix derived again) " +
                        fmt(decaps_dk.median()) + " us");
}

/// Resumed handshakes of version `p` (x25519; a ticket, or for TLS 1.2 a
/// ticket RFC 5077), both stacks resuming the way their applications do.
void measure_resumed_handshakes(const config& cfg, loopback& lb, const credential& ecdsa,
                                protocol p, const char* metric, report& rep) {
    auto t = tlsio_resume_stack::make_contexts(ecdsa, p);
    auto a = asio_ssl_resume_stack::make_contexts(ecdsa, p);
    int warm = std::max(2, cfg.handshakes / 10);
    both(
        cfg, true, [&] { run_resumed_handshakes<tlsio_resume_stack>(lb, *t, warm); },
        [&] { run_resumed_handshakes<asio_ssl_resume_stack>(lb, *a, warm); });
    comparison hs{metric, "handshakes/s", ">= 1.3", true, {}, {}, {}, {}};
    series t_allocs, a_allocs, tcp_us;
    alternate(metric, cfg.handshake_rounds, [&](int, bool tlsio_first) {
        handshake_sample ts, as;
        both(
            cfg, tlsio_first,
            [&] { ts = run_resumed_handshakes<tlsio_resume_stack>(lb, *t, cfg.handshakes); },
            [&] { as = run_resumed_handshakes<asio_ssl_resume_stack>(lb, *a, cfg.handshakes); });
        hs.add_round(ts.count / ts.cpu, as.count / as.cpu);
        t_allocs.add(ts.allocs / ts.count);
        a_allocs.add(as.allocs / as.count);
        if (cfg.stack.empty()) {
            handshake_sample tcp = run_tcp_connections(lb, cfg.handshakes);
            tcp_us.add(tcp.cpu * 1e6 / tcp.count);
        }
    });
    hs.extra = {{"tlsio_cpu_us", 1e6 / hs.tlsio.median()},
                {"asio_ssl_cpu_us", 1e6 / hs.asio.median()},
                {"tlsio_allocs", t_allocs.median()},
                {"asio_ssl_allocs", a_allocs.median()}};
    rep.notes.push_back(std::string(metric) + " CPU per resumption (both ends): tlsio " +
                        fmt(1e6 / hs.tlsio.median()) + " us, asio_ssl " +
                        fmt(1e6 / hs.asio.median()) + " us, of which TCP alone " +
                        fmt(tcp_us.median()) + " us; malloc calls: tlsio " +
                        fmt(t_allocs.median()) + ", asio_ssl " + fmt(a_allocs.median()) +
                        " (tlsio resumes from its cache, asio_ssl by SSL_set_session)");
    rep.comparisons.push_back(std::move(hs));
}

/// Round trips to the first byte through a delaying proxy: full, resumed
/// and (tlsio) 0-RTT.
void measure_round_trips(const config& cfg, const credential& ecdsa, report& rep) {
    const std::chrono::milliseconds delay(10);
    const int samples = cfg.handshake_rounds;
    std::fprintf(stderr, "  first_byte_round_trips (%d samples each)\n", samples);
    const double t_full = tlsio_first_byte_round_trips(ecdsa, start_kind::full, delay, samples);
    const double t_resumed =
        tlsio_first_byte_round_trips(ecdsa, start_kind::resumed, delay, samples);
    const double t_early =
        tlsio_first_byte_round_trips(ecdsa, start_kind::early_data, delay, samples);
    const double a_full = asio_ssl_first_byte_round_trips(ecdsa, start_kind::full, delay, samples);
    const double a_resumed =
        asio_ssl_first_byte_round_trips(ecdsa, start_kind::resumed, delay, samples);
    special_line rt{"first_byte_round_trips",
                    "round_trips",
                    {{"tlsio_full", t_full},
                     {"tlsio_resumed", t_resumed},
                     {"tlsio_0rtt", t_early},
                     {"asio_ssl_full", a_full},
                     {"asio_ssl_resumed", a_resumed},
                     {"delay_ms", static_cast<double>(delay.count())}},
                    ""};
    rt.table = "tlsio full " + fmt(t_full) + ", resumed " + fmt(t_resumed) + ", 0-RTT " +
               fmt(t_early) + "; asio_ssl full " + fmt(a_full) + ", resumed " + fmt(a_resumed) +
               " (round trips of " + std::to_string(2 * delay.count()) + " ms)";
    rep.specials.push_back(std::move(rt));
    rep.notes.push_back(
        "first_byte_round_trips: connect to the first byte of the answer to a 1-byte request, "
        "through a proxy delaying each direction " +
        std::to_string(delay.count()) + " ms (TCP's own handshake is not delayed); median of " +
        std::to_string(samples) + " connections; asio::ssl::stream has no early-data operation");
}

/// Resumed handshakes of both versions, then round trips to the first byte.
void measure_resumption(const config& cfg, loopback& lb, const credential& ecdsa, report& rep) {
    measure_resumed_handshakes(cfg, lb, ecdsa, protocol::tls12, "handshake_tls12_resumed", rep);
    measure_resumed_handshakes(cfg, lb, ecdsa, protocol::tls13, "handshake_resumed", rep);
    if (cfg.stack.empty()) {
        measure_round_trips(cfg, ecdsa, rep);
    }
}

/// A handshake metric without the crypto floor and syscall counts beside it:
/// `n` full handshakes per round and stack with `cred`, pinned to `p`.
void measure_handshake_rate(const config& cfg, loopback& lb, const credential& cred, protocol p,
                            const char* metric, const char* target, int n, report& rep) {
    auto t = tlsio_stack::make_contexts(cred, p);
    auto a = asio_ssl_stack::make_contexts(cred, p);
    check_negotiation(cfg, lb, *t, *a, cred, rep, p);
    int warm = std::max(2, n / 10);
    both(
        cfg, true, [&] { run_handshakes<tlsio_stack>(lb, *t, warm); },
        [&] { run_handshakes<asio_ssl_stack>(lb, *a, warm); });
    comparison hs{metric, "handshakes/s", target, true, {}, {}, {}, {}};
    series t_allocs, a_allocs;
    alternate(metric, cfg.handshake_rounds, [&](int, bool tlsio_first) {
        handshake_sample ts, as;
        both(
            cfg, tlsio_first, [&] { ts = run_handshakes<tlsio_stack>(lb, *t, n); },
            [&] { as = run_handshakes<asio_ssl_stack>(lb, *a, n); });
        hs.add_round(ts.count / ts.cpu, as.count / as.cpu);
        t_allocs.add(ts.allocs / ts.count);
        a_allocs.add(as.allocs / as.count);
    });
    hs.extra = {{"tlsio_cpu_us", 1e6 / hs.tlsio.median()},
                {"asio_ssl_cpu_us", 1e6 / hs.asio.median()},
                {"tlsio_allocs", t_allocs.median()},
                {"asio_ssl_allocs", a_allocs.median()}};
    rep.notes.push_back(std::string(metric) + " CPU per handshake (both ends): tlsio " +
                        fmt(1e6 / hs.tlsio.median()) + " us, asio_ssl " +
                        fmt(1e6 / hs.asio.median()) + " us; malloc calls: tlsio " +
                        fmt(t_allocs.median()) + ", asio_ssl " + fmt(a_allocs.median()));
    rep.comparisons.push_back(std::move(hs));
}

void measure_throughput(const config& cfg, loopback& lb, const credential& ecdsa, report& rep) {
    std::unique_ptr<tlsio_stack::contexts> tlsio_contexts[] = {
        tlsio_stack::make_contexts(ecdsa), tlsio_stack::make_contexts(ecdsa, protocol::tls12)};
    std::unique_ptr<asio_ssl_stack::contexts> asio_contexts[] = {
        asio_ssl_stack::make_contexts(ecdsa),
        asio_ssl_stack::make_contexts(ecdsa, protocol::tls12)};
    struct variant {
        const char* metric;
        const char* target;
        std::size_t chunk;
        protocol version;
    };
    // The TLS 1.2 line is measured against the TLS ceiling (target >= 0.9 of
    // it) more than against asio_ssl.
    const variant variants[] = {{"throughput_16k", ">= 1.3", 16 * 1024, protocol::tls13},
                                {"throughput_1k", ">= 1.5", 1024, protocol::tls13},
                                {"throughput_16k_tls12", "", 16 * 1024, protocol::tls12}};
    series plain[3];
    // The TLS ceiling: plain TCP plus sealing and opening every record.
    series ceiling[3];
    crypto_floor aead(ecdsa);
    double tlsio_median[3] = {};
    double asio_median[3] = {};
    for (int c = 0; c < 3; ++c) {
        const variant& v = variants[c];
        if (!cfg.wants(v.metric) &&
            !cfg.wants(v.version == protocol::tls12 ? "tls12" : "throughput")) {
            continue;
        }
        const bool tls12 = v.version == protocol::tls12;
        auto& t = tlsio_contexts[tls12 ? 1 : 0];
        auto& a = asio_contexts[tls12 ? 1 : 0];
        if (tls12) {
            check_negotiation(cfg, lb, *t, *a, ecdsa, rep, protocol::tls12);
        }
        std::size_t chunk = v.chunk;
        comparison tp{v.metric, "MB/s", v.target, true, {}, {}, {}, {}};
        std::size_t warm = std::max<std::size_t>(cfg.bytes / 16, chunk);
        both(
            cfg, true, [&] { run_throughput<tlsio_stack>(lb, *t, warm, chunk); },
            [&] { run_throughput<asio_ssl_stack>(lb, *a, warm, chunk); });
        run_throughput_plain(lb, warm, chunk);
        series t_wall, a_wall, t_allocs, a_allocs;
        series t_reads, t_sreads, t_swrites, t_swaits, a_reads, a_sreads, a_swrites;
        alternate(tp.metric.c_str(), cfg.rounds, [&](int, bool tlsio_first) {
            throughput_sample ts, as;
            both(
                cfg, tlsio_first,
                [&] { ts = run_throughput<tlsio_stack>(lb, *t, cfg.bytes, chunk); },
                [&] { as = run_throughput<asio_ssl_stack>(lb, *a, cfg.bytes, chunk); });
            throughput_sample ps = run_throughput_plain(lb, cfg.bytes, chunk);
            auto mbs = [](const throughput_sample& s, double secs) {
                return static_cast<double>(s.bytes) / secs / 1e6;
            };
            tp.add_round(mbs(ts, ts.cpu), mbs(as, as.cpu));
            t_wall.add(mbs(ts, ts.wall));
            a_wall.add(mbs(as, as.wall));
            double writes = static_cast<double>(cfg.bytes / chunk);
            t_allocs.add(ts.allocs / writes);
            a_allocs.add(as.allocs / writes);
            // Per MiB: application reads, socket reads, socket writes.
            double mib = static_cast<double>(cfg.bytes) / (1 << 20);
            t_reads.add(ts.reads / mib);
            t_sreads.add(ts.socket_reads / mib);
            t_swaits.add(ts.socket_waits / mib);
            t_swrites.add(ts.socket_writes / mib);
            a_reads.add(as.reads / mib);
            a_sreads.add(as.socket_reads / mib);
            a_swrites.add(as.socket_writes / mib);
            plain[c].add(mbs(ps, ps.cpu));
            double records = static_cast<double>(cfg.bytes / chunk);
            int iterations = static_cast<int>(std::min<std::size_t>(cfg.bytes / chunk, 4096));
            double aead_s = aead.aead_record_us(chunk, iterations, tls12) * 1e-6 * records;
            ceiling[c].add(static_cast<double>(ps.bytes) / (ps.cpu + aead_s) / 1e6);
        });
        tp.extra = {{"tlsio_wall", t_wall.median()},
                    {"asio_ssl_wall", a_wall.median()},
                    {"tlsio_allocs_per_write", t_allocs.median()},
                    {"asio_ssl_allocs_per_write", a_allocs.median()}};
        rep.notes.push_back(tp.metric + ": malloc calls per " + std::to_string(chunk / 1024) +
                            " KiB async_write (both ends): tlsio " + fmt(t_allocs.median()) +
                            ", asio_ssl " + fmt(a_allocs.median()) + "; wall-clock MB/s: tlsio " +
                            fmt(t_wall.median()) + ", asio_ssl " + fmt(a_wall.median()) +
                            "; per MiB, app reads / socket reads / socket writes: tlsio " +
                            fmt(t_reads.median()) + "/" + fmt(t_sreads.median()) + "/" +
                            fmt(t_swrites.median()) + " (and " + fmt(t_swaits.median()) +
                            " waits for readability), asio_ssl " + fmt(a_reads.median()) + "/" +
                            fmt(a_sreads.median()) + "/" + fmt(a_swrites.median()));
        tlsio_median[c] = tp.tlsio.median();
        asio_median[c] = tp.asio.median();
        if (tls12) {
            tp.extra.push_back({"tls_ceiling", ceiling[c].median()});
            tp.extra.push_back({"tlsio_of_ceiling", tlsio_median[c] / ceiling[c].median()});
            tp.extra.push_back({"asio_ssl_of_ceiling", asio_median[c] / ceiling[c].median()});
            rep.notes.push_back(
                "throughput_16k_tls12: TLS ceiling (plain TCP + AES-128-GCM TLS 1.2 record seal "
                "and open, same run) " +
                fmt(ceiling[c].median()) + " MB/s; tlsio reaches " +
                fmt(tlsio_median[c] / ceiling[c].median()) + " of it (target >= 0.9), asio_ssl " +
                fmt(asio_median[c] / ceiling[c].median()));
        }
        rep.comparisons.push_back(std::move(tp));
    }
    if (plain[0].v.empty() && plain[1].v.empty()) {
        return;  // TLS 1.2 only
    }
    special_line pl{"throughput_plain_tcp",
                    "MB/s",
                    {{"plain_tcp", plain[0].median()},
                     {"plain_tcp_min", plain[0].min()},
                     {"plain_tcp_max", plain[0].max()},
                     {"plain_tcp_1k", plain[1].median()},
                     {"tlsio_16k_fraction", tlsio_median[0] / plain[0].median()},
                     {"asio_ssl_16k_fraction", asio_median[0] / plain[0].median()},
                     {"tlsio_1k_fraction", tlsio_median[1] / plain[1].median()},
                     {"asio_ssl_1k_fraction", asio_median[1] / plain[1].median()},
                     {"tls_ceiling_16k", ceiling[0].median()},
                     {"tls_ceiling_1k", ceiling[1].median()},
                     {"tlsio_16k_of_ceiling", tlsio_median[0] / ceiling[0].median()},
                     {"tlsio_1k_of_ceiling", tlsio_median[1] / ceiling[1].median()}},
                    ""};
    pl.table =
        "16k " + fmt(plain[0].median()) + " [" + fmt(plain[0].min()) + ".." + fmt(plain[0].max()) +
        "], 1k " + fmt(plain[1].median()) + " [" + fmt(plain[1].min()) + ".." +
        fmt(plain[1].max()) + "]; of it tlsio 16k " + fmt(tlsio_median[0] / plain[0].median()) +
        ", 1k " + fmt(tlsio_median[1] / plain[1].median()) + "; asio_ssl 16k " +
        fmt(asio_median[0] / plain[0].median()) + ", 1k " + fmt(asio_median[1] / plain[1].median());
    rep.notes.push_back(
        "TLS ceiling (plain TCP + AES-128-GCM seal and open of each record, same run): 16k " +
        fmt(ceiling[0].median()) + " MB/s, 1k " + fmt(ceiling[1].median()) +
        " MB/s; tlsio reaches " + fmt(tlsio_median[0] / ceiling[0].median()) + " and " +
        fmt(tlsio_median[1] / ceiling[1].median()) + " of it; the best ratio any stack could " +
        "show against asio_ssl here: 16k " + fmt(ceiling[0].median() / asio_median[0]) + ", 1k " +
        fmt(ceiling[1].median() / asio_median[1]));
    rep.specials.push_back(std::move(pl));
}

void measure_memory(const config& cfg, loopback& lb, const credential& ecdsa, report& rep) {
    auto t = tlsio_stack::make_contexts(ecdsa);
    auto a = asio_ssl_stack::make_contexts(ecdsa);
    // Grow the reactor's per-socket state pool and warm both stacks first, so
    // neither pays one-time costs inside a measurement.
    {
        std::vector<std::pair<socket_type, socket_type>> warm;
        for (int i = 0; i < cfg.memory_pairs; ++i) {
            warm.push_back(lb.connect());
        }
        for (auto& [c, s] : warm) {
            close_hard(c);
            close_hard(s);
        }
        both(
            cfg, true, [&] { run_memory<tlsio_stack>(lb, *t, std::min(cfg.memory_pairs, 50)); },
            [&] { run_memory<asio_ssl_stack>(lb, *a, std::min(cfg.memory_pairs, 50)); });
    }
    comparison idle{"memory_idle", "bytes/pair", ">= 8", false, {}, {}, {}, {}};
    comparison reading{"memory_idle_reading", "bytes/pair", "", false, {}, {}, {}, {}};
    series t_heap, a_heap, t_heap_r, a_heap_r;
    alternate("memory_idle", cfg.memory_rounds, [&](int, bool tlsio_first) {
        memory_sample ts, as;
        both(
            cfg, tlsio_first, [&] { ts = run_memory<tlsio_stack>(lb, *t, cfg.memory_pairs); },
            [&] { as = run_memory<asio_ssl_stack>(lb, *a, cfg.memory_pairs); });
        idle.add_round(std::max(ts.rss_idle, 0.0), std::max(as.rss_idle, 0.0));
        reading.add_round(std::max(ts.rss_reading, 0.0), std::max(as.rss_reading, 0.0));
        t_heap.add(ts.heap_idle);
        a_heap.add(as.heap_idle);
        t_heap_r.add(ts.heap_reading);
        a_heap_r.add(as.heap_reading);
    });
    idle.extra = {{"tlsio_heap", t_heap.median()},
                  {"asio_ssl_heap", a_heap.median()},
                  {"pairs", cfg.memory_pairs}};
    reading.extra = {{"tlsio_heap", t_heap_r.median()},
                     {"asio_ssl_heap", a_heap_r.median()},
                     {"pairs", cfg.memory_pairs}};
    rep.notes.push_back("memory: RSS growth per connection pair (both ends) after malloc_trim, " +
                        std::to_string(cfg.memory_pairs) +
                        " pairs; malloc'd bytes per pair idle: tlsio " + fmt(t_heap.median()) +
                        ", asio_ssl " + fmt(a_heap.median()) +
                        "; with a read pending on both ends: tlsio " + fmt(t_heap_r.median()) +
                        ", asio_ssl " + fmt(a_heap_r.median()));
    rep.comparisons.push_back(std::move(idle));
    rep.comparisons.push_back(std::move(reading));

    // The same with beast::tcp_stream as the next layer (no async_wait: tlsio
    // reads the first bytes into a small buffer instead).
    both(
        cfg, true,
        [&] { run_memory<tlsio_tcp_stream_stack>(lb, *t, std::min(cfg.memory_pairs, 50)); },
        [&] { run_memory<asio_ssl_tcp_stream_stack>(lb, *a, std::min(cfg.memory_pairs, 50)); });
    comparison tcp{"memory_idle_reading_tcp_stream", "bytes/pair", "", false, {}, {}, {}, {}};
    series t_heap_tcp, a_heap_tcp;
    alternate("memory_idle_reading_tcp_stream", cfg.memory_rounds, [&](int, bool tlsio_first) {
        memory_sample ts, as;
        both(
            cfg, tlsio_first,
            [&] { ts = run_memory<tlsio_tcp_stream_stack>(lb, *t, cfg.memory_pairs); },
            [&] { as = run_memory<asio_ssl_tcp_stream_stack>(lb, *a, cfg.memory_pairs); });
        tcp.add_round(std::max(ts.rss_reading, 0.0), std::max(as.rss_reading, 0.0));
        t_heap_tcp.add(ts.heap_reading);
        a_heap_tcp.add(as.heap_reading);
    });
    tcp.extra = {{"tlsio_heap", t_heap_tcp.median()},
                 {"asio_ssl_heap", a_heap_tcp.median()},
                 {"pairs", cfg.memory_pairs}};
    rep.notes.push_back(
        "memory over beast::tcp_stream, a read pending on both ends: malloc'd "
        "bytes per pair tlsio " +
        fmt(t_heap_tcp.median()) + ", asio_ssl " + fmt(a_heap_tcp.median()));
    rep.comparisons.push_back(std::move(tcp));
}

// ---- Output ----------------------------------------------------------------------

std::string read_first_line(const char* path) {
    std::ifstream f(path);
    std::string line;
    std::getline(f, line);
    return line;
}

std::string cpu_model() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    }
    return "unknown CPU";
}

std::string load_average() {
    std::string l = read_first_line("/proc/loadavg");
    // "0.52 0.58 0.59 1/467 12345": keep the three averages.
    std::size_t end = 0;
    for (int i = 0; i < 3 && end != std::string::npos; ++i) {
        end = l.find(' ', end + 1);
    }
    return l.substr(0, end);
}

void print_json(const report& rep) {
    const char* order[] = {"handshake_full",         "handshake_tls12_full",
                           "handshake_full_rsa2048", "throughput_16k_tls12",
                           "throughput_16k",         "throughput_1k",
                           "throughput_plain_tcp",   "memory_idle",
                           "memory_idle_reading",    "memory_idle_reading_tcp_stream",
                           "syscalls_handshake",     "crypto_floor",
                           "mlkem768_keygen",        "mlkem768_encaps",
                           "mlkem768_decaps",        "handshake_full_pq",
                           "handshake_resumed",      "handshake_tls12_resumed",
                           "first_byte_round_trips"};
    for (const char* name : order) {
        for (const auto& c : rep.comparisons) {
            if (c.metric != name) {
                continue;
            }
            std::string line = "{\"metric\":\"" + c.metric + "\",\"unit\":\"" + c.unit +
                               "\",\"tlsio\":" + json_number(c.tlsio.median()) +
                               ",\"asio_ssl\":" + json_number(c.asio.median()) +
                               ",\"ratio\":" + json_number(c.ratio.median());
            line += ",\"tlsio_min\":" + json_number(c.tlsio.min()) +
                    ",\"tlsio_max\":" + json_number(c.tlsio.max()) +
                    ",\"asio_ssl_min\":" + json_number(c.asio.min()) +
                    ",\"asio_ssl_max\":" + json_number(c.asio.max()) +
                    ",\"ratio_min\":" + json_number(c.ratio.min()) +
                    ",\"ratio_max\":" + json_number(c.ratio.max()) +
                    ",\"rounds\":" + std::to_string(c.tlsio.v.size());
            for (const auto& [k, v] : c.extra) {
                line += ",\"" + k + "\":" + json_number(v);
            }
            std::printf("%s}\n", line.c_str());
        }
        for (const auto& s : rep.specials) {
            if (s.metric != name) {
                continue;
            }
            std::string line = "{\"metric\":\"" + s.metric + "\",\"unit\":\"" + s.unit + "\"";
            for (const auto& [k, v] : s.fields) {
                line += ",\"" + k + "\":" + json_number(v);
            }
            std::printf("%s}\n", line.c_str());
        }
    }
    std::fflush(stdout);
}

void print_table(std::FILE* out, const report& rep) {
    auto cell = [](const series& s) {
        return fmt(s.median()) + " [" + fmt(s.min()) + ".." + fmt(s.max()) + "]";
    };
    std::fprintf(out, "%-22s %-16s %-24s %-24s %-20s %s\n", "metric", "unit", "tlsio", "asio_ssl",
                 "ratio", "target");
    for (const auto& c : rep.comparisons) {
        std::string r =
            fmt(c.ratio.median()) + " [" + fmt(c.ratio.min()) + ".." + fmt(c.ratio.max()) + "]";
        std::fprintf(out, "%-22s %-16s %-24s %-24s %-20s %s\n", c.metric.c_str(), c.unit.c_str(),
                     cell(c.tlsio).c_str(), cell(c.asio).c_str(), r.c_str(), c.target.c_str());
    }
    for (const auto& s : rep.specials) {
        std::fprintf(out, "%-22s %-16s %s\n", s.metric.c_str(), s.unit.c_str(), s.table.c_str());
    }
    std::fprintf(out, "\n");
    for (const auto& n : rep.notes) {
        std::fprintf(out, "- %s\n", n.c_str());
    }
}

void raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int run(int argc, char** argv) {
    config cfg;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage(stderr);
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--quick") {
            use_quick(cfg);
        } else if (arg == "--smoke") {
            use_smoke(cfg);
        } else if (arg == "--json") {
            cfg.json = true;
        } else if (arg == "--rounds") {
            cfg.rounds = std::max(1, std::stoi(value()));
            cfg.memory_rounds = cfg.rounds;
            cfg.handshake_rounds = cfg.rounds;
        } else if (arg == "--handshakes") {
            cfg.handshakes = std::max(1, std::stoi(value()));
            cfg.rsa_handshakes = std::max(1, cfg.handshakes / 3);
        } else if (arg == "--mib") {
            cfg.bytes = static_cast<std::size_t>(std::max(1, std::stoi(value()))) << 20;
        } else if (arg == "--pairs") {
            cfg.memory_pairs = std::max(1, std::stoi(value()));
        } else if (arg == "--only") {
            std::string list = value();
            std::size_t pos = 0;
            while (pos <= list.size()) {
                std::size_t comma = std::min(list.find(',', pos), list.size());
                cfg.only.insert(list.substr(pos, comma - pos));
                pos = comma + 1;
            }
        } else if (arg == "--stack") {
            cfg.stack = value();
            if (cfg.stack != "tlsio" && cfg.stack != "asio_ssl") {
                usage(stderr);
                return 2;
            }
        } else if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    raise_fd_limit();

    std::string load_start = load_average();
    double wall0 = wall_seconds();
    std::fprintf(stderr, "tlsio-bench (%s): generating certificates\n", cfg.preset);
    credential ecdsa = make_credential(key_kind::p256);
    credential rsa = cfg.wants("rsa") ? make_credential(key_kind::rsa2048) : credential{};
    loopback lb;
    report rep;
    if (cfg.wants("handshake")) {
        measure_handshakes(cfg, lb, ecdsa, rep);
    }
    if (cfg.wants("tls12") || cfg.wants("handshake_tls12_full")) {
        measure_handshake_rate(cfg, lb, ecdsa, protocol::tls12, "handshake_tls12_full", ">= 2.0",
                               cfg.handshakes, rep);
    }
    if (cfg.wants("rsa")) {
        measure_handshake_rate(cfg, lb, rsa, protocol::tls13, "handshake_full_rsa2048", "",
                               cfg.rsa_handshakes, rep);
    }
    if (cfg.wants("throughput") || cfg.wants("throughput_16k") || cfg.wants("throughput_1k") ||
        cfg.wants("tls12") || cfg.wants("throughput_16k_tls12")) {
        measure_throughput(cfg, lb, ecdsa, rep);
    }
    if (cfg.wants("memory")) {
        measure_memory(cfg, lb, ecdsa, rep);
    }
    if (cfg.wants("pq") && cfg.runs_tlsio()) {
        measure_pq(cfg, lb, ecdsa, rep);
    }
    if (cfg.wants("resumption")) {
        measure_resumption(cfg, lb, ecdsa, rep);
    }

    std::FILE* table = cfg.json ? stderr : stdout;
    std::fprintf(table, "\ntlsio-bench: tlsio::stream vs boost::asio::ssl::stream (%s), %s\n",
                 OpenSSL_version(OPENSSL_VERSION), cfg.preset);
    std::fprintf(table, "machine: %s, %ld CPUs online; load average %s at start, %s at end\n",
                 cpu_model().c_str(), sysconf(_SC_NPROCESSORS_ONLN), load_start.c_str(),
                 load_average().c_str());
    std::fprintf(table,
                 "one thread, client and server in-process over loopback TCP; rates per "
                 "CPU-second of the process; median [min..max] of %d A/B alternating rounds "
                 "(handshakes: %d, memory: %d); ratio = median of per-round ratios, > 1 means "
                 "tlsio is better; run took %.0f s\n\n",
                 cfg.rounds, cfg.handshake_rounds, cfg.memory_rounds, wall_seconds() - wall0);
    print_table(table, rep);
    if (cfg.json) {
        print_json(rep);
    }
    return 0;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
    try {
        return bench::run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\ntlsio-bench: %s\n", e.what());
        return 1;
    }
}
