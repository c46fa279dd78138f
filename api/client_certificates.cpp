#include "api/client_certificates.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

namespace dsr::api {
namespace {

// OpenSSL's last error, for a message; clears the queue.
std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no further detail";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Trailing spaces go unless escaped ("a\ " keeps its space).
std::string_view trim_value(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') {
    std::size_t backslashes = 0;
    for (std::size_t i = s.size() - 1; i > 0 && s[i - 1] == '\\'; --i) ++backslashes;
    if (backslashes % 2 == 1) break;
    s.remove_suffix(1);
  }
  return s;
}

std::string name_text(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(std::max(0L, size)));
  BIO_free(bio);
  return text;
}

std::string common_name(const X509_NAME* name) {
  int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (at < 0) return "";
  unsigned char* utf8 = nullptr;
  int size = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
  if (size < 0) return "";
  std::string cn(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(size));
  OPENSSL_free(utf8);
  return cn;
}

std::string serial_text(const X509* certificate) {
  BIGNUM* n = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr);
  if (n == nullptr) return "";
  char* hex = BN_bn2hex(n);
  BN_free(n);
  std::string text = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return canonical_serial(text).value_or(text);  // a negative serial (not allowed) is kept as it is
}

std::string fingerprint_of(const X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(certificate, EVP_sha256(), digest, &size) != 1) return "";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::int64_t unix_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

CertificateFacts facts_of(const X509* certificate) {
  CertificateFacts f;
  f.issuer = canonical_dn(name_text(X509_get_issuer_name(certificate))).value_or("");
  f.serial = serial_text(certificate);
  f.fingerprint = fingerprint_of(certificate);
  f.subject = name_text(X509_get_subject_name(certificate));
  f.common_name = common_name(X509_get_subject_name(certificate));
  f.not_before = TimePoint{std::chrono::seconds{unix_time(X509_get0_notBefore(certificate))}};
  f.not_after = TimePoint{std::chrono::seconds{unix_time(X509_get0_notAfter(certificate))}};
  return f;
}

// Which file is on disk now: a renewal changes one of these.
struct FileIdentity {
  std::int64_t inode = 0, size = 0, modified_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

std::optional<FileIdentity> identity_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileIdentity{static_cast<std::int64_t>(st.st_ino), static_cast<std::int64_t>(st.st_size),
                      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ClientCertificate::Verdict verdict_for(int error) {
  using V = ClientCertificate::Verdict;
  switch (error) {
    case X509_V_OK: return V::verified;
    case X509_V_ERR_CERT_HAS_EXPIRED: return V::expired;
    case X509_V_ERR_CERT_NOT_YET_VALID: return V::not_yet_valid;
    case X509_V_ERR_CERT_REVOKED: return V::revoked;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
      return V::revocation_unknown;
    default: return V::untrusted;
  }
}

}  // namespace

std::optional<std::string> canonical_dn(std::string_view dn) {
  dn = trim(dn);
  for (std::string_view prefix : {"issuer=", "subject="}) {
    if (dn.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), dn.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      dn = trim(dn.substr(prefix.size()));
      break;
    }
  }
  if (dn.empty()) return std::nullopt;
  bool slash = dn.front() == '/';
  if (slash) dn.remove_prefix(1);
  // OpenSSL's one-line form puts spaces around "=", RFC 2253 never does;
  // both list the names most general first except RFC 2253.
  bool general_first = slash || dn.find(" = ") != std::string_view::npos;
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < dn.size(); ++i) {
    char c = dn[i];
    if (c == '\\' && i + 1 < dn.size()) {
      parts.back() += c;
      parts.back() += dn[++i];
    } else if (slash ? c == '/' : (c == ',' || c == ';')) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  std::vector<std::string> names;
  for (const auto& part : parts) {
    auto eq = part.find('=');
    if (eq == std::string::npos) return std::nullopt;
    std::string type(trim(std::string_view(part).substr(0, eq)));
    std::string_view value = trim_value(std::string_view(part).substr(eq + 1));
    if (type.empty() || !std::all_of(type.begin(), type.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
        }))
      return std::nullopt;
    for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    names.push_back(type + "=" + std::string(value));
  }
  if (general_first) std::reverse(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::optional<std::string> canonical_serial(std::string_view hex) {
  hex = trim(hex);
  if (hex.starts_with("0x") || hex.starts_with("0X")) hex.remove_prefix(2);
  std::string digits;
  for (char c : hex) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (digits.empty()) return std::nullopt;
  auto first = digits.find_first_not_of('0');
  return first == std::string::npos ? std::string("0") : digits.substr(first);
}

Result<CertificateFacts> read_certificate_file(const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (bio == nullptr) return fail(Error::invalid_argument(fmt::format("cannot read the certificate {}", path)));
  X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (certificate == nullptr)
    return fail(Error::invalid_argument(fmt::format("{} holds no PEM certificate ({})", path, openssl_error())));
  CertificateFacts facts = facts_of(certificate);
  X509_free(certificate);
  if (facts.issuer.empty()) return fail(Error::invalid_argument(fmt::format("the issuer of {} has no name dsr can keep", path)));
  return facts;
}

struct ClientCertificateVerifier::Trust {
  X509_STORE* store = nullptr;
  std::uint64_t generation = 0;
  std::optional<FileIdentity> crl_file;
  ~Trust() { X509_STORE_free(store); }
};

namespace {

// The CAs, and the revocation lists if a file is named, in a new store.
Result<std::shared_ptr<X509_STORE>> load_store(const std::string& ca_file, const std::string& crl_file) {
  std::shared_ptr<X509_STORE> store(X509_STORE_new(), X509_STORE_free);
  bool loaded = X509_STORE_load_file(store.get(), ca_file.c_str()) == 1;
  int certificates = 0;
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store.get());
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i)
    if (X509_OBJECT_get_type(sk_X509_OBJECT_value(objects, i)) == X509_LU_X509) ++certificates;
  if (!loaded || certificates == 0)
    return fail(Error::invalid_argument(fmt::format("the client CA file {} holds no PEM certificate{}", ca_file,
                                                    loaded ? "" : " (" + openssl_error() + ")")));
  // Only CAs' revocation lists count, from the CRL file.
  if (certificates != sk_X509_OBJECT_num(objects))
    return fail(Error::invalid_argument(fmt::format("the client CA file {} holds more than certificates; give "
                                                    "revocation lists with --client-crl", ca_file)));
  if (crl_file.empty()) return store;
  BIO* bio = BIO_new_file(crl_file.c_str(), "r");
  if (bio == nullptr) return fail(Error::invalid_argument(fmt::format("cannot read the CRL file {}", crl_file)));
  int lists = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_crl(store.get(), crl);
    X509_CRL_free(crl);
    ++lists;
  }
  BIO_free(bio);
  ERR_clear_error();  // the end of the file reads as an error
  if (lists == 0) return fail(Error::invalid_argument(fmt::format("the CRL file {} holds no PEM revocation list", crl_file)));
  // The certificate itself is checked against its issuer's list; a
  // certificate whose issuer has no list in the file is refused.
  X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK);
  return store;
}

}  // namespace

Result<std::unique_ptr<ClientCertificateVerifier>> ClientCertificateVerifier::open(std::string ca_file,
                                                                                  std::string crl_file) {
  auto crl_identity = crl_file.empty() ? std::nullopt : identity_of(crl_file);
  auto store = load_store(ca_file, crl_file);
  if (!store) return fail(store.error());
  auto trust = std::make_shared<Trust>();
  trust->store = store->get();
  X509_STORE_up_ref(trust->store);
  trust->generation = 1;
  trust->crl_file = crl_identity;
  return std::unique_ptr<ClientCertificateVerifier>(
      new ClientCertificateVerifier(std::move(ca_file), std::move(crl_file), std::move(trust)));
}

ClientCertificateVerifier::ClientCertificateVerifier(std::string ca_file, std::string crl_file,
                                                     std::shared_ptr<const Trust> trust)
    : ca_file_(std::move(ca_file)), crl_file_(std::move(crl_file)), trust_(std::move(trust)), looked_at_(steady_ms()) {}

ClientCertificateVerifier::~ClientCertificateVerifier() = default;

std::shared_ptr<const ClientCertificateVerifier::Trust> ClientCertificateVerifier::current() const {
  std::lock_guard lock(mutex_);
  if (crl_file_.empty()) return trust_;
  std::int64_t now = steady_ms();
  if (now - looked_at_ < 1000) return trust_;
  looked_at_ = now;
  auto on_disk = identity_of(crl_file_);
  if (!on_disk || on_disk == trust_->crl_file) return trust_;
  auto store = load_store(ca_file_, crl_file_);
  auto next = std::make_shared<Trust>();
  next->crl_file = on_disk;
  if (!store) {
    // The last good list stays in force; said once per file seen.
    std::fprintf(stderr, "dsr serve: %s; the revocation list read before stays in force\n",
                 store.error().message.c_str());
    X509_STORE_up_ref(trust_->store);
    next->store = trust_->store;
    next->generation = trust_->generation;
  } else {
    next->store = store->get();
    X509_STORE_up_ref(next->store);
    next->generation = trust_->generation + 1;
    std::fprintf(stderr, "dsr serve: read the revocation list %s again\n", crl_file_.c_str());
  }
  trust_ = std::move(next);
  return trust_;
}

void ClientCertificateVerifier::configure(ssl_ctx_st* context) const {
  // Asked, not required: no certificate is a bearer-token client. Every
  // certificate passes the handshake; check() decides, so that a refused
  // one gets an answer saying why.
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(context, [](X509_STORE_CTX*, void*) { return 1; }, nullptr);
  // The CAs named in the request, so that a browser offers only the
  // certificates they issued.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file_.c_str())) SSL_CTX_set_client_CA_list(context, names);
  ERR_clear_error();
  // No resumption: a resumed session brings no certificate to check, and
  // a revocation must reach every new connection.
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(context, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(context, 0);
  static const unsigned char kContext[] = "dsr";
  SSL_CTX_set_session_id_context(context, kContext, sizeof kContext - 1);
}

void ClientCertificateVerifier::check(ssl_st* connection, Checked& checked) const {
  auto trust = current();
  std::int64_t now = std::time(nullptr);
  if (checked.generation == trust->generation && (checked.recheck_at == 0 || now < checked.recheck_at)) return;
  checked = Checked{};
  checked.generation = trust->generation;
  X509* leaf = SSL_get0_peer_certificate(connection);
  if (leaf == nullptr) return;  // none presented
  CertificateFacts facts = facts_of(leaf);
  ClientCertificate& c = checked.certificate;
  c.issuer = facts.issuer;
  c.serial = facts.serial;
  c.fingerprint = facts.fingerprint;
  c.subject = facts.subject;
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  int error = X509_V_ERR_UNSPECIFIED;
  if (context != nullptr && X509_STORE_CTX_init(context, trust->store, leaf, SSL_get_peer_cert_chain(connection)) == 1) {
    X509_STORE_CTX_set_purpose(context, X509_PURPOSE_SSL_CLIENT);
    error = X509_verify_cert(context) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(context);
  }
  X509_STORE_CTX_free(context);
  ERR_clear_error();
  c.verdict = verdict_for(error);
  if (error != X509_V_OK) c.reason = X509_verify_cert_error_string(error);
  // Checked again once it expires, or comes into force; and at least every
  // minute on a kept-alive connection, so that a CRL past its next update
  // (which refuses every certificate) reaches connections already open.
  constexpr std::int64_t kRecheckSeconds = 60;
  if (c.verdict == ClientCertificate::Verdict::verified)
    checked.recheck_at = std::min<std::int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(facts.not_after.time_since_epoch()).count() + 1,
        now + kRecheckSeconds);
  else if (c.verdict == ClientCertificate::Verdict::not_yet_valid)
    checked.recheck_at = std::chrono::duration_cast<std::chrono::seconds>(facts.not_before.time_since_epoch()).count();
}

}  // namespace dsr::api
