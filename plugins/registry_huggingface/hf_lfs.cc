#include "hf_lfs.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <unordered_set>

#include "hf_json.h"
#include "modelpusher/log.h"
#include "modelpusher/parallel.h"
#include "modelpusher/url.h"

namespace modelpusher::hf {
namespace {

constexpr const char* kLfsMediaType = "application/vnd.git-lfs+json";
constexpr size_t kPartThreads = 4;

// One object the server asked for.
struct Action {
  const ManifestEntry* file = nullptr;
  std::string href;
  Poco::JSON::Object::Ptr header;
  std::string verify_href;
};

struct Upload {
  HubApi& api;
  const FileOpener& open;
  Progress* progress;
};

HttpRequest UploadRequest(const Upload& up, const Action& a, const std::string& url,
                          uint64_t offset, uint64_t length) {
  HttpRequest req;
  req.method = "PUT";
  req.url = url;
  // The upload URL is the credential; no Hub token and no credential header may follow it.
  req.credential_headers.clear();
  const ManifestEntry* file = a.file;
  FileOpener open = up.open;
  Progress* progress = up.progress;
  req.body_source = [open, file, offset, length,
                     progress]() -> Result<std::unique_ptr<ByteReader>> {
    MP_ASSIGN_OR_RETURN(auto reader, open(*file, offset, length));
    return MakeProgressReader(std::move(reader), progress, file->path);
  };
  req.body_size = length;
  return req;
}

Status PutBasic(const Upload& up, const Action& a) {
  HttpRequest req = UploadRequest(up, a, a.href, 0, a.file->size);
  if (!a.header.isNull()) {
    for (const auto& [name, value] : *a.header) {
      if (value.isString()) req.headers.Set(name, value.extract<std::string>());
    }
  }
  if (!req.headers.Has("Content-Type")) req.headers.Set("Content-Type", "application/octet-stream");
  MP_ASSIGN_OR_RETURN(HttpResponse r, up.api.http().Send(req, 1 << 20));
  if (r.status / 100 != 2) {
    return MapHubError(r, "uploading " + a.file->path + " to LFS storage", up.api.RepoId());
  }
  return Status::Ok();
}

Status PutMultipart(const Upload& up, const Action& a) {
  uint64_t chunk = static_cast<uint64_t>(GetInt(a.header, "chunk_size", 0));
  std::map<int64_t, std::string> parts;
  for (const auto& [key, value] : *a.header) {
    if (key.empty() || key.find_first_not_of("0123456789") != std::string::npos) continue;
    if (value.isString()) parts[std::stoll(key)] = value.extract<std::string>();
  }
  uint64_t expected = chunk == 0 ? 0 : (a.file->size + chunk - 1) / chunk;
  if (chunk == 0 || parts.size() != expected) {
    return InternalError("the Hub's multipart answer for " + a.file->path + " has " +
                         std::to_string(parts.size()) + " part URLs for " +
                         std::to_string(expected) + " parts of chunk_size " +
                         std::to_string(chunk) + "; cannot upload it");
  }
  // Parts go up in parallel (a few at a time: the objects themselves are already spread
  // over DefaultTransferThreads), each streamed from its own offset.
  std::vector<std::pair<int64_t, std::string>> numbered(parts.begin(), parts.end());
  std::vector<std::string> etag_of(numbered.size());
  Status sent = ParallelFor(numbered.size(), kPartThreads, [&](size_t i) -> Status {
    const auto& [number, url] = numbered[i];
    uint64_t offset = chunk * i;
    uint64_t length = std::min(chunk, a.file->size - offset);
    MP_ASSIGN_OR_RETURN(HttpResponse r,
                        up.api.http().Send(UploadRequest(up, a, url, offset, length), 1 << 20));
    if (r.status / 100 != 2) {
      return MapHubError(r, "uploading part " + std::to_string(number) + " of " + a.file->path,
                         up.api.RepoId());
    }
    etag_of[i] = r.headers.Get("ETag").value_or("");
    if (etag_of[i].empty()) {
      return DataLossError("LFS storage answered part " + std::to_string(number) + " of " +
                           a.file->path + " without an ETag; cannot complete the upload");
    }
    return Status::Ok();
  });
  MP_RETURN_IF_ERROR(sent);
  Poco::JSON::Array::Ptr etags = new Poco::JSON::Array;
  for (size_t i = 0; i < numbered.size(); ++i) {
    Poco::JSON::Object::Ptr p = new Poco::JSON::Object;
    p->set("partNumber", numbered[i].first);
    p->set("etag", etag_of[i]);
    etags->add(p);
  }
  Poco::JSON::Object body;
  body.set("oid", a.file->sha256);
  body.set("parts", etags);
  HttpRequest done;
  done.method = "POST";
  done.url = a.href;
  done.credential_headers.clear();  // the completion URL carries its own credential
  done.headers.Set("Content-Type", kLfsMediaType);
  done.headers.Set("Accept", kLfsMediaType);
  done.body = ToJson(body);
  MP_ASSIGN_OR_RETURN(HttpResponse r, up.api.http().Send(done));
  if (r.status / 100 != 2) {
    return MapHubError(r, "completing the multipart upload of " + a.file->path, up.api.RepoId());
  }
  return Status::Ok();
}

Status Verify(const Upload& up, const Action& a) {
  if (a.verify_href.empty()) return Status::Ok();
  // Verify is a Hub call: the token goes along only when the URL is on the Hub's origin.
  HttpRequest req = up.api.HubRequest("POST", a.verify_href);
  req.headers.Set("Content-Type", kLfsMediaType);
  req.headers.Set("Accept", kLfsMediaType);
  Poco::JSON::Object body;
  body.set("oid", a.file->sha256);
  body.set("size", a.file->size);
  req.body = ToJson(body);
  MP_ASSIGN_OR_RETURN(HttpResponse r, up.api.http().Send(req));
  if (r.status / 100 != 2) {
    return MapHubError(r, "verifying the LFS upload of " + a.file->path, up.api.RepoId());
  }
  return Status::Ok();
}

Status ParseActions(const std::string& body, const std::vector<const ManifestEntry*>& files,
                    std::vector<Action>* out, uint64_t* skipped) {
  MP_ASSIGN_OR_RETURN(auto obj, ParseObject(body, "LFS batch answer"));
  MP_RETURN_IF_ERROR(CheckLfsTransfer(GetStr(obj, "transfer")));
  auto objects = GetArr(obj, "objects");
  for (size_t i = 0; !objects.isNull() && i < objects->size(); ++i) {
    auto o = objects->getObject(i);
    std::string oid = GetStr(o, "oid");
    auto it = std::find_if(files.begin(), files.end(),
                           [&](const ManifestEntry* f) { return f->sha256 == oid; });
    if (it == files.end()) continue;
    if (auto err = GetObj(o, "error"); !err.isNull()) {
      return InvalidArgumentError("the Hub refused LFS object " + (*it)->path + ": " +
                                  GetStr(err, "message") + " (code " +
                                  std::to_string(GetInt(err, "code", 0)) + ")");
    }
    auto actions = GetObj(o, "actions");
    auto upload = GetObj(actions, "upload");
    if (upload.isNull()) {
      ++*skipped;  // already stored: nothing to send
      continue;
    }
    Action a{*it, GetStr(upload, "href"), GetObj(upload, "header"),
             GetStr(GetObj(actions, "verify"), "href")};
    if (a.href.empty()) return InternalError("LFS batch answer without an upload href");
    out->push_back(std::move(a));
  }
  return Status::Ok();
}

Status Batch(HubApi& api, const std::vector<const ManifestEntry*>& files, size_t begin,
             size_t end, const std::string& ref_name, std::vector<Action>* out,
             uint64_t* skipped) {
  Poco::JSON::Array::Ptr objects = new Poco::JSON::Array;
  for (size_t i = begin; i < end; ++i) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("oid", files[i]->sha256);
    o->set("size", files[i]->size);
    objects->add(o);
  }
  Poco::JSON::Array::Ptr transfers = new Poco::JSON::Array;
  transfers->add("basic");
  transfers->add("multipart");
  Poco::JSON::Object ref;
  ref.set("name", ref_name);
  Poco::JSON::Object body;
  body.set("operation", "upload");
  body.set("transfers", transfers);
  body.set("objects", objects);
  body.set("hash_algo", "sha256");
  body.set("ref", ref);
  HttpRequest req = api.HubRequest("POST", api.WebRepoUrl() + ".git/info/lfs/objects/batch");
  req.headers.Set("Content-Type", kLfsMediaType);
  req.headers.Set("Accept", kLfsMediaType);
  req.body = ToJson(body);
  MP_ASSIGN_OR_RETURN(HttpResponse r, api.http().Send(req));
  if (r.status == 413 && end - begin > 1) {
    size_t mid = begin + (end - begin) / 2;
    MP_RETURN_IF_ERROR(Batch(api, files, begin, mid, ref_name, out, skipped));
    return Batch(api, files, mid, end, ref_name, out, skipped);
  }
  if (r.status != 200) return MapHubError(r, "asking the LFS batch API", api.RepoId());
  return ParseActions(r.body, std::vector<const ManifestEntry*>(files.begin() + begin,
                                                                files.begin() + end),
                      out, skipped);
}

}  // namespace

Status CheckLfsTransfer(const std::string& transfer) {
  if (transfer.empty() || transfer == "basic" || transfer == "multipart") return Status::Ok();
  return UnimplementedError("the Hub answered the LFS batch with transfer '" + transfer +
                            "' (Xet storage); modelpusher speaks basic and multipart LFS only; "
                            "upload this repository with a Xet-capable client");
}

Result<LfsUploadStats> UploadLfsFiles(HubApi& api, const std::vector<const ManifestEntry*>& files,
                                      const FileOpener& open, const std::string& ref_name,
                                      size_t threads, Progress* progress) {
  // Two paths with the same content are one LFS object.
  std::vector<const ManifestEntry*> unique;
  std::unordered_set<std::string> seen;
  for (const ManifestEntry* f : files) {
    if (seen.insert(f->sha256).second) unique.push_back(f);
  }
  LfsUploadStats stats;
  std::vector<Action> actions;
  constexpr size_t kBatch = 256;
  for (size_t begin = 0; begin < unique.size(); begin += kBatch) {
    MP_RETURN_IF_ERROR(Batch(api, unique, begin, std::min(unique.size(), begin + kBatch),
                             ref_name, &actions, &stats.objects_skipped));
  }
  // Largest first: the big objects set the pace, and the small ones then fill the idle
  // transfer threads instead of leaving the biggest to finish alone at the end.
  std::stable_sort(actions.begin(), actions.end(), [](const Action& a, const Action& b) {
    return a.file->size > b.file->size;
  });
  Upload up{api, open, progress};
  std::atomic<uint64_t> bytes{0};
  Status s = ParallelFor(actions.size(), threads, [&](size_t i) -> Status {
    const Action& a = actions[i];
    bool multipart = !a.header.isNull() && a.header->has("chunk_size");
    log::Debug("lfs upload", {{"path", a.file->path}, {"bytes", a.file->size},
                              {"transfer", multipart ? "multipart" : "basic"}});
    MP_RETURN_IF_ERROR(multipart ? PutMultipart(up, a) : PutBasic(up, a));
    MP_RETURN_IF_ERROR(Verify(up, a));
    bytes += a.file->size;
    return Status::Ok();
  });
  MP_RETURN_IF_ERROR(s);
  stats.objects_sent = actions.size();
  stats.bytes_sent = bytes;
  return stats;
}

}  // namespace modelpusher::hf
