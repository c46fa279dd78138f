// The Merkle tree of the audit log, as RFC 6962 section 2.1 defines it
// (and RFC 9162 sections 2.1.3-2.1.4 verify it): SHA-256, a leaf hashed as
// SHA-256(0x00 || leaf), a node as SHA-256(0x01 || left || right), the tree
// of n leaves split at the largest power of two below n.
//
// Pure maths, no storage: the hashes of complete subtrees come from a
// NodeSource, which storage/ answers from its table of (level, index)
// hashes, so a root or a proof at any size costs O(log n) lookups.
// Thread-safety: stateless functions.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dsr::merkle {

using Hash = std::array<unsigned char, 32>;

Hash sha256(std::span<const unsigned char> bytes);
Hash leaf_hash(std::span<const unsigned char> leaf);
Hash node_hash(const Hash& left, const Hash& right);
// The root of the empty tree: SHA-256 of nothing.
Hash empty_root();

// The hash of the complete subtree at `level` (0: a leaf hash) and `index`:
// it covers leaves [index * 2^level, (index + 1) * 2^level).
using NodeSource = std::function<Hash(int level, std::uint64_t index)>;

// The root of the tree of the first `size` leaves.
Hash root(std::uint64_t size, const NodeSource& nodes);
// The audit path of leaf `index` in the tree of `size` leaves (index < size).
std::vector<Hash> inclusion_proof(std::uint64_t index, std::uint64_t size, const NodeSource& nodes);
// The proof that the tree of `size` leaves extends the tree of `earlier`
// leaves (earlier <= size); empty when earlier is 0 or equal to size.
std::vector<Hash> consistency_proof(std::uint64_t earlier, std::uint64_t size, const NodeSource& nodes);

bool verify_inclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf, std::span<const Hash> proof,
                      const Hash& root);
bool verify_consistency(std::uint64_t earlier, std::uint64_t size, const Hash& earlier_root, const Hash& root,
                        std::span<const Hash> proof);

// The complete subtrees a new leaf at `index` completes, bottom up:
// (level, index) of each, level 1 first (level 0 is the leaf itself).
std::vector<std::pair<int, std::uint64_t>> completed_by(std::uint64_t index);

std::string to_base64(const Hash& hash);
// Standard base64 (RFC 4648 section 4) of any bytes, as the C2SP formats use.
std::string base64(std::string_view bytes);
std::string to_hex(const Hash& hash);

}  // namespace dsr::merkle
