// Where messages to subjects go (--message-sink):
//  - `dir:PATH` writes one JSON file per message (to, channel, template,
//    locale, request_id, subject, text, variables), atomically: a temporary
//    file, fsync, then rename, so a reader never sees half a message;
//  - `webhook:URL` POSTs the same JSON to an e-mail/SMS gateway, signed
//    like recipient notifications (Dsr-Signature, Idempotency-Key) with the
//    secret in --message-sink-secret-file (created on first use, 0600).
// Both are driven by the OutboxWorker, with its retries and dead letters.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "api/webhook_client.hpp"
#include "engine/ports.hpp"

namespace dsr::app {

// The JSON a sink hands on for one message.
std::string message_json(const OutgoingMessage& message);

class DirectoryMessageSink final : public MessageSink {
 public:
  // Creates `dir` if needed and checks that files can be written there as
  // send_all writes them; refuses with what to do otherwise.
  static Result<std::unique_ptr<DirectoryMessageSink>> open(std::filesystem::path dir);
  Status send(const OutgoingMessage& message) override { return send_all({message}).front(); }
  // Writes every file unnamed, flushes them to disk with one syncfs, then
  // names each and syncs the directory: each file appears whole and
  // durable, for two flushes per batch instead of one per file.
  std::vector<Status> send_all(const std::vector<OutgoingMessage>& messages) override;

 private:
  explicit DirectoryMessageSink(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

class WebhookMessageSink final : public MessageSink {
 public:
  WebhookMessageSink(std::string url, std::string secret, api::WebhookClient& client)
      : url_(std::move(url)), secret_(std::move(secret)), client_(client) {}
  Status send(const OutgoingMessage& message) override;

 private:
  std::string url_;
  std::string secret_;
  api::WebhookClient& client_;
};

// The signing secret in `path`, created (0600, in a 0700 directory) if
// missing; refused if others may read it.
Result<std::string> load_or_create_sink_secret(const std::string& path);

// Parses "dir:PATH" or "webhook:URL"; anything else is an error naming the
// choices. A webhook sink reads (or creates) its secret at `secret_file`.
Result<std::unique_ptr<MessageSink>> make_message_sink(const std::string& spec, api::WebhookClient& client,
                                                       const std::string& secret_file);

}  // namespace dsr::app
