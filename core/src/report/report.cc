#include "report/report.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "modelpusher/log.h"

namespace modelpusher::internal {
namespace {

Poco::JSON::Object::Ptr ToJson(const Outcome& o) {
  Poco::JSON::Object::Ptr j = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  bool published = o.status == PushStatus::kPushed || o.status == PushStatus::kUnchanged ||
                   o.status == PushStatus::kDryRun;
  j->set("push", o.push);
  j->set("registry", o.registry);
  j->set("type", o.type);
  j->set("status", std::string(PushStatusName(o.status)));
  j->set("pushed", o.status == PushStatus::kPushed ? 1 : 0);
  j->set("pushed_version", published ? o.result.version : o.version);
  j->set("repo_id", o.result.repo_id);
  j->set("branch", o.result.branch);
  j->set("commit_id", o.result.commit_id);
  j->set("repo_url", o.result.repo_url);

  Poco::JSON::Object::Ptr blessing = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  blessing->set("blessed", o.blessing.blessed);
  blessing->set("rule", o.blessing.rule);
  blessing->set("reason", o.blessing.reason);
  Poco::JSON::Object::Ptr metrics = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [k, v] : o.blessing.metrics) metrics->set(k, v);
  blessing->set("metrics", metrics);
  j->set("blessing", blessing);

  j->set("files", o.files);
  j->set("bytes", o.bytes);
  j->set("files_uploaded", o.result.files_uploaded);
  j->set("bytes_uploaded", o.result.bytes_uploaded);
  j->set("elapsed_ms", o.elapsed_ms);
  if (o.status == PushStatus::kFailed) {
    // Redacted here too: a plugin's message must never carry a secret into the result.
    j->set("error", log::Redact(o.error.message()));
    j->set("error_code", std::string(StatusCodeName(o.error.code())));
  }
  return j;
}

}  // namespace

std::string OutcomesToJson(const std::vector<Outcome>& outcomes) {
  Poco::JSON::Array::Ptr results = new Poco::JSON::Array();
  for (const auto& o : outcomes) results->add(ToJson(o));
  Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set("results", results);
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(root, out, 2);
  return out.str();
}

std::string OutcomesToText(const std::vector<Outcome>& outcomes) {
  std::ostringstream out;
  int counts[5] = {0, 0, 0, 0, 0};
  for (const auto& o : outcomes) {
    counts[static_cast<int>(o.status)]++;
    out << o.push << " -> " << o.registry << ": " << PushStatusName(o.status);
    switch (o.status) {
      case PushStatus::kPushed:
      case PushStatus::kUnchanged:
      case PushStatus::kDryRun:
        out << " version " << o.result.version << " at " << o.result.repo_url;
        break;
      case PushStatus::kNotBlessed:
        out << " (" << o.blessing.rule << ": " << o.blessing.reason << ")";
        break;
      case PushStatus::kFailed:
        out << ": " << log::Redact(o.error.message());
        break;
    }
    out << "\n";
  }
  out << counts[0] << " pushed, " << counts[1] << " unchanged, " << counts[2]
      << " not blessed, " << counts[3] << " dry run, " << counts[4] << " failed\n";
  return out.str();
}

std::string UsageErrorJson(const std::string& message) {
  Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set("results", Poco::JSON::Array::Ptr(new Poco::JSON::Array()));
  root.set("error", log::Redact(message));
  root.set("error_code", std::string("invalid_argument"));
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(root, out, 2);
  return out.str();
}

int ExitCodeFor(const std::vector<Outcome>& outcomes) {
  int code = kExitOk;
  for (const auto& o : outcomes) {
    if (o.status != PushStatus::kFailed) continue;
    StatusCode c = o.error.code();
    if (c == StatusCode::kPermissionDenied || c == StatusCode::kUnauthenticated) {
      code = kExitPermission;
    } else if (code == kExitOk) {
      code = kExitFailed;
    }
  }
  return code;
}

}  // namespace modelpusher::internal
