#include "hf_model_card.h"

#include <charconv>
#include <cmath>

#include "hf_json.h"

namespace modelpusher::hf {
namespace {

// JSON string literals are valid YAML double-quoted scalars.
std::string Q(const std::string& s) { return JsonQuote(s); }

std::string Number(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, res.ptr);
  // YAML would read "1e-05" as a string under some parsers; keep a mantissa dot.
  if (out.find('e') != std::string::npos && out.find('.') == std::string::npos) {
    out.insert(out.find('e'), ".0");
  }
  return out;
}

bool HasFile(const PushRequest& r, const std::string& name) {
  for (const auto& f : r.files) {
    if (f.path == name) return true;
  }
  return false;
}

bool HasSuffix(const PushRequest& r, const std::string& suffix) {
  for (const auto& f : r.files) {
    if (f.path.size() >= suffix.size() &&
        f.path.compare(f.path.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

void AppendMetrics(const BlessingDecision& b, const std::string& indent, std::string* out) {
  for (const auto& [name, value] : b.metrics) {
    if (!std::isfinite(value)) continue;  // YAML .nan/.inf would fail the Hub's metadata check
    *out += indent + Q(name) + ": " + Number(value) + "\n";
  }
}

void AppendModelIndex(const PushRequest& r, const std::string& repo_id, std::string* out) {
  bool any = false;
  for (const auto& [name, value] : r.blessing.metrics) any = any || std::isfinite(value);
  if (!any) return;
  *out += "model-index:\n";
  *out += "- name: " + Q(repo_id.substr(repo_id.find('/') + 1)) + "\n";
  *out += "  results:\n";
  *out += "  - task:\n      type: \"other\"\n      name: \"Evaluation\"\n";
  *out += "    dataset:\n      type: \"evaluation\"\n      name: " +
          Q("evaluation of " + r.blessing.rule) + "\n";
  *out += "    metrics:\n";
  for (const auto& [name, value] : r.blessing.metrics) {
    if (!std::isfinite(value)) continue;
    *out += "    - type: " + Q(name) + "\n      value: " + Number(value) + "\n      name: " +
            Q(name) + "\n";
  }
}

}  // namespace

std::string GuessLibrary(const PushRequest& r) {
  if (HasFile(r, "modules.json") || HasFile(r, "sentence_bert_config.json")) {
    return "sentence-transformers";
  }
  if (HasFile(r, "config.json")) return "transformers";
  if (HasSuffix(r, "saved_model.pb") || HasSuffix(r, ".keras")) return "tf-keras";
  if (HasSuffix(r, ".onnx")) return "onnx";
  return "generic";
}

std::string RenderModelCard(const PushRequest& r, const std::string& repo_id) {
  std::string y = "---\n";
  y += "library_name: " + Q(GuessLibrary(r)) + "\n";
  y += "tags:\n- \"modelpusher\"\n";
  y += "source: " + Q(r.source_uri) + "\n";
  y += "pushed_version: " + Q(r.version) + "\n";
  y += "modelpusher:\n";
  y += "  push: " + Q(r.push_name) + "\n";
  y += "  version: " + Q(r.version) + "\n";
  y += "  ref: " + Q(r.ref) + "\n";
  y += "  digest: " + Q(r.digest) + "\n";
  y += "  blessing:\n";
  y += std::string("    blessed: ") + (r.blessing.blessed ? "true" : "false") + "\n";
  y += "    rule: " + Q(r.blessing.rule) + "\n";
  y += "    reason: " + Q(r.blessing.reason) + "\n";
  if (!r.blessing.metrics.empty()) {
    y += "  metrics:\n";
    AppendMetrics(r.blessing, "    ", &y);
  }
  AppendModelIndex(r, repo_id, &y);
  y += "---\n\n";
  y += "# " + repo_id + "\n\n";
  y += "Version `" + r.version + "`, published by modelpusher from `" + r.source_uri + "`.\n\n";
  y += "Blessing: " + std::string(r.blessing.blessed ? "blessed" : "not blessed") + " by `" +
       r.blessing.rule + "`" + (r.blessing.reason.empty() ? "" : " (" + r.blessing.reason + ")") +
       ".\n";
  if (!r.blessing.metrics.empty()) {
    y += "\n| metric | value |\n| --- | --- |\n";
    for (const auto& [name, value] : r.blessing.metrics) {
      y += "| " + name + " | " + Number(value) + " |\n";
    }
  }
  y += "\nContent digest: `" + r.digest + "`.\n";
  return y;
}

}  // namespace modelpusher::hf
