#pragma once

// Access tokens for Cloud Storage, found the way Google's own clients find them
// ("Application Default Credentials"): GOOGLE_APPLICATION_CREDENTIALS (a service-account key
// or an authorized-user file), gcloud's well-known file, the metadata server, else none.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "modelpusher/http.h"
#include "modelpusher/secret.h"
#include "modelpusher/status.h"

namespace modelpusher::gcs {

/// The read-only scope; a pusher never writes to the source bucket.
inline constexpr const char* kReadOnlyScope =
    "https://www.googleapis.com/auth/devstorage.read_only";

/// Hands out bearer tokens, fetching a new one shortly before the cached one expires.
/// Thread safe. Tokens are Secrets: registered for redaction, never logged.
class TokenProvider {
 public:
  virtual ~TokenProvider() = default;
  /// An empty Secret means: send no Authorization header (anonymous, emulator).
  /// Errors: kUnauthenticated (the token endpoint refused), kUnavailable.
  Result<Secret> Token();
  /// Where the token comes from, for messages ("service account x@y from FILE").
  virtual std::string Describe() const = 0;

 protected:
  struct Fetched {
    Secret token;
    double expires_in_s = 3600;
  };
  virtual Result<Fetched> Fetch() = 0;

 private:
  std::mutex mutex_;
  Secret cached_;  // guarded by mutex_
  std::chrono::steady_clock::time_point refresh_at_;  // guarded by mutex_
  bool fetched_ = false;  // guarded by mutex_
};

/// Signs `data` with RSASSA-PKCS1-v1_5 SHA-256 under a PEM private key (OpenSSL).
/// Errors: kInvalidArgument when the key does not parse.
Result<std::string> SignRs256(const std::string& pem_private_key, const std::string& data);

/// The JWT a service account presents at its token_uri (RFC 7523), signed with RS256.
Result<std::string> MakeServiceAccountJwt(const std::string& client_email,
                                          const std::string& private_key_id,
                                          const std::string& pem_private_key,
                                          const std::string& audience, std::time_t now);

/// Options that change the look-up (from the source block).
struct AuthOptions {
  bool anonymous = false;
  /// A credentials file given in the config; overrides GOOGLE_APPLICATION_CREDENTIALS.
  std::string credentials_file;
};

/// Finds credentials in the order above. The metadata server is tried only when
/// GCE_METADATA_HOST is set or the machine says it is a Google Compute Engine VM (DMI
/// product name), and only after a quick probe answers with Metadata-Flavor: Google.
/// Errors: kInvalidArgument (a credentials file that is not a known kind), kNotFound (the
/// named file is missing).
Result<std::unique_ptr<TokenProvider>> FindCredentials(const AuthOptions& options,
                                                       HttpClient& http);

}  // namespace modelpusher::gcs
