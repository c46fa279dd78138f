// Reports and exports are written whole or not at all, and leave no
// temporary file behind: not on an error, not when dsr is killed while
// writing (policy E.4, G.4).
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/atomic_file.hpp"
#include "storage_support.hpp"

using namespace dsr;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a file is written whole, mode 0640, and replaced whole", "[app][atomic-file]") {
  test::TempDir dir;
  fs::path report = dir.file("sla.json");
  REQUIRE(app::write_file_atomically(report, "first").ok());
  CHECK(read_file(report) == "first");
  struct stat st {};
  REQUIRE(::stat(report.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  REQUIRE(app::write_file_atomically(report, "second, longer").ok());
  CHECK(read_file(report) == "second, longer");
  CHECK(names_in(dir.file("")) == std::vector<std::string>{"sla.json"});
}

TEST_CASE("a file that cannot be written is an error naming it, and leaves nothing behind", "[app][atomic-file]") {
  test::TempDir dir;
  auto missing = app::write_file_atomically(dir.file("no/such/dir/sla.json"), "x");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("no/such/dir/sla.json") != std::string::npos);
  // A directory in the way: the rename fails after the content was written.
  fs::create_directory(dir.file("sla.json"));
  auto in_the_way = app::write_file_atomically(dir.file("sla.json"), "x");
  REQUIRE_FALSE(in_the_way.ok());
  CHECK(in_the_way.error().message.find("renaming into place") != std::string::npos);
  CHECK(names_in(dir.file("")) == std::vector<std::string>{"sla.json"});
  CHECK(fs::is_directory(dir.file("sla.json")));
}

TEST_CASE("a writer killed in the middle of a file leaves no trace of it", "[app][atomic-file]") {
  test::TempDir dir;
  fs::path target = dir.file("export.json");
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // A file-size limit of 1 MiB: the kernel kills the writer with SIGXFSZ
    // at the first write past it, in the middle of this 4 MiB file (a
    // crash at a known moment, no race with the test).
    rlimit limit{1 << 20, 1 << 20};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    (void)app::write_file_atomically(target, std::string(4 << 20, 'x'));
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));  // killed mid-write, not finished
  CHECK(WTERMSIG(status) == SIGXFSZ);
  CHECK(names_in(dir.file("")).empty());
}
