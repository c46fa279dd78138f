// Where messages to subjects go. `dir:PATH` writes one JSON file per
// message (to, channel, template, locale, request_id, text, variables),
// atomically: a temporary file, fsync, then rename, so a reader never sees
// half a message. (The webhook sink arrives with the outbox work.)
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "engine/ports.hpp"

namespace dsr::app {

class DirectoryMessageSink final : public MessageSink {
 public:
  explicit DirectoryMessageSink(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Status send(const OutgoingMessage& message) override;

 private:
  std::filesystem::path dir_;
};

// Parses "dir:PATH"; an unknown scheme is an error naming the choices.
Result<std::unique_ptr<MessageSink>> make_message_sink(const std::string& spec);

}  // namespace dsr::app
