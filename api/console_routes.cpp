// The back-office console (docs/console.md): static files compiled into the
// binary from api/console/, served at /console/, and GET /v1/whoami, which
// tells the console whose token (or client certificate) it holds. The
// console uses the API like any client; nothing here grants more than the
// token or certificate already does. A browser whose certificate signs no
// one in gets a page saying why instead of the console.
#include <fmt/format.h>

#include "api/html_text.hpp"
#include "api/route_support.hpp"
#include "api/routes.hpp"
#include "api/sla_report_html.hpp"
#include "workflows/embedded_file.hpp"

namespace dsr {
std::span<const EmbeddedFile> embedded_console();
}

namespace dsr::api {
namespace {

std::string_view content_type_of(std::string_view name) {
  auto ends = [&](std::string_view ext) { return name.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".json")) return "application/json; charset=utf-8";
  return "application/octet-stream";
}

// Scripts and styles from the console's own files only, no inline code,
// requests to this origin only. The SLA report is shown in a sandboxed
// frame made from its HTML, so its one style (by hash) is allowed too.
const std::string& console_security_policy() {
  static const std::string policy =
      "default-src 'none'; script-src 'self'; style-src 'self' " + sla_report_style_source() +
      "; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
      "frame-ancestors 'none'";
  return policy;
}

// What the page tells the console of the connection's client certificate
// (api/console/api.js, certificateSignIn): "staff" when it signs a member
// of staff in, "none" when the server asks for one and none came, "off"
// when the server does not ask. A refused one never gets the page.
std::string_view certificate_state(const HttpRequest& http, const Caller& caller) {
  if (caller.by_certificate) return "staff";
  if (http.client_certificate) return "none";
  return "off";
}

void serve_console_file(std::string_view name, const HttpRequest& http, const Caller& caller, Respond respond) {
  for (const auto& file : embedded_console()) {
    if (file.path != name) continue;
    HttpResponse r;
    r.content_type = std::string(content_type_of(name));
    r.body = std::string(file.content);
    if (name == "index.html") {
      constexpr std::string_view kMeta = R"(<meta name="dsr-certificate" content="off">)";
      if (auto at = r.body.find(kMeta); at != std::string::npos)
        r.body.replace(at, kMeta.size(), fmt::format(R"(<meta name="dsr-certificate" content="{}">)",
                                                     certificate_state(http, caller)));
    }
    r.headers = {{"Content-Security-Policy", console_security_policy()},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Referrer-Policy", "no-referrer"},
                 {"Cache-Control", "no-cache"}};
    return respond(std::move(r));
  }
  respond(problem(404, "not_found", text::kNotFound.in(locale_of(http)), "the console has no such file"));
}

// Why the certificate is refused, and what to do, in the reader's language.
struct RefusalWords {
  Text why;
  Text what_to_do;
};

RefusalWords words_for(const CertificateRefusal& refused) {
  const std::string& v = refused.certificate;
  if (v == "expired")
    return {{"Sertifikat ini sudah kedaluwarsa.", "This certificate has expired."},
            {"Mintalah sertifikat baru kepada penerbitnya, pasang di browser, lalu buka konsol lagi.",
             "Ask its issuer for a new certificate, install it in your browser, then open the console again."}};
  if (v == "revoked")
    return {{"Sertifikat ini telah dicabut oleh penerbitnya.", "This certificate has been revoked by its issuer."},
            {"Sertifikat yang dicabut tidak dapat dipakai lagi. Hubungi administrator dsr atau penerbit sertifikat.",
             "A revoked certificate cannot be used again. Contact the dsr administrator or the certificate's issuer."}};
  if (v == "not_yet_valid")
    return {{"Sertifikat ini belum berlaku.", "This certificate is not valid yet."},
            {"Periksa jam komputer Anda, atau tunggu sampai sertifikat mulai berlaku.",
             "Check your computer's clock, or wait until the certificate comes into force."}};
  if (v == "untrusted")
    return {{"Sertifikat ini tidak diterbitkan oleh otoritas yang dipercaya server ini untuk staf.",
             "This certificate was not issued by an authority this server trusts for staff."},
            {"Pilih sertifikat staf Anda saat browser menanyakannya (tutup lalu buka kembali browser untuk memilih "
             "ulang).",
             "Choose your staff certificate when the browser asks (close and reopen the browser to choose again)."}};
  if (v == "revocation_unknown")
    return {{"Server tidak dapat memeriksa apakah sertifikat ini dicabut: daftar pencabutannya perlu diperbarui.",
             "The server cannot check whether this certificate is revoked: its revocation list needs renewing."},
            {"Beri tahu administrator dsr; sertifikat Anda tidak perlu diganti.",
             "Tell the dsr administrator; your certificate need not change."}};
  if (v == "unknown")
    return {{"Sertifikat ini sah, tetapi belum didaftarkan untuk anggota staf mana pun.",
             "This certificate is sound, but it is not registered to any member of staff."},
            {"Minta administrator dsr mendaftarkannya dengan 'dsr staff add'; sebutkan penerbit dan nomor seri di "
             "bawah ini.",
             "Ask the dsr administrator to register it with 'dsr staff add', quoting the issuer and serial number "
             "below."}};
  return {{"Sertifikat ini tidak dapat dibaca sekarang.", "The staff certificates cannot be read now."},
          {"Coba lagi sebentar lagi.", "Try again in a moment."}};
}

// The page a browser gets instead of the console when its certificate
// signs no one in: plain HTML, no script, the console's style sheet.
HttpResponse certificate_refusal_page(const CertificateRefusal& refused, Locale l) {
  auto words = words_for(refused);
  const auto& c = refused.presented;
  std::string title = std::string(Text{"Sertifikat Anda tidak diterima", "Your certificate was not accepted"}.in(l));
  HttpResponse r;
  r.status = refused.status;
  r.content_type = "text/html; charset=utf-8";
  r.body = fmt::format(
      R"(<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/console.css">
</head>
<body>
<header class="bar"><p class="bar-title">{app}</p></header>
<main id="main">
<section class="sign-in certificate-refused" data-certificate="{verdict}">
<h1>{title}</h1>
<p id="certificate-why">{why}</p>
<p id="certificate-what">{what}</p>
<dl class="facts">
<dt>{issuer_label}</dt><dd><code>{issuer}</code></dd>
<dt>{serial_label}</dt><dd><code>{serial}</code></dd>
<dt>{subject_label}</dt><dd><code>{subject}</code></dd>
</dl>
<p class="muted">{tokens}</p>
</main>
</body>
</html>
)",
      fmt::arg("lang", to_string(l)), fmt::arg("title", escape(title)),
      fmt::arg("app", Text{"Konsol back office DSR", "DSR back-office console"}.in(l)),
      fmt::arg("verdict", escape(refused.certificate)), fmt::arg("why", escape(words.why.in(l))),
      fmt::arg("what", escape(words.what_to_do.in(l))),
      fmt::arg("issuer_label", Text{"Penerbit", "Issuer"}.in(l)), fmt::arg("issuer", escape(c.issuer)),
      fmt::arg("serial_label", Text{"Nomor seri", "Serial number"}.in(l)), fmt::arg("serial", escape(c.serial)),
      fmt::arg("subject_label", Text{"Pemilik", "Subject"}.in(l)), fmt::arg("subject", escape(c.subject)),
      fmt::arg("tokens", Text{"Sistem dan skrip tetap masuk dengan token bearer.",
                              "Systems and scripts keep signing in with bearer tokens."}.in(l)));
  r.headers = {{"Content-Security-Policy", console_security_policy()},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"}};
  if (refused.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

// Every role a bearer token can have.
const std::vector<Role> kEveryStaffRole{Role::admin,      Role::system,  Role::verifier,   Role::reviewer,
                                        Role::supervisor, Role::auditor, Role::institution};

}  // namespace

void add_console_routes(Router& router, ApiContext&) {
  router.add({"GET", "/console/", "The back-office console (docs/console.md)", {true, false, {}},
              [](const HttpRequest& http, const Caller& caller, const RouteParams&, Respond respond) {
                if (caller.refused_certificate)
                  return respond(certificate_refusal_page(*caller.refused_certificate, locale_of(http)));
                // The page's relative links need the trailing slash (the router
                // matches "/console" here too).
                if (!http.path().ends_with('/')) {
                  HttpResponse r;
                  r.status = 308;
                  r.headers = {{"Location", "/console/"}};
                  return respond(std::move(r));
                }
                serve_console_file("index.html", http, caller, std::move(respond));
              }});
  router.add({"GET", "/console/{file}", "A file of the back-office console", {true, false, {}},
              [](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                // The page itself, not its scripts and style (the refusal page uses the style).
                if (caller.refused_certificate && p.at("file") == "index.html")
                  return respond(certificate_refusal_page(*caller.refused_certificate, locale_of(http)));
                serve_console_file(p.at("file"), http, caller, std::move(respond));
              }});
  router.add({"GET", "/v1/whoami", "Who the caller is: name, role, institution, and whether a bearer token or a client certificate says so", {false, false, kEveryStaffRole},
              [](const HttpRequest&, const Caller& caller, const RouteParams&, Respond respond) {
                const Principal& p = caller.principal;
                respond(json_response(200, {{"name", p.name},
                                            {"role", to_string(p.role)},
                                            {"institution", p.organization.empty() ? boost::json::value(nullptr)
                                                                                   : boost::json::value(p.organization)},
                                            {"signed_in_with", caller.by_certificate ? "certificate" : "token"}}));
              }});
}

}  // namespace dsr::api
