// Staff certificates at the TLS layer (dsr serve --client-ca, --client-crl;
// docs/deployment.md): the server asks every client for a certificate but
// requires none (systems and scripts keep their bearer tokens), and checks
// the one presented after the handshake, against the trusted CAs and the
// current revocation list. A refused certificate still completes the
// handshake, so that the answer can say why (a clear page in a browser)
// instead of a TLS alert a person cannot read.
//
// Also the names dsr keeps a certificate under (dsr staff add): its
// issuer's DN in canonical RFC 2253, its serial in lower-case hex, its
// SHA-256 fingerprint.
//
// OpenSSL only, no Beast or Asio: server.cpp hands over its SSL pointers.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_message.hpp"
#include "engine/result.hpp"
#include "engine/time.hpp"

struct ssl_ctx_st;    // SSL_CTX
struct ssl_st;        // SSL
struct x509_store_st; // X509_STORE

namespace dsr::api {

// A DN as dsr keeps it: RFC 2253 order (most specific first), no spaces
// around "=" and ",", attribute types upper-case. Takes RFC 2253
// ("CN=Staff CA,O=BSrE,C=ID", what `openssl x509 -issuer -nameopt RFC2253`
// prints), OpenSSL's one-line form ("C = ID, O = BSrE, CN = Staff CA") and
// the old slash form ("/C=ID/O=BSrE/CN=Staff CA"); nullopt for anything
// that is not a DN.
std::optional<std::string> canonical_dn(std::string_view dn);

// A serial number in hex ("0A:1B", "0x0a1b", "A1B") as dsr keeps it:
// lower-case, no separators or leading zeros ("a1b"); nullopt if not hex.
std::optional<std::string> canonical_serial(std::string_view hex);

// What dsr staff add reads from a certificate file.
struct CertificateFacts {
  std::string issuer;       // canonical_dn
  std::string serial;       // canonical_serial
  std::string fingerprint;  // SHA-256 of the DER, lower-case hex
  std::string subject;      // RFC 2253
  std::string common_name;  // the subject's CN, if any
  TimePoint not_before;
  TimePoint not_after;
};

// The first certificate in a PEM file; a clear error if there is none.
Result<CertificateFacts> read_certificate_file(const std::string& path);

// Asks for and checks client certificates. The revocation list is read
// again when its file changes (checked at most once a second, on the next
// connection or request): renew it by writing the new file beside the old
// and renaming it over. A list that no longer reads keeps the last good
// one in force, and says so on stderr.
//
// Thread-safety: every method may be called from any thread.
class ClientCertificateVerifier {
 public:
  // What a connection's certificate was found to be, kept with the
  // connection (one per session, used on its strand only) so that it is
  // checked once, and again only when the revocation list changed or the
  // certificate's validity ended.
  struct Checked {
    ClientCertificate certificate;
    std::uint64_t generation = 0;  // of the trust it was checked under; 0: never checked
    std::int64_t recheck_at = 0;   // unix seconds; 0: never
  };

  // A clear error if the CA file holds no certificate or the CRL file no
  // revocation list.
  static Result<std::unique_ptr<ClientCertificateVerifier>> open(std::string ca_file, std::string crl_file);
  ~ClientCertificateVerifier();

  // Asks clients for a certificate from these CAs without requiring one,
  // checks none during the handshake (check() does), and turns session
  // resumption off: a resumed session would skip the certificate.
  void configure(ssl_ctx_st* context) const;

  // Brings `checked` up to date for the certificate `connection` presented.
  void check(ssl_st* connection, Checked& checked) const;

 private:
  struct Trust;
  ClientCertificateVerifier(std::string ca_file, std::string crl_file, std::shared_ptr<const Trust> trust);
  std::shared_ptr<const Trust> current() const;

  std::string ca_file_;
  std::string crl_file_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const Trust> trust_;  // guarded by mutex_
  mutable std::int64_t looked_at_ = 0;          // steady seconds of the last look at the CRL file; guarded
};

}  // namespace dsr::api
