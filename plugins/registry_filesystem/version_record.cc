#include "version_record.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <exception>
#include <sstream>

namespace modelpusher::registry_filesystem {
namespace {

constexpr int kFormat = 1;

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string UtcNow() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

Object::Ptr BlessingToJson(const BlessingDecision& blessing) {
  Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  out->set("blessed", blessing.blessed);
  out->set("rule", blessing.rule);
  out->set("reason", blessing.reason);
  Object::Ptr metrics = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& [name, value] : blessing.metrics) {
    // Limitation: JSON has no NaN or infinity; such a metric is left out of the record, so a
    // later relative threshold sees it as absent rather than as a number.
    if (std::isfinite(value)) metrics->set(name, value);
  }
  out->set("metrics", metrics);
  return out;
}

BlessingDecision BlessingFromJson(const Object::Ptr& in) {
  BlessingDecision out;
  if (in.isNull()) return out;
  out.blessed = in->optValue<bool>("blessed", false);
  out.rule = in->optValue<std::string>("rule", "");
  out.reason = in->optValue<std::string>("reason", "");
  Object::Ptr metrics = in->getObject("metrics");
  if (!metrics.isNull()) {
    for (const auto& name : metrics->getNames()) {
      out.metrics[name] = metrics->getValue<double>(name);
    }
  }
  return out;
}

VersionRecord ParseRecord(const Object::Ptr& root) {
  if (root->optValue<int>("format", 0) != kFormat) {
    throw Poco::DataFormatException("unknown record format");
  }
  VersionRecord record;
  record.version = root->getValue<std::string>("version");
  record.digest = root->getValue<std::string>("digest");
  record.published_at = root->optValue<std::string>("published_at", "");
  record.push_name = root->optValue<std::string>("push_name", "");
  record.source_uri = root->optValue<std::string>("source_uri", "");
  record.commit_summary = root->optValue<std::string>("commit_summary", "");
  record.blessing = BlessingFromJson(root->getObject("blessing"));
  Array::Ptr files = root->getArray("files");
  for (size_t i = 0; !files.isNull() && i < files->size(); ++i) {
    Object::Ptr file = files->getObject(static_cast<unsigned>(i));
    if (file.isNull()) throw Poco::DataFormatException("a file entry is not an object");
    record.files.push_back({file->getValue<std::string>("path"),
                            file->getValue<Poco::UInt64>("size"),
                            file->getValue<std::string>("sha256")});
  }
  return record;
}

}  // namespace

VersionRecord RecordFor(const PushRequest& request) {
  VersionRecord record;
  record.version = request.version;
  record.digest = request.digest;
  record.published_at = UtcNow();
  record.push_name = request.push_name;
  record.source_uri = request.source_uri;
  record.commit_summary = request.commit_summary;
  record.blessing = request.blessing;
  for (const auto& file : request.files) {
    record.files.push_back({file.path, file.size, file.sha256});
  }
  return record;
}

std::string RecordToJson(const VersionRecord& record) {
  Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set("format", kFormat);
  root.set("version", record.version);
  root.set("digest", record.digest);
  root.set("published_at", record.published_at);
  root.set("push_name", record.push_name);
  root.set("source_uri", record.source_uri);
  root.set("commit_summary", record.commit_summary);
  root.set("blessing", BlessingToJson(record.blessing));

  Array::Ptr files = new Array();
  for (const auto& file : record.files) {
    Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    entry->set("path", file.path);
    entry->set("size", static_cast<Poco::UInt64>(file.size));
    entry->set("sha256", file.sha256);
    files->add(entry);
  }
  root.set("files", files);

  std::ostringstream out;
  root.stringify(out, 2);
  out << '\n';
  return out.str();
}

Result<VersionRecord> RecordFromJson(const std::string& text, const std::string& where) {
  // Poco reports malformed JSON and missing or mistyped keys with exceptions; they stop here.
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var parsed = parser.parse(text);
    return ParseRecord(parsed.extract<Object::Ptr>());
  } catch (const Poco::Exception& e) {
    return DataLossError("version record " + where + " is unreadable: " + e.displayText());
  } catch (const std::exception& e) {
    return DataLossError("version record " + where + " is unreadable: " + e.what());
  }
}

}  // namespace modelpusher::registry_filesystem
