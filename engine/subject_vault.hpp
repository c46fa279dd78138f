// SubjectVault: the engine's port to the personal data on file (policy
// B.3.a). storage/ keeps it encrypted; the engine and the API only ever see
// a subject through this interface and a pseudonymous reference.
//
// Writes complete asynchronously, once durable, like Store::commit.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"
#include "engine/time.hpp"

namespace dsr {

struct SubjectRecord {
  std::string name;
  std::string nik;           // 16-digit national identity number
  std::string nip;           // 18-digit civil-servant number, if any
  std::string organization;
  std::string unit;
  std::string position;
  std::string email;
  std::string phone;
  std::string face_photo_ref;  // where the photo is kept, never the photo
  std::map<std::string, std::string> categories;  // further data held, by category

  friend bool operator==(const SubjectRecord&, const SubjectRecord&) = default;
};

// A legal hold keeps a subject's record from the retention sweep (a
// dispute, an investigation); placing and lifting it are recorded with who
// did it and why.
struct LegalHold {
  bool hold = true;    // false: lift it
  std::string by;      // the staff principal
  std::string reason;
  TimePoint at;
};

// A restriction of processing on a subject's record (UU PDP Pasal 41,
// GDPR Art. 18): while it stands, the named categories (all, when none are
// named) may be stored but not otherwise processed. Set and lifted by the
// events of a restriction request.
struct Restriction {
  TimePoint since;
  std::vector<std::string> categories;  // empty: every category
  std::string request_id;               // the request that placed it

  friend bool operator==(const Restriction&, const Restriction&) = default;
};

class SubjectVault {
 public:
  using RefDone = std::function<void(Result<std::string>)>;
  using Done = std::function<void(Status)>;

  virtual ~SubjectVault() = default;
  // Creates the record, or replaces the one with the same NIK; answers its reference.
  virtual void put(SubjectRecord record, RefDone done) = 0;
  virtual Result<SubjectRecord> get(std::string_view subject_ref) const = 0;
  virtual Result<std::optional<std::string>> find_by_nik(std::string_view nik) const = 0;
  virtual Result<std::optional<std::string>> find_by_email(std::string_view email) const = 0;
  // Every subject on file whose organisation is `organization` (exactly as
  // written on the record), in reference order: those a breach of that
  // organisation's data affects.
  virtual Result<std::vector<std::string>> find_by_organization(std::string_view organization) const = 0;
  // Destroys the subject's data key and its rows: nothing can be recovered.
  virtual void erase(std::string subject_ref, Done done) = 0;
  // Places or lifts a legal hold; not_found when there is no such record.
  virtual void set_legal_hold(std::string subject_ref, LegalHold hold, Done done) = 0;
  // The restriction in force on the record, if any.
  virtual Result<std::optional<Restriction>> restriction(std::string_view subject_ref) const = 0;
};

}  // namespace dsr
