// The Git LFS batch API client (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md),
// basic transfer only.

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <mutex>
#include <sstream>

#include "lfs_store.h"
#include "modelpusher/hash.h"
#include "modelpusher/http.h"
#include "modelpusher/log.h"
#include "modelpusher/parallel.h"
#include "modelpusher/url.h"

namespace modelpusher::git {
namespace {

constexpr const char* kLfsJson = "application/vnd.git-lfs+json";
constexpr size_t kBatchSize = 100;  // the spec's suggested upper bound per batch request
constexpr size_t kMaxParallel = 4;

// One transfer the server asked for: where to send it and which headers to add.
struct Action {
  std::string href;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Instruction {
  const LfsObject* object = nullptr;
  std::optional<Action> upload;
  std::optional<Action> verify;
};

Status StatusForHttp(int status, const std::string& doing, const std::string& body) {
  std::string detail = body.substr(0, 300);
  std::string message = "while " + doing + ": HTTP " + std::to_string(status) + " " + detail;
  if (status == 401) return UnauthenticatedError(message + "; check `token:`");
  if (status == 403) return PermissionDeniedError(message + "; the token cannot write LFS");
  if (status == 404) return NotFoundError(message + "; is LFS enabled on this remote?");
  if (status == 413 || status == 507) return ResourceExhaustedError(message);
  if (status >= 500 || status == 429 || status == 408) return UnavailableError(message);
  return FailedPreconditionError(message);
}

Action ParseAction(const Poco::JSON::Object::Ptr& action) {
  Action out;
  out.href = action->getValue<std::string>("href");
  if (auto headers = action->getObject("header")) {
    for (const auto& [name, value] : *headers) out.headers.emplace_back(name, value.toString());
  }
  return out;
}

class HttpLfsStore : public LfsStore {
 public:
  HttpLfsStore(const GitConfig& config, std::string endpoint)
      : endpoint_(std::move(endpoint)) {
    if (!config.password.empty()) {
      std::string basic = Base64Encode(HttpUser(config) + ":" + config.password.Reveal());
      authorization_ = Secret("Basic " + basic);
    }
  }

  Result<LfsUploadStats> Upload(const std::vector<LfsObject>& objects, const FileOpener& open,
                                const std::string& ref, Progress* progress) override {
    LfsUploadStats stats;
    for (size_t start = 0; start < objects.size(); start += kBatchSize) {
      size_t end = std::min(objects.size(), start + kBatchSize);
      MP_ASSIGN_OR_RETURN(auto todo, Batch(objects, start, end, ref));
      MP_RETURN_IF_ERROR(Transfer(todo, open, progress, stats));
    }
    return stats;
  }

 private:
  void AddAuth(HttpRequest& request) const {
    if (!authorization_.empty()) request.headers.Set("Authorization", authorization_.Reveal());
  }

  Result<std::vector<Instruction>> Batch(const std::vector<LfsObject>& objects, size_t start,
                                         size_t end, const std::string& ref) {
    HttpRequest request;
    request.method = "POST";
    request.url = endpoint_ + "/objects/batch";
    request.headers.Set("Accept", kLfsJson);
    request.headers.Set("Content-Type", kLfsJson);
    AddAuth(request);
    request.body = BatchBody(objects, start, end, ref);
    MP_ASSIGN_OR_RETURN(HttpResponse response, http_.Send(request, 16 << 20));
    if (response.status != 200) {
      return StatusForHttp(response.status, "asking " + RedactUrl(request.url) + " for uploads",
                           response.body);
    }
    return ParseBatch(objects, start, end, response.body);
  }

  static std::string BatchBody(const std::vector<LfsObject>& objects, size_t start, size_t end,
                               const std::string& ref) {
    Poco::JSON::Object body;
    body.set("operation", "upload");
    Poco::JSON::Array transfers;
    transfers.add("basic");
    body.set("transfers", transfers);
    Poco::JSON::Object ref_object;
    ref_object.set("name", ref);
    body.set("ref", ref_object);
    body.set("hash_algo", "sha256");
    Poco::JSON::Array list;
    for (size_t i = start; i < end; ++i) {
      Poco::JSON::Object item;
      item.set("oid", objects[i].oid);
      item.set("size", static_cast<Poco::UInt64>(objects[i].size));
      list.add(item);
    }
    body.set("objects", list);
    std::ostringstream out;
    body.stringify(out);
    return out.str();
  }

  // An object without an `upload` action is one the server already has.
  static Result<std::vector<Instruction>> ParseBatch(const std::vector<LfsObject>& objects,
                                                     size_t start, size_t end,
                                                     const std::string& text) {
    std::vector<Instruction> out;
    try {
      Poco::JSON::Parser parser;
      auto root = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
      auto list = root->getArray("objects");
      if (!list) return DataLossError("LFS batch answer without `objects`");
      for (size_t i = 0; i < list->size(); ++i) {
        auto item = list->getObject(static_cast<unsigned>(i));
        std::string oid = item->getValue<std::string>("oid");
        auto match = std::find_if(objects.begin() + start, objects.begin() + end,
                                  [&](const LfsObject& o) { return o.oid == oid; });
        if (match == objects.begin() + end) continue;
        if (auto error = item->getObject("error")) {
          return StatusForHttp(error->optValue<int>("code", 0), "uploading " + match->file->path,
                               error->optValue<std::string>("message", ""));
        }
        Instruction instruction{&*match, std::nullopt, std::nullopt};
        if (auto actions = item->getObject("actions")) {
          if (auto up = actions->getObject("upload")) instruction.upload = ParseAction(up);
          if (auto verify = actions->getObject("verify")) instruction.verify = ParseAction(verify);
        }
        if (instruction.upload) out.push_back(std::move(instruction));
      }
    } catch (const Poco::Exception& e) {
      return DataLossError("unreadable LFS batch answer: " + e.displayText());
    }
    return out;
  }

  Status Transfer(const std::vector<Instruction>& todo, const FileOpener& open,
                  Progress* progress, LfsUploadStats& stats) {
    std::mutex mutex;
    return ParallelFor(todo.size(), std::min(kMaxParallel, DefaultTransferThreads()),
                       [&](size_t i) -> Status {
                         MP_RETURN_IF_ERROR(Put(todo[i], open, progress));
                         if (todo[i].verify) MP_RETURN_IF_ERROR(Verify(todo[i]));
                         std::lock_guard<std::mutex> lock(mutex);
                         ++stats.objects;
                         stats.bytes += todo[i].object->size;
                         return Status::Ok();
                       });
  }

  // The server's headers authorise the transfer; ours are added only when it gave none and
  // the target is the LFS server itself (a storage host must never see our token).
  void ApplyAction(const Action& action, HttpRequest& request) const {
    request.url = action.href;
    for (const auto& [name, value] : action.headers) request.headers.Set(name, value);
    auto target = Url::Parse(action.href);
    auto origin = Url::Parse(endpoint_);
    if (action.headers.empty() && target.ok() && origin.ok() && target->SameOrigin(*origin)) {
      AddAuth(request);
    }
  }

  Status Put(const Instruction& step, const FileOpener& open, Progress* progress) {
    const LfsObject& object = *step.object;
    HttpRequest request;
    request.method = "PUT";
    ApplyAction(*step.upload, request);
    if (!request.headers.Has("Content-Type")) {
      request.headers.Set("Content-Type", "application/octet-stream");
    }
    request.body_size = object.size;
    request.body_source = [&open, &object, progress]() -> Result<std::unique_ptr<ByteReader>> {
      MP_ASSIGN_OR_RETURN(auto reader, open(*object.file, 0, object.size));
      return MakeProgressReader(std::move(reader), progress, object.file->path);
    };
    MP_ASSIGN_OR_RETURN(HttpResponse response, http_.Send(request, 1 << 20));
    if (response.status / 100 != 2) {
      return StatusForHttp(response.status, "uploading " + object.file->path, response.body);
    }
    log::Debug("lfs object uploaded", {{"path", object.file->path}, {"bytes", object.size}});
    return Status::Ok();
  }

  Status Verify(const Instruction& step) {
    HttpRequest request;
    request.method = "POST";
    ApplyAction(*step.verify, request);
    request.headers.Set("Accept", kLfsJson);
    request.headers.Set("Content-Type", kLfsJson);
    request.body = "{\"oid\":\"" + step.object->oid + "\",\"size\":" +
                   std::to_string(step.object->size) + "}";
    MP_ASSIGN_OR_RETURN(HttpResponse response, http_.Send(request, 1 << 20));
    if (response.status / 100 != 2) {
      Status status = StatusForHttp(response.status, "verifying " + step.object->file->path,
                                    response.body);
      // The server saw other bytes than announced: the source changed under us.
      return response.status == 422 ? DataLossError(status.message()) : status;
    }
    return Status::Ok();
  }

  std::string endpoint_;
  Secret authorization_;
  HttpClient http_;
};

}  // namespace

std::unique_ptr<LfsStore> MakeHttpLfsStore(const GitConfig& config, std::string endpoint) {
  return std::make_unique<HttpLfsStore>(config, std::move(endpoint));
}

}  // namespace modelpusher::git
