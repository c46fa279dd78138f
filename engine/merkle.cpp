#include "engine/merkle.hpp"

#include <sodium.h>

#include <bit>
#include <stdexcept>

namespace dsr::merkle {
namespace {

// The largest power of two strictly below n (n > 1): RFC 6962's split.
std::uint64_t split(std::uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[begin:end]): the pieces of RFC 6962's recursion are aligned, so
// each complete one is a single stored node.
Hash subtree(std::uint64_t begin, std::uint64_t end, const NodeSource& nodes) {
  std::uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) return nodes(std::countr_zero(n), begin / n);
  std::uint64_t k = split(n);
  return node_hash(subtree(begin, begin + k, nodes), subtree(begin + k, end, nodes));
}

// PATH(m, D[begin:end]), appended to `out` (RFC 6962 2.1.1).
void path(std::uint64_t m, std::uint64_t begin, std::uint64_t end, const NodeSource& nodes, std::vector<Hash>& out) {
  std::uint64_t n = end - begin;
  if (n <= 1) return;
  std::uint64_t k = split(n);
  if (m < k) {
    path(m, begin, begin + k, nodes, out);
    out.push_back(subtree(begin + k, end, nodes));
  } else {
    path(m - k, begin + k, end, nodes, out);
    out.push_back(subtree(begin, begin + k, nodes));
  }
}

// SUBPROOF(m, D[begin:end], whole) (RFC 6962 2.1.2).
void subproof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool whole, const NodeSource& nodes,
              std::vector<Hash>& out) {
  std::uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out.push_back(subtree(begin, end, nodes));
    return;
  }
  std::uint64_t k = split(n);
  if (m <= k) {
    subproof(m, begin, begin + k, whole, nodes, out);
    out.push_back(subtree(begin + k, end, nodes));
  } else {
    subproof(m - k, begin + k, end, false, nodes, out);
    out.push_back(subtree(begin, begin + k, nodes));
  }
}

bool lsb(std::uint64_t x) { return (x & 1) != 0; }

}  // namespace

Hash sha256(std::span<const unsigned char> bytes) {
  Hash out;
  crypto_hash_sha256(out.data(), bytes.data(), bytes.size());
  return out;
}

Hash leaf_hash(std::span<const unsigned char> leaf) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  const unsigned char prefix = 0x00;
  crypto_hash_sha256_update(&state, &prefix, 1);
  crypto_hash_sha256_update(&state, leaf.data(), leaf.size());
  Hash out;
  crypto_hash_sha256_final(&state, out.data());
  return out;
}

Hash node_hash(const Hash& left, const Hash& right) {
  std::array<unsigned char, 65> joined;
  joined[0] = 0x01;
  std::copy(left.begin(), left.end(), joined.begin() + 1);
  std::copy(right.begin(), right.end(), joined.begin() + 33);
  return sha256(joined);
}

Hash empty_root() { return sha256({}); }

Hash root(std::uint64_t size, const NodeSource& nodes) {
  if (size == 0) return empty_root();
  return subtree(0, size, nodes);
}

std::vector<Hash> inclusion_proof(std::uint64_t index, std::uint64_t size, const NodeSource& nodes) {
  if (index >= size) throw std::out_of_range("inclusion proof: the index is not below the size");
  std::vector<Hash> out;
  path(index, 0, size, nodes, out);
  return out;
}

std::vector<Hash> consistency_proof(std::uint64_t earlier, std::uint64_t size, const NodeSource& nodes) {
  if (earlier > size) throw std::out_of_range("consistency proof: the earlier size is above the size");
  std::vector<Hash> out;
  if (earlier == 0 || earlier == size) return out;
  subproof(earlier, 0, size, true, nodes, out);
  return out;
}

bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf, std::span<const Hash> proof,
                      const Hash& root_hash) {
  // RFC 9162 2.1.3.2.
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if (lsb(fn) || fn == sn) {
      r = node_hash(p, r);
      if (!lsb(fn))
        while (!lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root_hash;
}

bool verify_consistency(std::uint64_t earlier, std::uint64_t size, const Hash& earlier_root, const Hash& root_hash,
                        std::span<const Hash> proof) {
  // RFC 9162 2.1.4.2, with the trivial cases: an empty tree is extended by
  // every tree, and a tree only by itself at its own size.
  if (earlier > size) return false;
  if (earlier == 0) return proof.empty();
  if (earlier == size) return proof.empty() && earlier_root == root_hash;
  if (proof.empty()) return false;
  std::vector<Hash> path_hashes;
  if (std::has_single_bit(earlier)) path_hashes.push_back(earlier_root);
  path_hashes.insert(path_hashes.end(), proof.begin(), proof.end());
  std::uint64_t fn = earlier - 1, sn = size - 1;
  while (lsb(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path_hashes[0], sr = path_hashes[0];
  for (std::size_t i = 1; i < path_hashes.size(); ++i) {
    const Hash& c = path_hashes[i];
    if (sn == 0) return false;
    if (lsb(fn) || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if (!lsb(fn))
        while (!lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == earlier_root && sr == root_hash && sn == 0;
}

std::vector<std::pair<int, std::uint64_t>> completed_by(std::uint64_t index) {
  // Leaf `index` completes the node at level L when its last L bits are all
  // ones: the node covering it ends with it.
  std::vector<std::pair<int, std::uint64_t>> out;
  for (int level = 1; level < 64 && ((index + 1) % (std::uint64_t{1} << level)) == 0; ++level)
    out.emplace_back(level, index >> level);
  return out;
}

std::string to_base64(const Hash& hash) {
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(out, sizeof out, hash.data(), hash.size(), sodium_base64_VARIANT_ORIGINAL);
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string to_hex(const Hash& hash) {
  char out[65];
  sodium_bin2hex(out, sizeof out, hash.data(), hash.size());
  return out;
}

}  // namespace dsr::merkle
