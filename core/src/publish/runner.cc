#include "publish/runner.h"

#include <chrono>
#include <mutex>

#include "blessing/blessing.h"
#include "config/schema_validator.h"
#include "modelpusher/cancel.h"
#include "modelpusher/log.h"
#include "modelpusher/parallel.h"
#include "modelpusher/staging.h"
#include "modelpusher/url.h"
#include "modelpusher/versioning.h"
#include "versioning/version_scheme.h"

namespace modelpusher::internal {
namespace {

// Registries read the model through this wrapper, so that an interrupted run fails their
// transfers through the ordinary error path, where each registry cleans up what it began.
class CancellableReader : public ByteReader {
 public:
  explicit CancellableReader(std::unique_ptr<ByteReader> inner) : inner_(std::move(inner)) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    if (CancelRequested()) return CancelledError("interrupted (SIGINT or SIGTERM)");
    return inner_->Read(buffer, size);
  }

 private:
  std::unique_ptr<ByteReader> inner_;
};

FileOpener Cancellable(FileOpener open) {
  return [open = std::move(open)](const ManifestEntry& file, uint64_t offset,
                                  uint64_t length) -> Result<std::unique_ptr<ByteReader>> {
    if (CancelRequested()) return CancelledError("interrupted (SIGINT or SIGTERM)");
    MP_ASSIGN_OR_RETURN(auto reader, open(file, offset, length));
    return std::unique_ptr<ByteReader>(new CancellableReader(std::move(reader)));
  };
}

// "{version}" in a commit message; any other text, braces included, is kept as written.
std::string RenderMessage(std::string text, const std::string& version) {
  static const std::string kPlaceholder = "{version}";
  for (size_t pos = text.find(kPlaceholder); pos != std::string::npos;
       pos = text.find(kPlaceholder, pos + version.size())) {
    text.replace(pos, kPlaceholder.size(), version);
  }
  return text;
}

int64_t MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - start)
      .count();
}

class PushRun {
 public:
  PushRun(const PushSpec& spec, const Config& config, const PluginHost& host,
          const RunOptions& options)
      : spec_(spec), config_(config), host_(host), options_(options) {
    for (const auto& r : spec.registries) {
      Outcome o;
      o.push = spec.name;
      o.registry = r.label;
      o.type = r.type;
      outcomes_.push_back(std::move(o));
    }
  }

  std::vector<Outcome> Run() {
    auto start = std::chrono::steady_clock::now();
    Status s = Execute();
    if (!s.ok()) FailPending(s);
    for (auto& o : outcomes_) o.elapsed_ms = MillisSince(start);
    return std::move(outcomes_);
  }

 private:
  Status Execute() {
    std::string source_name = RedactUrl(spec_.source_uri);
    log::Info("push started", {{"push", spec_.name}, {"source", source_name}});
    MP_ASSIGN_OR_RETURN(auto source, host_.MakeSource(spec_.source_uri, spec_.source_options));
    MP_ASSIGN_OR_RETURN(std::vector<FileEntry> files, source->List());
    if (CancelRequested()) return CancelledError("interrupted before anything was published");
    if (files.empty()) {
      return FailedPreconditionError("the source " + source_name +
                                     " holds no files; check the path or URI");
    }
    uint64_t bytes = 0;
    for (const auto& f : files) bytes += f.size;
    SetAll([&](Outcome& o) {
      o.files = files.size();
      o.bytes = bytes;
    });
    log::Info("source listed", {{"push", spec_.name}, {"files", uint64_t(files.size())},
                                {"bytes", bytes}});

    MP_ASSIGN_OR_RETURN(BlessingDecision decision, EvaluateBlessing(spec_.blessing, host_));
    SetAll([&](Outcome& o) { o.blessing = decision; });
    log::Info(decision.blessed ? "blessed" : "not blessed",
              {{"push", spec_.name}, {"rule", decision.rule}, {"reason", decision.reason}});
    if (!decision.blessed) {
      SetAll([](Outcome& o) { o.status = PushStatus::kNotBlessed; });
      return Status::Ok();
    }

    std::vector<std::unique_ptr<ModelRegistry>> registries(spec_.registries.size());
    for (size_t i = 0; i < registries.size(); ++i) {
      auto made = host_.MakeRegistry(spec_.registries[i].block, spec_.versioning.ref_template,
                                     config_.dir);
      if (made.ok()) {
        registries[i] = std::move(made).value();
      } else {
        Fail(i, made.status());
      }
    }

    MP_ASSIGN_OR_RETURN(auto manifest, BuildManifest(*source, files, "", options_.hash_threads,
                                                     options_.progress));
    PushRequest request;
    request.push_name = spec_.name;
    request.source_uri = source_name;
    request.digest = ManifestDigest(manifest);
    request.files = std::move(manifest);
    request.blessing = decision;
    request.open = Cancellable(MakeSourceOpener(*source));
    request.dry_run = options_.dry_run;
    request.progress = options_.progress;
    MP_RETURN_IF_ERROR(NameVersion(registries, &request));

    for (size_t i = 0; i < registries.size(); ++i) {
      if (!registries[i]) continue;
      Publish(i, *registries[i], request);
    }
    return Status::Ok();
  }

  Status NameVersion(std::vector<std::unique_ptr<ModelRegistry>>& registries,
                     PushRequest* request) {
    VersionInputs inputs;
    MP_ASSIGN_OR_RETURN(inputs.now, Now());
    inputs.digest = request->digest;
    bool needs_history = spec_.versioning.scheme == "semver" ||
                         spec_.versioning.version_template.find("{semver}") != std::string::npos;
    for (size_t i = 0; needs_history && i < registries.size(); ++i) {
      if (!registries[i]) continue;
      auto versions = registries[i]->ListVersions();
      if (!versions.ok()) return versions.status().WithContext("listing versions of " +
                                                               spec_.registries[i].label);
      for (const auto& v : *versions) inputs.existing.push_back(v.version);
    }
    MP_ASSIGN_OR_RETURN(request->version, ComputeVersion(spec_.versioning, inputs));
    MP_ASSIGN_OR_RETURN(request->ref,
                        RenderRefTemplate(spec_.versioning.ref_template, request->version));
    MP_RETURN_IF_ERROR(CheckRefName(request->ref));
    request->commit_summary = RenderMessage(spec_.commit_message, request->version);
    request->commit_description = "Published by modelpusher from " + request->source_uri +
                                  "\nBlessing: " + request->blessing.rule + " (" +
                                  request->blessing.reason + ")\nmodelpusher-digest: " +
                                  request->digest + "\n";
    SetAll([&](Outcome& o) { o.version = request->version; });
    log::Info("version", {{"push", spec_.name}, {"version", request->version},
                          {"ref", request->ref}, {"digest", request->digest}});
    return Status::Ok();
  }

  void Publish(size_t i, ModelRegistry& registry, const PushRequest& request) {
    auto start = std::chrono::steady_clock::now();
    auto result = registry.Publish(request);
    Outcome& o = outcomes_[i];
    if (!result.ok()) {
      Fail(i, result.status());
      return;
    }
    o.result = std::move(result).value();
    o.status = o.result.status;
    // A registry's id or URL may carry user:password@ from its config; results never do.
    for (std::string* text : {&o.result.repo_url, &o.result.repo_id}) {
      if (text->find("://") != std::string::npos) *text = RedactUrl(*text);
    }
    log::Info(PushStatusName(o.status),
              {{"push", spec_.name}, {"registry", o.registry}, {"repo", o.result.repo_id},
               {"version", o.result.version}, {"ref", o.result.branch},
               {"commit", o.result.commit_id}, {"files_sent", o.result.files_uploaded},
               {"bytes_sent", o.result.bytes_uploaded}, {"ms", MillisSince(start)}});
  }

  void Fail(size_t i, const Status& status) {
    Outcome& o = outcomes_[i];
    o.status = PushStatus::kFailed;
    o.error = status;
    log::Error("push failed", {{"push", spec_.name}, {"registry", o.registry},
                               {"error", status.ToString()}});
  }

  // A failure before publishing concerns every registry that has no outcome yet.
  void FailPending(const Status& status) {
    for (size_t i = 0; i < outcomes_.size(); ++i) {
      if (outcomes_[i].error.ok()) Fail(i, status);
    }
  }

  template <typename F>
  void SetAll(F f) {
    for (auto& o : outcomes_) f(o);
  }

  const PushSpec& spec_;
  const Config& config_;
  const PluginHost& host_;
  const RunOptions& options_;
  std::vector<Outcome> outcomes_;
};

}  // namespace

Result<std::vector<const PushSpec*>> SelectPushes(const Config& config,
                                                  const std::vector<std::string>& names,
                                                  std::optional<size_t> index) {
  std::vector<const PushSpec*> out;
  if (index.has_value()) {
    if (*index >= config.pushes.size()) {
      return InvalidArgumentError("--push-index " + std::to_string(*index) + " is out of range: " +
                                  config.path + " has " + std::to_string(config.pushes.size()) +
                                  " push(es), numbered from 0");
    }
    out.push_back(&config.pushes[*index]);
    return out;
  }
  if (names.empty()) {
    for (const auto& p : config.pushes) out.push_back(&p);
    return out;
  }
  std::vector<std::string> known;
  for (const auto& p : config.pushes) known.push_back(p.name);
  for (const auto& name : names) {
    const PushSpec* found = nullptr;
    for (const auto& p : config.pushes) {
      if (p.name == name) found = &p;
    }
    if (found == nullptr) {
      std::string hint = ClosestWord(name, known);
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return InvalidArgumentError("no push named '" + name + "' in " + config.path +
                                  (hint.empty() ? "" : "; did you mean '" + hint + "'?") +
                                  " (pushes: " + list + ")");
    }
    out.push_back(found);
  }
  return out;
}

Status ValidatePlugins(const std::vector<const PushSpec*>& pushes, const PluginHost& host) {
  for (const PushSpec* push : pushes) {
    auto source = host.FindSource(SchemeOf(push->source_uri));
    if (!source.ok()) return source.status().WithContext("push '" + push->name + "'");
    for (const auto& r : push->registries) MP_RETURN_IF_ERROR(host.ValidateRegistry(r.block));
  }
  return Status::Ok();
}

std::vector<Outcome> RunPushes(const std::vector<const PushSpec*>& pushes, const Config& config,
                               const PluginHost& host, const RunOptions& options) {
  std::vector<std::vector<Outcome>> per_push(pushes.size());
  // Pushes are independent; a failure is recorded in its outcomes, never returned, so
  // ParallelFor never stops early.
  (void)ParallelFor(pushes.size(), std::max<size_t>(1, options.jobs), [&](size_t i) {
    per_push[i] = PushRun(*pushes[i], config, host, options).Run();
    return Status::Ok();
  });
  std::vector<Outcome> all;
  for (auto& outcomes : per_push) {
    for (auto& o : outcomes) all.push_back(std::move(o));
  }
  return all;
}

}  // namespace modelpusher::internal
