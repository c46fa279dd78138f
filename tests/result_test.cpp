#include <catch2/catch.hpp>

#include "engine/result.hpp"

using namespace dsr;

TEST_CASE("Result holds a value or an error, never both", "[result]") {
  Result<int> good = 42;
  REQUIRE(good.ok());
  CHECK(*good == 42);

  Result<int> bad = fail(Error::not_found("no request abc"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::not_found);
  CHECK(bad.error().message == "no request abc");
}

TEST_CASE("Result tells a value from an error of the same type", "[result]") {
  Result<std::string, std::string> value = std::string("value");
  Result<std::string, std::string> error = fail(std::string("error"));
  CHECK(value.ok());
  CHECK_FALSE(error.ok());
  CHECK(error.error() == "error");
}
