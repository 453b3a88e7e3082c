#include "test_pki.hpp"

#include "peer_process.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace tlsio::interop {
namespace {

class pki_builder {
public:
    pki_builder(std::string openssl, std::string dir)
        : openssl_(std::move(openssl)), dir_(std::move(dir)) {}

    void run(std::vector<std::string> args) {
        args.insert(args.begin(), openssl_);
        std::string out;
        int rc = run_command(args, out);
        if (rc != 0) {
            std::string line;
            for (const auto& a : args)
                line += a + ' ';
            throw std::runtime_error("PKI generation failed (exit " + std::to_string(rc) +
                                     "): " + line + "\n" + out);
        }
    }

    std::string path(const std::string& name) const { return dir_ + "/" + name; }

    /// "ec:P-256", "ec:P-384", "rsa:2048", "ed25519"
    std::string make_key(const std::string& name, const std::string& kind) {
        std::string key = path(name + ".key");
        if (kind.rfind("ec:", 0) == 0)
            run({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + kind.substr(3),
                 "-pkeyopt", "ec_param_enc:named_curve", "-out", key});
        else if (kind.rfind("rsa:", 0) == 0)
            run({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + kind.substr(4),
                 "-out", key});
        else if (kind == "ed25519")
            run({"genpkey", "-algorithm", "ED25519", "-out", key});
        else
            throw std::invalid_argument("unknown key kind " + kind);
        return key;
    }

    credential_files make_root(const std::string& name, const std::string& cn) {
        credential_files f;
        f.key = make_key(name, "ec:P-256");
        f.cert = path(name + ".pem");
        run({"req", "-x509", "-new", "-key", f.key, "-subj", "/CN=" + cn, "-days", "7", "-sha256",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,keyCertSign,cRLSign", "-out", f.cert});
        return f;
    }

    credential_files make_leaf(const std::string& name, const std::string& kind,
                               const std::string& cn, const std::string& extensions,
                               const credential_files& issuer) {
        credential_files f;
        f.key = make_key(name, kind);
        f.cert = path(name + ".pem");
        std::string csr = path(name + ".csr");
        std::string ext = path(name + ".ext");
        {
            std::ofstream out(ext);
            out << extensions;
            if (!out)
                throw std::runtime_error("cannot write " + ext);
        }
        run({"req", "-new", "-key", f.key, "-subj", "/CN=" + cn, "-out", csr});
        run({"x509", "-req", "-in", csr, "-CA", issuer.cert, "-CAkey", issuer.key, "-set_serial",
             std::to_string(++serial_), "-days", "7", "-sha256", "-extfile", ext, "-out", f.cert});
        f.der = path(name + ".der");
        run({"x509", "-in", f.cert, "-outform", "DER", "-out", f.der});
        return f;
    }

private:
    std::string openssl_;
    std::string dir_;
    int serial_ = 1000;
};

std::string server_extensions(const std::string& san) {
    return "basicConstraints=critical,CA:FALSE\n"
           "keyUsage=critical,digitalSignature\n"
           "extendedKeyUsage=serverAuth\n"
           "subjectAltName=" +
           san + "\n";
}

}  // namespace

test_pki make_test_pki(const std::string& openssl) {
    auto base = std::filesystem::temp_directory_path() / "tlsio-interop-XXXXXX";
    std::string templ = base.string();
    if (::mkdtemp(templ.data()) == nullptr)
        throw std::runtime_error("mkdtemp failed for " + templ);

    test_pki pki;
    pki.dir = templ;
    try {
        pki_builder b(openssl, pki.dir);
        const std::string localhost = server_extensions("DNS:localhost,IP:127.0.0.1");
        pki.ca = b.make_root("ca", "tlsio interop CA");
        pki.other_ca = b.make_root("other_ca", "tlsio untrusted CA");
        pki.p256 = b.make_leaf("p256", "ec:P-256", "localhost", localhost, pki.ca);
        pki.p384 = b.make_leaf("p384", "ec:P-384", "localhost", localhost, pki.ca);
        pki.p521 = b.make_leaf("p521", "ec:P-521", "localhost", localhost, pki.ca);
        pki.rsa = b.make_leaf("rsa", "rsa:2048", "localhost", localhost, pki.ca);
        pki.ed25519 = b.make_leaf("ed25519", "ed25519", "localhost", localhost, pki.ca);
        pki.wrong_name = b.make_leaf("wrong_name", "ec:P-256", "wrong.example",
                                     server_extensions("DNS:wrong.example"), pki.ca);
        pki.unknown_ca_leaf =
            b.make_leaf("unknown_ca_leaf", "ec:P-256", "localhost", localhost, pki.other_ca);
        pki.alt_name = b.make_leaf("alt_name", "ec:P-256", "alt.localhost",
                                   server_extensions("DNS:alt.localhost"), pki.ca);
        pki.client = b.make_leaf("client", "ec:P-256", "tlsio interop client",
                                 "basicConstraints=critical,CA:FALSE\n"
                                 "keyUsage=critical,digitalSignature\n"
                                 "extendedKeyUsage=clientAuth\n",
                                 pki.ca);
    } catch (...) {
        remove_test_pki(pki);
        throw;
    }
    return pki;
}

void remove_test_pki(const test_pki& pki) noexcept {
    if (pki.dir.empty())
        return;
    std::error_code ec;
    std::filesystem::remove_all(pki.dir, ec);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace tlsio::interop
