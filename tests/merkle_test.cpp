// The audit log's Merkle tree against RFC 6962: the vectors in
// tests/fixtures/merkle/vectors.json (made by generate.py beside them from
// the RFC's own definitions), every pair of sizes up to 64 against a direct
// transcription of those definitions, and proofs that must not verify.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>

#include "engine/merkle.hpp"

using namespace dsr;
using merkle::Hash;

namespace {

Hash from_hex(std::string_view hex) {
  Hash h{};
  REQUIRE(hex.size() == 64);
  for (std::size_t i = 0; i < 32; ++i) h[i] = static_cast<unsigned char>(std::stoi(std::string(hex.substr(2 * i, 2)), nullptr, 16));
  return h;
}

std::vector<unsigned char> bytes_of_hex(std::string_view hex) {
  std::vector<unsigned char> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<unsigned char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// A tree in memory that keeps every complete subtree, as storage does.
struct MemoryTree {
  std::vector<std::vector<Hash>> levels;  // levels[L][i]: the node (L, i)
  void append(const Hash& leaf) {
    if (levels.empty()) levels.emplace_back();
    std::uint64_t index = levels[0].size();
    levels[0].push_back(leaf);
    for (auto [level, node] : merkle::completed_by(index)) {
      if (levels.size() <= static_cast<std::size_t>(level)) levels.emplace_back();
      auto& below = levels[static_cast<std::size_t>(level) - 1];
      levels[static_cast<std::size_t>(level)].push_back(merkle::node_hash(below[2 * node], below[2 * node + 1]));
    }
  }
  merkle::NodeSource nodes() const {
    return [this](int level, std::uint64_t index) { return levels.at(static_cast<std::size_t>(level)).at(index); };
  }
};

// RFC 6962 2.1, word for word, over leaf hashes.
Hash reference_root(std::span<const Hash> d) {
  if (d.empty()) return merkle::empty_root();
  if (d.size() == 1) return d[0];
  std::size_t k = 1;
  while (k * 2 < d.size()) k *= 2;
  return merkle::node_hash(reference_root(d.first(k)), reference_root(d.subspan(k)));
}

std::vector<Hash> reference_path(std::size_t m, std::span<const Hash> d) {
  if (d.size() <= 1) return {};
  std::size_t k = 1;
  while (k * 2 < d.size()) k *= 2;
  std::vector<Hash> out = m < k ? reference_path(m, d.first(k)) : reference_path(m - k, d.subspan(k));
  out.push_back(m < k ? reference_root(d.subspan(k)) : reference_root(d.first(k)));
  return out;
}

std::vector<Hash> reference_subproof(std::size_t m, std::span<const Hash> d, bool whole) {
  if (m == d.size()) return whole ? std::vector<Hash>{} : std::vector<Hash>{reference_root(d)};
  std::size_t k = 1;
  while (k * 2 < d.size()) k *= 2;
  std::vector<Hash> out = m <= k ? reference_subproof(m, d.first(k), whole) : reference_subproof(m - k, d.subspan(k), false);
  out.push_back(m <= k ? reference_root(d.subspan(k)) : reference_root(d.first(k)));
  return out;
}

boost::json::value vectors() {
  std::ifstream in(std::string(DSR_FIXTURES_DIR) + "/merkle/vectors.json");
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str());
}

std::vector<Hash> hashes(const boost::json::value& array) {
  std::vector<Hash> out;
  for (const auto& h : array.as_array()) out.push_back(from_hex(h.as_string()));
  return out;
}

}  // namespace

TEST_CASE("the RFC 6962 vectors: roots of sizes 0 to 8, every inclusion and consistency proof", "[merkle]") {
  auto v = vectors();
  MemoryTree tree;
  std::vector<Hash> roots;
  roots.push_back(merkle::root(0, tree.nodes()));
  for (const auto& leaf : v.at("leaves").as_array()) {
    tree.append(merkle::leaf_hash(bytes_of_hex(leaf.as_string())));
    roots.push_back(merkle::root(tree.levels[0].size(), tree.nodes()));
  }
  const auto& want_roots = v.at("roots").as_array();
  REQUIRE(want_roots.size() == 9);
  for (std::size_t n = 0; n < 9; ++n) {
    INFO("size " << n);
    CHECK(merkle::to_hex(roots[n]) == want_roots[n].as_string());
  }
  for (const auto& c : v.at("inclusion").as_array()) {
    auto index = c.at("index").as_int64(), size = c.at("size").as_int64();
    INFO("inclusion of " << index << " in " << size);
    auto proof = merkle::inclusion_proof(static_cast<std::uint64_t>(index), static_cast<std::uint64_t>(size), tree.nodes());
    CHECK(proof == hashes(c.at("proof")));
    CHECK(merkle::verify_inclusion(static_cast<std::uint64_t>(index), static_cast<std::uint64_t>(size),
                                   tree.levels[0][static_cast<std::size_t>(index)], proof, roots[static_cast<std::size_t>(size)]));
  }
  for (const auto& c : v.at("consistency").as_array()) {
    auto from = c.at("from").as_int64(), to = c.at("to").as_int64();
    INFO("consistency of " << from << " with " << to);
    auto proof = merkle::consistency_proof(static_cast<std::uint64_t>(from), static_cast<std::uint64_t>(to), tree.nodes());
    CHECK(proof == hashes(c.at("proof")));
    CHECK(merkle::verify_consistency(static_cast<std::uint64_t>(from), static_cast<std::uint64_t>(to),
                                     roots[static_cast<std::size_t>(from)], roots[static_cast<std::size_t>(to)], proof));
  }
}

TEST_CASE("every pair of sizes up to 64: proofs as RFC 6962 defines them, and only they verify", "[merkle]") {
  MemoryTree tree;
  std::vector<Hash> leaves, roots{merkle::empty_root()};
  for (unsigned i = 0; i < 64; ++i) {
    std::vector<unsigned char> leaf{static_cast<unsigned char>(i), static_cast<unsigned char>(i * 7)};
    leaves.push_back(merkle::leaf_hash(leaf));
    tree.append(leaves.back());
    roots.push_back(merkle::root(leaves.size(), tree.nodes()));
    REQUIRE(roots.back() == reference_root(leaves));
  }
  std::size_t inclusions = 0, consistencies = 0;
  for (std::uint64_t n = 1; n <= 64; ++n) {
    std::span<const Hash> d(leaves.data(), n);
    for (std::uint64_t m = 0; m < n; ++m) {
      auto proof = merkle::inclusion_proof(m, n, tree.nodes());
      REQUIRE(proof == reference_path(m, d));
      REQUIRE(merkle::verify_inclusion(m, n, leaves[m], proof, roots[n]));
      ++inclusions;
      // Wrong leaf, wrong index, a proof cut short or padded: refused.
      REQUIRE_FALSE(merkle::verify_inclusion(m, n, leaves[(m + 1) % 64], proof, roots[n]));
      if (n > 1) REQUIRE_FALSE(merkle::verify_inclusion((m + 1) % n, n, leaves[m], proof, roots[n]));
      if (!proof.empty()) {
        std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
        REQUIRE_FALSE(merkle::verify_inclusion(m, n, leaves[m], shorter, roots[n]));
      }
      auto longer = proof;
      longer.push_back(leaves[0]);
      REQUIRE_FALSE(merkle::verify_inclusion(m, n, leaves[m], longer, roots[n]));
    }
    for (std::uint64_t m = 1; m < n; ++m) {
      auto proof = merkle::consistency_proof(m, n, tree.nodes());
      REQUIRE(proof == reference_subproof(m, d, true));
      REQUIRE(merkle::verify_consistency(m, n, roots[m], roots[n], proof));
      ++consistencies;
      REQUIRE_FALSE(merkle::verify_consistency(m, n, roots[m - 1], roots[n], proof));
      REQUIRE_FALSE(merkle::verify_consistency(m, n, roots[m], roots[n - 1], proof));
      std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
      REQUIRE_FALSE(merkle::verify_consistency(m, n, roots[m], roots[n], shorter));
      auto longer = proof;
      longer.push_back(leaves[0]);
      REQUIRE_FALSE(merkle::verify_consistency(m, n, roots[m], roots[n], longer));
      auto flipped = proof;
      flipped[0][0] ^= 1;
      REQUIRE_FALSE(merkle::verify_consistency(m, n, roots[m], roots[n], flipped));
    }
  }
  CHECK(inclusions == 64 * 65 / 2);
  CHECK(consistencies == 63 * 64 / 2);
}

TEST_CASE("the edge cases: size 0, equal sizes, an index out of range", "[merkle]") {
  MemoryTree tree;
  for (unsigned char i = 0; i < 5; ++i) tree.append(merkle::leaf_hash(std::vector<unsigned char>{i}));
  Hash root5 = merkle::root(5, tree.nodes());
  CHECK(merkle::to_hex(merkle::root(0, tree.nodes())) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Every tree extends the empty one, with an empty proof, and only that.
  CHECK(merkle::consistency_proof(0, 5, tree.nodes()).empty());
  CHECK(merkle::verify_consistency(0, 5, merkle::empty_root(), root5, {}));
  CHECK_FALSE(merkle::verify_consistency(0, 5, merkle::empty_root(), root5, std::vector<Hash>{root5}));
  // A tree is consistent with itself: an empty proof, and equal roots.
  CHECK(merkle::consistency_proof(5, 5, tree.nodes()).empty());
  CHECK(merkle::verify_consistency(5, 5, root5, root5, {}));
  CHECK_FALSE(merkle::verify_consistency(5, 5, root5, merkle::root(4, tree.nodes()), {}));
  CHECK_FALSE(merkle::verify_consistency(6, 5, root5, root5, {}));
  CHECK_THROWS_AS(merkle::consistency_proof(6, 5, tree.nodes()), std::out_of_range);
  // An index at or past the size: no proof is made, none verifies.
  CHECK_THROWS_AS(merkle::inclusion_proof(5, 5, tree.nodes()), std::out_of_range);
  CHECK_FALSE(merkle::verify_inclusion(5, 5, tree.levels[0][4], {}, root5));
  CHECK_FALSE(merkle::verify_inclusion(0, 0, tree.levels[0][0], {}, merkle::empty_root()));
  // A tree of one leaf: the root is the leaf hash, the proof empty.
  CHECK(merkle::verify_inclusion(0, 1, tree.levels[0][0], {}, merkle::root(1, tree.nodes())));
}
