#include "storage/postgres/pg_connection.hpp"

#include <fmt/format.h>

#include <cstring>
#include <optional>
#include <stdexcept>

#include "storage/postgres/pg_error.hpp"

namespace dsr::storage::pg {
namespace {

// The types Rows reads (pg_type oids).
constexpr unsigned kBool = 16, kBytea = 17, kName = 19, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25, kOid = 26,
                   kVarchar = 1043, kXid8 = 5069;

std::int64_t big_endian(const char* bytes, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  // Sign-extend the narrower integers.
  if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t{0} << (8 * n);
  return static_cast<std::int64_t>(v);
}

// libpq's own message, with any password the connection string holds masked
// (a malformed string can be echoed back).
// One line, for logs read a line at a time: libpq puts each host's failure
// and each hint ("\n\tThis probably means...") on lines of their own.
std::string one_line(const std::string& text) {
  std::string line;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') {
      line += text[i];
      continue;
    }
    while (i + 1 < text.size() && (text[i + 1] == '\t' || text[i + 1] == ' ')) ++i;
    if (i + 1 < text.size()) line += " / ";
  }
  return line;
}

std::string masked_message(const char* message, const std::string& conninfo) {
  std::string out = message ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (parse_error) PQfreemem(parse_error);
  if (options) {
    for (auto* o = options; o->keyword; ++o) {
      if (std::string_view(o->keyword) != "password" || !o->val || !*o->val) continue;
      for (std::size_t at; (at = out.find(o->val)) != std::string::npos;) out.replace(at, std::strlen(o->val), "****");
    }
    PQconninfoFree(options);
  }
  return one_line(out);
}

// Parameters as libpq takes them: integers and text in text format (the
// server converts to the column's type), bytea in binary.
struct Wire {
  std::vector<std::string> text;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;

  explicit Wire(const Params& params) {
    text.reserve(params.size());
    for (const auto& p : params) {
      if (std::holds_alternative<std::nullptr_t>(p)) {
        text.emplace_back();
        values.push_back(nullptr);
        lengths.push_back(0);
        formats.push_back(0);
      } else if (const auto* b = std::get_if<Bytes>(&p)) {
        text.emplace_back();
        values.push_back(reinterpret_cast<const char*>(b->data()));
        lengths.push_back(static_cast<int>(b->size()));
        formats.push_back(1);
      } else {
        if (const auto* i = std::get_if<std::int64_t>(&p)) text.push_back(std::to_string(*i));
        if (const auto* f = std::get_if<bool>(&p)) text.push_back(*f ? "t" : "f");
        if (const auto* s = std::get_if<std::string>(&p)) text.push_back(*s);
        values.push_back(text.back().c_str());
        lengths.push_back(static_cast<int>(text.back().size()));
        formats.push_back(0);
      }
    }
  }
  int count() const { return static_cast<int>(values.size()); }
};

bool succeeded(const PGresult* r) {
  auto status = PQresultStatus(r);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

}  // namespace

std::int64_t Rows::affected() const {
  const char* n = result_ ? PQcmdTuples(result_.get()) : "";
  return *n ? std::stoll(n) : 0;
}

bool Rows::null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }

const char* Rows::value(int row, int column, const char* wanted) const {
  if (row < 0 || row >= size() || column < 0 || column >= PQnfields(result_.get()))
    throw std::logic_error(fmt::format("no column {} of row {} in a result of {} rows", column, row, size()));
  if (null(row, column)) throw std::logic_error(fmt::format("column {} is NULL, read as {}", column, wanted));
  return PQgetvalue(result_.get(), row, column);
}

std::int64_t Rows::integer(int row, int column) const {
  const char* v = value(row, column, "an integer");
  unsigned type = PQftype(result_.get(), column);
  int n = PQgetlength(result_.get(), row, column);
  if ((type == kInt8 || type == kXid8) && n == 8) return big_endian(v, 8);
  if ((type == kInt4 || type == kOid) && n == 4) return type == kOid ? static_cast<std::uint32_t>(big_endian(v, 4)) : big_endian(v, 4);
  if (type == kInt2 && n == 2) return big_endian(v, 2);
  throw std::logic_error(fmt::format("column {} has type oid {}, read as an integer", column, type));
}

bool Rows::boolean(int row, int column) const {
  const char* v = value(row, column, "a boolean");
  if (PQftype(result_.get(), column) != kBool)
    throw std::logic_error(fmt::format("column {} has type oid {}, read as a boolean", column, PQftype(result_.get(), column)));
  return *v != 0;
}

std::string Rows::text(int row, int column) const {
  const char* v = value(row, column, "text");
  unsigned type = PQftype(result_.get(), column);
  if (type != kText && type != kVarchar && type != kName)
    throw std::logic_error(fmt::format("column {} has type oid {}, read as text", column, type));
  return std::string(v, static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

Bytes Rows::bytes(int row, int column) const {
  const auto* v = reinterpret_cast<const unsigned char*>(value(row, column, "bytes"));
  if (PQftype(result_.get(), column) != kBytea)
    throw std::logic_error(fmt::format("column {} has type oid {}, read as bytea", column, PQftype(result_.get(), column)));
  return Bytes(v, v + PQgetlength(result_.get(), row, column));
}

std::optional<TimePoint> optional_time(const Rows& rows, int row, int column) {
  if (rows.null(row, column)) return std::nullopt;
  return TimePoint{std::chrono::seconds{rows.integer(row, column)}};
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return fail(Error::unavailable("cannot connect to PostgreSQL: out of memory"));
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = masked_message(PQerrorMessage(conn), conninfo);
    PQfinish(conn);
    return fail(Error::unavailable(fmt::format(
        "cannot connect to PostgreSQL: {}; check the host, port, user and database in --db, and that the server "
        "is running", why)));
  }
  std::unique_ptr<Connection> c(new Connection(conn));
  // UTC and UTF-8 whatever the server's defaults: dsr keeps times as unix
  // seconds and text as UTF-8.
  // Notices ("already exists, skipping") are not errors: not printed.
  // No statement_timeout, whatever the role's or database's: a timeout
  // that cancels a COMMIT waiting for the synchronous standby leaves a
  // commit that is visible on the primary but not replicated.
  if (Status s = c->run_script("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; SET client_min_messages = warning; "
                               "SET statement_timeout = 0");
      !s)
    return fail(s.error());
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::usable() const { return PQstatus(conn_) == CONNECTION_OK; }

std::pair<std::string, bool> Connection::statement_name(const std::string& sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return {it->second, false};
  return {fmt::format("dsr_{}", prepared_.size() + 1), true};
}

Error Connection::error_of(const PGresult* result, std::string_view doing) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result && *PQresultErrorMessage(result) ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  message = one_line(message);
  ErrorCode code = state ? code_for_sqlstate(state) : (usable() ? ErrorCode::internal : ErrorCode::unavailable);
  if (!usable()) code = ErrorCode::unavailable;
  // dsr's own errors (DSxxx, raised by its SQL) say what happened in dsr's
  // words already.
  if (state && std::string_view(state).starts_with("DS"))
    return Error(code, PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY), kind_for_sqlstate(state));
  return Error(code, fmt::format("PostgreSQL, {}: {}", doing, message), state ? kind_for_sqlstate(state) : "");
}

Result<Rows> Connection::exec(const std::string& sql, const Params& params) {
  auto [name, fresh] = statement_name(sql);
  Wire wire(params);
  if (fresh) {
    PGresult* p = PQprepare(conn_, name.c_str(), sql.c_str(), wire.count(), nullptr);
    Rows hold(p);
    if (p == nullptr || !succeeded(p)) return fail(error_of(p, "preparing a statement"));
    prepared_.emplace(sql, name);
  }
  PGresult* r = PQexecPrepared(conn_, name.c_str(), wire.count(), wire.values.data(), wire.lengths.data(),
                               wire.formats.data(), 1);
  Rows rows(r);
  if (r == nullptr || !succeeded(r)) return fail(error_of(r, "running a statement"));
  return rows;
}

Status Connection::run_script(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  Rows hold(r);
  if (r == nullptr || !succeeded(r)) return fail(error_of(r, "running SQL"));
  return ok_status();
}

Result<std::vector<Rows>> Connection::transaction(const std::vector<Statement>& statements) {
  return pipelined(statements, true);
}

Result<std::vector<Rows>> Connection::finish(const std::vector<Statement>& statements) {
  return pipelined(statements, false);
}

Result<std::vector<Rows>> Connection::pipelined(const std::vector<Statement>& statements, bool with_begin) {
  if (PQenterPipelineMode(conn_) != 1) return fail(error_of(nullptr, "entering pipeline mode"));
  struct Exit {
    PGconn* conn;
    ~Exit() { PQexitPipelineMode(conn); }
  } exit_pipeline{conn_};
  // What was sent, in order: each result read back belongs to one of these.
  enum class Sent { begin, prepare, statement, commit };
  std::vector<std::pair<Sent, std::string>> sent;  // kind, and the sql of a prepare
  std::unordered_map<std::string, std::string> preparing;  // sql -> name, in this pipeline
  auto send_failed = [&] { return fail(error_of(nullptr, "sending a transaction")); };
  if (with_begin) {
    if (!PQsendQueryParams(conn_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 1)) return send_failed();
    sent.emplace_back(Sent::begin, "");
  }
  for (const auto& s : statements) {
    Wire wire(s.params);
    std::string name;
    if (auto it = prepared_.find(s.sql); it != prepared_.end()) {
      name = it->second;
    } else if (auto p = preparing.find(s.sql); p != preparing.end()) {
      name = p->second;
    } else {
      name = fmt::format("dsr_{}", prepared_.size() + preparing.size() + 1);
      if (!PQsendPrepare(conn_, name.c_str(), s.sql.c_str(), wire.count(), nullptr)) return send_failed();
      preparing.emplace(s.sql, name);
      sent.emplace_back(Sent::prepare, s.sql);
    }
    if (!PQsendQueryPrepared(conn_, name.c_str(), wire.count(), wire.values.data(), wire.lengths.data(),
                             wire.formats.data(), 1))
      return send_failed();
    sent.emplace_back(Sent::statement, "");
  }
  if (!PQsendQueryParams(conn_, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 1)) return send_failed();
  sent.emplace_back(Sent::commit, "");
  if (!PQpipelineSync(conn_)) return send_failed();

  std::vector<Rows> out;
  std::optional<Error> first_error;
  for (const auto& [kind, sql] : sent) {
    PGresult* r = PQgetResult(conn_);
    Rows rows(r);
    if (r == nullptr) {
      if (!first_error) first_error = error_of(nullptr, "reading a transaction's results");
      break;
    }
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);  // the NULL that ends each command's results
    if (PQresultStatus(r) == PGRES_PIPELINE_ABORTED) continue;
    if (!succeeded(r)) {
      if (!first_error) first_error = error_of(r, kind == Sent::commit ? "committing" : "running a transaction");
      continue;
    }
    if (kind == Sent::prepare) prepared_.emplace(sql, preparing.at(sql));
    if (kind == Sent::statement) out.push_back(std::move(rows));
  }
  // The pipeline's end.
  if (usable()) {
    while (PGresult* r = PQgetResult(conn_)) {
      bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (sync) break;
    }
  }
  if (first_error) {
    // An error inside BEGIN leaves the session in a failed transaction.
    PQexitPipelineMode(conn_);
    if (usable() && PQtransactionStatus(conn_) == PQTRANS_INERROR) (void)run_script("ROLLBACK");
    return fail(*first_error);
  }
  return out;
}

}  // namespace dsr::storage::pg
