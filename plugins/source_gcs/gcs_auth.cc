#include "gcs_auth.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "modelpusher/hash.h"
#include "modelpusher/log.h"
#include "modelpusher/url.h"

namespace modelpusher::gcs {
namespace {

constexpr const char* kGoogleTokenUri = "https://oauth2.googleapis.com/token";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::string JsonString(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  return object->has(key) && !object->get(key).isEmpty() ? object->getValue<std::string>(key)
                                                         : "";
}


class NoCredentials : public TokenProvider {
 public:
  explicit NoCredentials(std::string why) : why_(std::move(why)) {}
  std::string Describe() const override { return why_; }

 protected:
  Result<Fetched> Fetch() override { return Fetched{Secret(), 1e9}; }

 private:
  std::string why_;
};

// A token endpoint answer: {"access_token": ..., "expires_in": ...}.
Result<std::pair<Secret, double>> ParseTokenAnswer(const HttpResponse& response,
                                                   const std::string& what) {
  if (response.status == 400 || response.status == 401 || response.status == 403) {
    std::string detail = response.body.substr(0, 300);
    return UnauthenticatedError(what + " refused the credentials (HTTP " +
                                std::to_string(response.status) + ": " +
                                log::Redact(detail) + "); check the credentials file");
  }
  if (response.status != 200) {
    return UnavailableError(what + " answered HTTP " + std::to_string(response.status) +
                            "; try again later");
  }
  try {
    auto object = Poco::JSON::Parser().parse(response.body).extract<Poco::JSON::Object::Ptr>();
    std::string token = JsonString(object, "access_token");
    if (token.empty()) return UnauthenticatedError(what + " gave no access_token");
    double expires_in = object->has("expires_in") ? object->getValue<double>("expires_in")
                                                  : 3600.0;
    return std::make_pair(Secret(token), expires_in);
  } catch (const Poco::Exception& e) {
    return UnavailableError(what + " answered with something that is not a token (" +
                            e.displayText() + ")");
  }
}

Result<std::pair<Secret, double>> PostForm(HttpClient& http, const std::string& url,
                                           const std::string& form, const std::string& what) {
  HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  request.body = form;
  MP_ASSIGN_OR_RETURN(HttpResponse response, http.Send(request, 1 << 20));
  return ParseTokenAnswer(response, what);
}

class ServiceAccount : public TokenProvider {
 public:
  ServiceAccount(HttpClient& http, std::string file, std::string email, std::string key_id,
                 Secret key, std::string token_uri)
      : http_(http),
        file_(std::move(file)),
        email_(std::move(email)),
        key_id_(std::move(key_id)),
        key_(std::move(key)),
        token_uri_(std::move(token_uri)) {}

  std::string Describe() const override {
    return "service account " + email_ + " from " + file_;
  }

 protected:
  Result<Fetched> Fetch() override {
    MP_ASSIGN_OR_RETURN(std::string jwt, MakeServiceAccountJwt(email_, key_id_, key_.Reveal(),
                                                               token_uri_, std::time(nullptr)));
    Secret assertion(jwt);
    std::string form = "grant_type=" +
                       PercentEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                       "&assertion=" + PercentEncode(assertion.Reveal());
    MP_ASSIGN_OR_RETURN(auto answer, PostForm(http_, token_uri_, form,
                                              "the token endpoint for " + email_));
    return Fetched{answer.first, answer.second};
  }

 private:
  HttpClient& http_;
  std::string file_, email_, key_id_;
  Secret key_;
  std::string token_uri_;
};

class AuthorizedUser : public TokenProvider {
 public:
  AuthorizedUser(HttpClient& http, std::string file, std::string client_id, Secret secret,
                 Secret refresh_token, std::string token_uri)
      : http_(http),
        file_(std::move(file)),
        client_id_(std::move(client_id)),
        client_secret_(std::move(secret)),
        refresh_token_(std::move(refresh_token)),
        token_uri_(std::move(token_uri)) {}

  std::string Describe() const override { return "authorized user from " + file_; }

 protected:
  Result<Fetched> Fetch() override {
    std::string form = "grant_type=refresh_token&client_id=" + PercentEncode(client_id_) +
                       "&client_secret=" + PercentEncode(client_secret_.Reveal()) +
                       "&refresh_token=" + PercentEncode(refresh_token_.Reveal());
    MP_ASSIGN_OR_RETURN(auto answer,
                        PostForm(http_, token_uri_, form, "the token endpoint for " + file_));
    return Fetched{answer.first, answer.second};
  }

 private:
  HttpClient& http_;
  std::string file_, client_id_;
  Secret client_secret_, refresh_token_;
  std::string token_uri_;
};

class MetadataServer : public TokenProvider {
 public:
  MetadataServer(HttpClient& http, std::string host) : http_(http), host_(std::move(host)) {}

  std::string Describe() const override { return "metadata server " + host_; }

 protected:
  Result<Fetched> Fetch() override {
    HttpRequest request;
    request.url = "http://" + host_ +
                  "/computeMetadata/v1/instance/service-accounts/default/token";
    request.headers.Set("Metadata-Flavor", "Google");
    MP_ASSIGN_OR_RETURN(HttpResponse response, http_.Send(request, 1 << 20));
    MP_ASSIGN_OR_RETURN(auto answer, ParseTokenAnswer(response, "the metadata server"));
    return Fetched{answer.first, answer.second};
  }

 private:
  HttpClient& http_;
  std::string host_;
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError("cannot read credentials file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::unique_ptr<TokenProvider>> FromFile(const std::string& path, HttpClient& http) {
  MP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  Poco::JSON::Object::Ptr object;
  try {
    object = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return InvalidArgumentError("credentials file " + path + " is not JSON (" +
                                e.displayText() + ")");
  }
  std::string type = JsonString(object, "type");
  std::string token_uri = JsonString(object, "token_uri");
  if (token_uri.empty()) token_uri = kGoogleTokenUri;
  if (type == "service_account") {
    std::string email = JsonString(object, "client_email");
    std::string key = JsonString(object, "private_key");
    if (email.empty() || key.empty()) {
      return InvalidArgumentError("service-account file " + path +
                                  " lacks client_email or private_key");
    }
    return std::unique_ptr<TokenProvider>(new ServiceAccount(
        http, path, email, JsonString(object, "private_key_id"), Secret(key), token_uri));
  }
  if (type == "authorized_user") {
    std::string refresh = JsonString(object, "refresh_token");
    if (refresh.empty()) {
      return InvalidArgumentError("authorized-user file " + path + " lacks refresh_token");
    }
    return std::unique_ptr<TokenProvider>(
        new AuthorizedUser(http, path, JsonString(object, "client_id"),
                           Secret(JsonString(object, "client_secret")), Secret(refresh),
                           token_uri));
  }
  // Limitation: external_account (workload identity federation) and impersonated service
  // accounts are not supported; they need STS and IAM calls; the source refuses the file.
  return InvalidArgumentError("credentials file " + path + " has type \"" + type +
                              "\"; supported: service_account, authorized_user");
}

bool LooksLikeGce() {
  std::ifstream in("/sys/class/dmi/id/product_name");
  std::string name;
  std::getline(in, name);
  return name.find("Google") != std::string::npos;
}

// A quick probe: does something that claims to be the metadata server answer?
bool MetadataAnswers(const std::string& host) {
  HttpClient::Options options;
  options.connect_timeout_s = 1;
  options.io_timeout_s = 2;
  options.retry.max_attempts = 1;
  HttpClient probe(options);
  HttpRequest request;
  request.url = "http://" + host + "/computeMetadata/v1/";
  request.headers.Set("Metadata-Flavor", "Google");
  auto response = probe.Send(request, 1 << 16);
  return response.ok() &&
         response->headers.Get("Metadata-Flavor").value_or("") == "Google";
}

}  // namespace

Result<Secret> TokenProvider::Token() {
  std::lock_guard<std::mutex> lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (fetched_ && now < refresh_at_) return cached_;
  MP_ASSIGN_OR_RETURN(Fetched fetched, Fetch());
  // Refresh a little before expiry so that a request never carries a token that dies in
  // flight: a minute early, or at half-life for short-lived tokens.
  double margin = std::min(60.0, fetched.expires_in_s / 2);
  refresh_at_ = now + std::chrono::milliseconds(
                          static_cast<int64_t>((fetched.expires_in_s - margin) * 1000));
  cached_ = fetched.token;
  fetched_ = true;
  log::Debug("gcs token fetched", {{"from", Describe()}, {"expires_in_s", fetched.expires_in_s}});
  return cached_;
}

Result<std::string> SignRs256(const std::string& pem_private_key, const std::string& data) {
  BIO* bio = BIO_new_mem_buf(pem_private_key.data(), static_cast<int>(pem_private_key.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return InvalidArgumentError("the service account's private_key is not PEM");
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  size_t size = 0;
  std::string signature;
  bool ok = EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestSign(context, nullptr, &size,
                           reinterpret_cast<const unsigned char*>(data.data()),
                           data.size()) == 1;
  if (ok) {
    signature.resize(size);
    ok = EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &size,
                        reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    signature.resize(size);
  }
  EVP_MD_CTX_free(context);
  EVP_PKEY_free(key);
  if (!ok) return InternalError("RS256 signing failed in OpenSSL");
  return signature;
}

Result<std::string> MakeServiceAccountJwt(const std::string& client_email,
                                          const std::string& private_key_id,
                                          const std::string& pem_private_key,
                                          const std::string& audience, std::time_t now) {
  Poco::JSON::Object header, claims;
  header.set("alg", "RS256");
  header.set("typ", "JWT");
  if (!private_key_id.empty()) header.set("kid", private_key_id);
  claims.set("iss", client_email);
  claims.set("scope", kReadOnlyScope);
  claims.set("aud", audience);
  claims.set("iat", static_cast<int64_t>(now));
  claims.set("exp", static_cast<int64_t>(now) + 3600);
  std::ostringstream header_text, claims_text;
  header.stringify(header_text);
  claims.stringify(claims_text);
  std::string signing_input =
      Base64UrlEncode(header_text.str()) + "." + Base64UrlEncode(claims_text.str());
  MP_ASSIGN_OR_RETURN(std::string signature, SignRs256(pem_private_key, signing_input));
  return signing_input + "." + Base64UrlEncode(signature);
}

Result<std::unique_ptr<TokenProvider>> FindCredentials(const AuthOptions& options,
                                                       HttpClient& http) {
  if (options.anonymous) {
    return std::unique_ptr<TokenProvider>(new NoCredentials("anonymous (asked for)"));
  }
  std::string file = options.credentials_file;
  if (file.empty()) file = Env("GOOGLE_APPLICATION_CREDENTIALS");
  if (!file.empty()) return FromFile(file, http);

  std::string gcloud_dir = Env("CLOUDSDK_CONFIG");
  if (gcloud_dir.empty() && !Env("HOME").empty()) gcloud_dir = Env("HOME") + "/.config/gcloud";
  std::string well_known = gcloud_dir + "/application_default_credentials.json";
  if (!gcloud_dir.empty() && std::ifstream(well_known).good()) return FromFile(well_known, http);

  std::string metadata_host = Env("GCE_METADATA_HOST");
  if (metadata_host.empty() && LooksLikeGce()) metadata_host = "metadata.google.internal";
  if (!metadata_host.empty() && MetadataAnswers(metadata_host)) {
    return std::unique_ptr<TokenProvider>(new MetadataServer(http, metadata_host));
  }
  log::Debug("gcs: no credentials found; requests go unauthenticated (public buckets only)");
  return std::unique_ptr<TokenProvider>(new NoCredentials(
      "anonymous (no GOOGLE_APPLICATION_CREDENTIALS, gcloud file or metadata server)"));
}

}  // namespace modelpusher::gcs
