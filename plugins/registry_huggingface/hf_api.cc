#include "hf_api.h"

#include <chrono>
#include <thread>

#include "hf_json.h"
#include "modelpusher/hash.h"
#include "modelpusher/log.h"
#include "modelpusher/url.h"

namespace modelpusher::hf {
namespace {

// The server's own words about an error: X-Error-Message, else the JSON body's "error",
// "message" or "errors[0].message", else a short raw body. Redacted: a server may echo input.
std::string ServerMessage(const HttpResponse& r) {
  if (auto m = r.headers.Get("X-Error-Message"); m && !m->empty()) return log::Redact(*m);
  auto obj = ParseObject(r.body, "error");
  if (obj.ok()) {
    for (const char* key : {"error", "message"}) {
      std::string s = GetStr(*obj, key);
      if (!s.empty()) return log::Redact(s);
    }
    auto errors = GetArr(*obj, "errors");
    if (!errors.isNull() && errors->size() > 0) {
      return log::Redact(GetStr(errors->getObject(0), "message"));
    }
  }
  std::string raw = r.body.substr(0, 200);
  if (raw.find('<') != std::string::npos) return "";  // an HTML error page says nothing useful
  return log::Redact(raw);
}

std::string Detail(const HttpResponse& r) {
  std::string msg = ServerMessage(r);
  std::string out = " (HTTP " + std::to_string(r.status);
  if (!msg.empty()) out += ": " + msg;
  if (auto id = r.headers.Get("x-request-id")) out += "; request id " + *id;
  return out + ")";
}

}  // namespace

Status MapHubError(const HttpResponse& r, const std::string& doing, const std::string& repo_id) {
  std::string code = r.headers.Get("X-Error-Code").value_or("");
  std::string detail = Detail(r);
  if (code == "RepoNotFound") {
    return NotFoundError(doing + ": repository " + repo_id + " not found, or private and "
                         "invisible to this token; check the repo name and the token" + detail);
  }
  if (code == "RevisionNotFound") {
    return NotFoundError(doing + ": revision not found in " + repo_id +
                         "; check `base` and the branch name" + detail);
  }
  switch (r.status) {
    case 400:
      return InvalidArgumentError(doing + ": the Hub refused the request" + detail);
    case 401:
      return UnauthenticatedError(doing + ": token invalid or missing: set HF_TOKEN (or "
                                  "`token:` in the config) to a valid write token" + detail);
    case 402:
    case 403:
      return PermissionDeniedError(doing + ": token lacks write access to " + repo_id +
                                   ": use a write token with access to that namespace" + detail);
    case 404:
      return NotFoundError(doing + ": not found" + detail);
    case 409:
      return AlreadyExistsError(doing + ": conflict, it already exists" + detail);
    case 412:
      return FailedPreconditionError(doing + ": the branch moved meanwhile (parent commit is "
                                     "no longer its head); rerun the push" + detail);
    case 413:
      return ResourceExhaustedError(doing + ": payload too large for the Hub; lower "
                                    "max_commit_bytes or lfs_threshold" + detail);
    case 429:
      return UnavailableError(doing + ": rate limited by the Hub, retries spent; try again "
                              "later" + detail);
    default:
      break;
  }
  if (r.status >= 500) {
    return UnavailableError(doing + ": the Hub failed, retries spent; try again later" + detail);
  }
  return InternalError(doing + ": unexpected answer" + detail);
}

std::string EncodeRevision(const std::string& rev) { return PercentEncode(rev, ""); }
std::string EncodeRepoPath(const std::string& path) { return PercentEncode(path, "/"); }

std::string RefList::BranchHead(const std::string& name) const {
  for (const auto& b : branches) {
    if (b.name == name) return b.target_commit;
  }
  return "";
}

std::string RefList::TagTarget(const std::string& name) const {
  for (const auto& t : tags) {
    if (t.name == name) return t.target_commit;
  }
  return "";
}

std::string HubApi::ApiRepoUrl() const {
  return config_.endpoint + "/api/models/" + config_.owner + "/" + config_.name;
}

std::string HubApi::WebRepoUrl() const {
  return config_.endpoint + "/" + config_.owner + "/" + config_.name;
}

bool HubApi::IsHubOrigin(const std::string& url) const {
  auto a = Url::Parse(url);
  auto b = Url::Parse(config_.endpoint);
  return a.ok() && b.ok() && a->SameOrigin(*b);
}

HttpRequest HubApi::HubRequest(const std::string& method, const std::string& url) const {
  HttpRequest req;
  req.method = method;
  req.url = url;
  if (!config_.token.empty() && IsHubOrigin(url)) {
    req.headers.Set("Authorization", "Bearer " + config_.token.Reveal());
  }
  return req;
}

Result<HttpResponse> HubApi::SendRateLimited(HttpRequest request, int max_attempts,
                                             double deadline_s, int* attempts) {
  RetryPolicy once;
  once.max_attempts = 1;
  request.retry = once;
  auto start = std::chrono::steady_clock::now();
  double delay = 1.0;
  for (int attempt = 1;; ++attempt) {
    MP_ASSIGN_OR_RETURN(HttpResponse r, http_.Send(request));
    if (attempts != nullptr) *attempts = attempt;
    if ((r.status != 429 && r.status != 503) || attempt >= max_attempts) return r;
    double wait = RetryAfterSeconds(r.headers).value_or(delay);
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed + wait > deadline_s) return r;
    log::Warn("hub asked to slow down; retrying",
              {{"status", r.status}, {"wait_s", wait}, {"url", RedactUrl(request.url)}});
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    delay = std::min(delay * 2, 8.0);
  }
}

Result<WhoAmIInfo> HubApi::WhoAmI() {
  if (config_.token.empty()) {
    return UnauthenticatedError(
        "no Hugging Face token found: set HF_TOKEN, or `token: {env: NAME}` / `token: {file: "
        "PATH}` in the config, or log in so that $HF_HOME/token exists");
  }
  MP_ASSIGN_OR_RETURN(HttpResponse r,
                      http_.Send(HubRequest("GET", config_.endpoint + "/api/whoami-v2")));
  if (r.status == 401) {
    return UnauthenticatedError("token from " + config_.token_origin +
                                " is invalid: set HF_TOKEN to a valid write token" + Detail(r));
  }
  if (r.status != 200) return MapHubError(r, "checking the token (whoami-v2)", RepoId());
  MP_ASSIGN_OR_RETURN(auto obj, ParseObject(r.body, "whoami answer"));
  WhoAmIInfo info;
  info.name = GetStr(obj, "name");
  if (auto orgs = GetArr(obj, "orgs"); !orgs.isNull()) {
    for (size_t i = 0; i < orgs->size(); ++i) {
      info.orgs.push_back(GetStr(orgs->getObject(i), "name"));
    }
  }
  info.role = GetStr(GetObj(GetObj(obj, "auth"), "accessToken"), "role");
  return info;
}

Result<bool> HubApi::RepoExists() {
  MP_ASSIGN_OR_RETURN(HttpResponse r, http_.Send(HubRequest("GET", ApiRepoUrl())));
  if (r.status == 200) return true;
  if (r.status == 404 || (r.status == 401 && r.headers.Get("X-Error-Code") == "RepoNotFound")) {
    return false;
  }
  return MapHubError(r, "looking up repository " + RepoId(), RepoId());
}

Result<bool> HubApi::CreateRepo() {
  Poco::JSON::Object body;
  body.set("name", config_.name);
  body.set("organization", config_.owner);
  body.set("type", "model");
  body.set("visibility", config_.private_repo ? "private" : "public");
  body.set("private", config_.private_repo);
  // The Hub answers concurrent creations with 409 "another conflicting operation is in
  // progress"; that is not "exists", so wait a little and ask again (bounded).
  for (int attempt = 1;; ++attempt) {
    HttpRequest req = HubRequest("POST", config_.endpoint + "/api/repos/create");
    req.headers.Set("Content-Type", "application/json");
    req.body = ToJson(body);
    MP_ASSIGN_OR_RETURN(HttpResponse r, SendRateLimited(req, 5, 120));
    if (r.status == 200 || r.status == 201) return true;
    bool busy = r.status == 409 && r.body.find("conflicting operation") != std::string::npos;
    if (r.status == 409 && !busy) return false;
    if (!busy || attempt >= 10) return MapHubError(r, "creating repository " + RepoId(), RepoId());
    std::this_thread::sleep_for(std::chrono::milliseconds(500 * attempt));
  }
}

Status HubApi::CreateBranch(const std::string& branch, const std::string& starting_point) {
  Poco::JSON::Object body;
  body.set("startingPoint", starting_point);
  HttpRequest req = HubRequest("POST", ApiRepoUrl() + "/branch/" + EncodeRevision(branch));
  req.headers.Set("Content-Type", "application/json");
  req.body = ToJson(body);
  MP_ASSIGN_OR_RETURN(HttpResponse r, SendRateLimited(req, 5, 120));
  if (r.status == 200 || r.status == 201) return Status::Ok();
  return MapHubError(r, "creating branch '" + branch + "' from '" + starting_point + "' in " +
                            RepoId(), RepoId());
}

Status HubApi::DeleteBranch(const std::string& branch) {
  HttpRequest req = HubRequest("DELETE", ApiRepoUrl() + "/branch/" + EncodeRevision(branch));
  MP_ASSIGN_OR_RETURN(HttpResponse r, SendRateLimited(req, 5, 60));
  if (r.status == 200 || r.status == 204) return Status::Ok();
  return MapHubError(r, "deleting branch '" + branch + "' of " + RepoId(), RepoId());
}

Status HubApi::CreateTag(const std::string& tag, const std::string& revision) {
  Poco::JSON::Object body;
  body.set("tag", tag);
  HttpRequest req = HubRequest("POST", ApiRepoUrl() + "/tag/" + EncodeRevision(revision));
  req.headers.Set("Content-Type", "application/json");
  req.body = ToJson(body);
  MP_ASSIGN_OR_RETURN(HttpResponse r, SendRateLimited(req, 5, 120));
  if (r.status == 200 || r.status == 201) return Status::Ok();
  return MapHubError(r, "creating tag '" + tag + "' in " + RepoId(), RepoId());
}

Result<RefList> HubApi::ListRefs() {
  MP_ASSIGN_OR_RETURN(HttpResponse r, http_.Send(HubRequest("GET", ApiRepoUrl() + "/refs")));
  if (r.status != 200) return MapHubError(r, "listing refs of " + RepoId(), RepoId());
  MP_ASSIGN_OR_RETURN(auto obj, ParseObject(r.body, "refs listing"));
  RefList out;
  for (auto [key, into] : {std::pair{"branches", &out.branches}, std::pair{"tags", &out.tags}}) {
    auto arr = GetArr(obj, key);
    for (size_t i = 0; !arr.isNull() && i < arr->size(); ++i) {
      auto ref = arr->getObject(i);
      into->push_back({GetStr(ref, "name"), GetStr(ref, "targetCommit")});
    }
  }
  return out;
}

namespace {

// The URL of `Link: <url>; rel="next"`, or "".
std::string NextLink(const HttpHeaders& headers) {
  std::string link = headers.Get("Link").value_or("");
  size_t pos = 0;
  while ((pos = link.find('<', pos)) != std::string::npos) {
    size_t end = link.find('>', pos);
    if (end == std::string::npos) break;
    size_t next = link.find('<', end);
    std::string params = link.substr(end, next == std::string::npos ? next : next - end);
    if (params.find("rel=\"next\"") != std::string::npos ||
        params.find("rel=next") != std::string::npos) {
      return link.substr(pos + 1, end - pos - 1);
    }
    pos = end;
  }
  return "";
}

}  // namespace

Result<std::vector<TreeFile>> HubApi::ListTree(const std::string& rev) {
  std::vector<TreeFile> out;
  std::string url = ApiRepoUrl() + "/tree/" + EncodeRevision(rev) + "?recursive=true&expand=false";
  for (int page = 0; !url.empty(); ++page) {
    if (page > 10000) return InternalError("tree listing of " + RepoId() + " never ends");
    MP_ASSIGN_OR_RETURN(HttpResponse r, http_.Send(HubRequest("GET", url)));
    if (r.status != 200) return MapHubError(r, "listing files of " + rev, RepoId());
    MP_ASSIGN_OR_RETURN(auto arr, ParseArray(r.body, "tree listing"));
    for (size_t i = 0; i < arr->size(); ++i) {
      auto e = arr->getObject(i);
      if (GetStr(e, "type") != "file") continue;
      TreeFile f{GetStr(e, "path"), GetStr(e, "oid"),
                 static_cast<uint64_t>(GetInt(e, "size", 0)), GetStr(GetObj(e, "lfs"), "oid")};
      out.push_back(std::move(f));
    }
    url = NextLink(r.headers);
    if (!url.empty() && !IsHubOrigin(url)) {
      return InternalError("tree listing of " + RepoId() + " points to another host");
    }
  }
  return out;
}

Result<std::vector<bool>> HubApi::PreuploadBatch(const std::string& rev,
                                                 const std::vector<PreuploadFile>& files,
                                                 size_t begin, size_t end) {
  Poco::JSON::Array::Ptr arr = new Poco::JSON::Array;
  for (size_t i = begin; i < end; ++i) {
    Poco::JSON::Object::Ptr f = new Poco::JSON::Object;
    f->set("path", files[i].path);
    f->set("size", files[i].size);
    f->set("sample", Base64Encode(files[i].sample));
    arr->add(f);
  }
  Poco::JSON::Object body;
  body.set("files", arr);
  HttpRequest req = HubRequest("POST", ApiRepoUrl() + "/preupload/" + EncodeRevision(rev));
  req.headers.Set("Content-Type", "application/json");
  req.body = ToJson(body);
  MP_ASSIGN_OR_RETURN(HttpResponse r, http_.Send(req));
  if (r.status == 413 && end - begin > 1) {
    // The server's body limit is not advertised: halve the batch until it fits.
    size_t mid = begin + (end - begin) / 2;
    MP_ASSIGN_OR_RETURN(auto left, PreuploadBatch(rev, files, begin, mid));
    MP_ASSIGN_OR_RETURN(auto right, PreuploadBatch(rev, files, mid, end));
    left.insert(left.end(), right.begin(), right.end());
    return left;
  }
  if (r.status != 200) return MapHubError(r, "asking the Hub how to upload files", RepoId());
  MP_ASSIGN_OR_RETURN(auto obj, ParseObject(r.body, "preupload answer"));
  auto answer = GetArr(obj, "files");
  std::vector<bool> lfs(end - begin, false);
  for (size_t i = 0; !answer.isNull() && i < answer->size(); ++i) {
    auto e = answer->getObject(i);
    std::string mode = GetStr(e, "uploadMode");
    if (mode != "lfs" && mode != "regular") {
      return InternalError("unexpected preupload answer: uploadMode '" + mode + "'");
    }
    for (size_t j = begin; j < end; ++j) {
      if (files[j].path == GetStr(e, "path")) lfs[j - begin] = mode == "lfs";
    }
  }
  return lfs;
}

Result<std::vector<bool>> HubApi::PreuploadModes(const std::string& rev,
                                                 const std::vector<PreuploadFile>& files) {
  constexpr size_t kBatch = 256;
  std::vector<bool> out;
  for (size_t begin = 0; begin < files.size(); begin += kBatch) {
    size_t end = std::min(files.size(), begin + kBatch);
    MP_ASSIGN_OR_RETURN(auto part, PreuploadBatch(rev, files, begin, end));
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

Result<HttpResponse> HubApi::PostCommit(const std::string& rev, std::string body, int* attempts) {
  HttpRequest req = HubRequest("POST", ApiRepoUrl() + "/commit/" + EncodeRevision(rev));
  req.headers.Set("Content-Type", "application/x-ndjson");
  req.body = std::move(body);
  return SendRateLimited(std::move(req), 6, 300, attempts);
}

}  // namespace modelpusher::hf
