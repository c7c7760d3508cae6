#pragma once

// Test fixture support: the Hub-compatible test server (tests/hub_server) started on a free
// loopback port with a temp data dir, plus helpers to build registries and requests.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "hf_config.h"
#include "hf_registry.h"
#include "modelpusher/http.h"
#include "modelpusher/model_registry.h"
#include "modelpusher/storage_source.h"

namespace hftest {

// Made-up tokens, valid only on the test server.
inline const char* const kWriteToken = "hf_mptest_write_alice_7c1d";
inline const char* const kReadToken = "hf_mptest_read_alice_52ab";
inline const char* const kBobToken = "hf_mptest_write_bob_9e0f";
inline const char* const kUser = "alice";
inline const char* const kOrg = "acme";

/// One server process; stopped (by its pid) and its folder removed on destruction.
class HubServer {
 public:
  explicit HubServer(std::vector<std::string> extra_args = {});
  ~HubServer();
  const std::string& url() const { return url_; }
  const std::string& upload_url() const { return upload_url_; }
  const std::string& workdir() const { return workdir_; }
  std::string access_log() const { return workdir_ + "/access.log"; }
  /// The bare git repository of a model repo.
  std::string RepoDir(const std::string& repo_id) const;
  /// A file holding `token`, for `token: {file: ...}`.
  std::string TokenFile(const std::string& token) const;

  Poco::JSON::Object::Ptr Stats();
  void ResetStats();
  void SetFaults(const std::string& json_spec);
  void ResetFaults();
  /// GET on the server with an optional token; returns status and body.
  modelpusher::HttpResponse Get(const std::string& path_and_query, const std::string& token = "");

 private:
  std::string workdir_;
  std::string url_;
  std::string upload_url_;
  int pid_ = -1;
  modelpusher::HttpClient http_;
};

/// Options for MakeRegistry; map keys as in the config block.
struct RegistryOptions {
  std::string repo = "alice/model";
  std::string token = kWriteToken;  // "" = no token key and no env token
  std::string ref_template = "v{version}";
  std::map<std::string, std::string> extra;  // scalar keys: lfs_threshold, ref_type, ...
};

/// Builds the config block as the YAML loader would, parses it, and makes the registry.
std::unique_ptr<modelpusher::hf::HfRegistry> MakeRegistry(HubServer& hub, RegistryOptions o);

/// A source over `files` and a request for version `version` (ref from `ref_template`).
struct Pushable {
  std::unique_ptr<modelpusher::StorageSource> source;
  modelpusher::PushRequest request;
};
Pushable MakePushable(std::map<std::string, std::string> files, const std::string& version,
                      const std::string& ref_template = "v{version}");

/// Runs `argv` (no shell), returns its exit code; its output goes to `output`.
int RunCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               std::string* output);

/// Collects every log line while alive.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  std::vector<std::string> Lines() const;
  bool Contains(const std::string& needle) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

/// A repeatable pseudo-random byte string (binary), and a readable text of `size` bytes.
std::string RandomBytes(size_t size, uint32_t seed);
std::string TextOfSize(size_t size, char fill = 'a');

/// Downloads `path` at `rev` through /resolve.
std::string Resolve(HubServer& hub, const std::string& repo, const std::string& rev,
                    const std::string& path, const std::string& token = kWriteToken);

/// A stats counter as an integer; "lfs.puts" reads a nested key. -1 when absent.
int64_t StatInt(const Poco::JSON::Object::Ptr& stats, const std::string& key);

}  // namespace hftest
