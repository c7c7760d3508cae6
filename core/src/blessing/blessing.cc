#include "blessing/blessing.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <regex>
#include <set>

#include "modelpusher/log.h"

namespace modelpusher::internal {
namespace {

struct Markers {
  const char* yes;
  const char* no;
  const char* other_yes;  // The other artifact kind's markers, to spot a mixed-up folder.
  const char* other_no;
  const char* rule_key;
  const char* other_key;
};

constexpr Markers kTfxMarkers{"BLESSED", "NOT_BLESSED", "INFRA_BLESSED", "INFRA_NOT_BLESSED",
                              "tfx", "infra"};
constexpr Markers kInfraMarkers{"INFRA_BLESSED", "INFRA_NOT_BLESSED", "BLESSED", "NOT_BLESSED",
                                "infra", "tfx"};

Result<BlessingDecision> EvaluateMarkers(const BlessingRule& rule, const Markers& m,
                                         const PluginHost& host) {
  std::string where = rule.where.ToString();
  auto source = host.MakeSource(rule.path, ConfigValue());
  if (!source.ok()) return source.status().WithContext(where + ": blessing." + m.rule_key);
  auto listing = (*source)->List();
  if (listing.status().code() == StatusCode::kNotFound) {
    return NotFoundError(where + ": blessing folder " + rule.path +
                         " does not exist; point blessing." + m.rule_key +
                         " at the blessing artifact's URI");
  }
  if (!listing.ok()) return listing.status().WithContext(where + ": reading " + rule.path);

  std::set<std::string> names;
  for (const auto& f : *listing) names.insert(f.path);
  if (names.empty()) {
    return FailedPreconditionError(
        where + ": blessing folder " + rule.path + " is empty: it holds neither " + m.yes +
        " nor " + m.no + " (has the validator finished? is this the right artifact?)");
  }
  bool yes = names.count(m.yes) > 0, no = names.count(m.no) > 0;
  if (yes && no) {
    return FailedPreconditionError(where + ": blessing folder " + rule.path + " holds both " +
                                   m.yes + " and " + m.no +
                                   "; refusing to guess: remove the stale marker");
  }
  if (!yes && !no) {
    if (names.count(m.other_yes) || names.count(m.other_no)) {
      return FailedPreconditionError(
          where + ": blessing folder " + rule.path + " holds " +
          (names.count(m.other_yes) ? m.other_yes : m.other_no) + ", a marker for blessing." +
          m.other_key + "; write `" + m.other_key + ": " + rule.path + "` instead of `" +
          m.rule_key + ":`");
    }
    return FailedPreconditionError(where + ": blessing folder " + rule.path +
                                   " holds no recognised marker (found '" + *names.begin() +
                                   "'); expected exactly " + m.yes + " or " + m.no +
                                   ", spelled in upper case");
  }
  BlessingDecision d;
  d.blessed = yes;
  d.rule = std::string(m.rule_key) + ":" + rule.path;
  d.reason = std::string(yes ? m.yes : m.no) + " marker present";
  return d;
}

// Splits "gs://b/dir/metrics.json" into a folder source and a file name.
Result<std::string> ReadSmallFile(const std::string& location, const PluginHost& host) {
  size_t slash = location.rfind('/');
  if (slash == std::string::npos) return InvalidArgumentError("bad metrics path " + location);
  std::string dir = location.substr(0, slash), name = location.substr(slash + 1);
  MP_ASSIGN_OR_RETURN(auto source, host.MakeSource(dir.empty() ? "/" : dir, ConfigValue()));
  MP_ASSIGN_OR_RETURN(auto reader, source->Open(name));
  return ReadAll(*reader, 16 << 20);
}

// One leaf of a metrics file: its text, and its value when it is a plain number.
struct MetricValue {
  std::string text;
  bool number = false;
  double value = 0;
};

// Python's json module writes NaN and Infinity; YAML writes .nan and .inf.
bool ParseNumber(const YAML::Node& node, double* out) {
  if (node.Tag() == "!") return false;  // Quoted: a string, even if it looks like a number.
  const std::string& t = node.Scalar();
  if (t == "NaN" || t == "nan" || t == ".nan" || t == ".NaN" || t == ".NAN") {
    *out = std::nan("");
    return true;
  }
  if (t == "Infinity" || t == ".inf" || t == ".Inf" || t == "+Infinity" || t == "+.inf") {
    *out = HUGE_VAL;
    return true;
  }
  if (t == "-Infinity" || t == "-.inf" || t == "-.Inf") {
    *out = -HUGE_VAL;
    return true;
  }
  char* end = nullptr;
  *out = std::strtod(t.c_str(), &end);
  return !t.empty() && end != nullptr && *end == '\0';
}

Status Flatten(const YAML::Node& node, const std::string& prefix,
               std::map<std::string, MetricValue>* out) {
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& kv : node) {
      std::string key = kv.first.Scalar();
      if (!seen.insert(key).second) {
        return InvalidArgumentError("key '" + (prefix.empty() ? key : prefix + "." + key) +
                                    "' appears twice; which value counts is not clear");
      }
      MP_RETURN_IF_ERROR(Flatten(kv.second, prefix.empty() ? key : prefix + "." + key, out));
    }
    return Status::Ok();
  }
  if (!node.IsScalar()) return Status::Ok();
  MetricValue v;
  v.text = node.Scalar();
  v.number = ParseNumber(node, &v.value);
  // {"a.b": 1} and {"a": {"b": 2}} both flatten to a.b.
  if (!out->emplace(prefix, v).second) {
    return InvalidArgumentError("'" + prefix + "' is written both as one dotted key and as "
                                "nested keys; keep one");
  }
  return Status::Ok();
}

bool Compare(double value, const std::string& op, double threshold) {
  if (op == ">=") return value >= threshold;
  if (op == "<=") return value <= threshold;
  if (op == ">") return value > threshold;
  if (op == "<") return value < threshold;
  if (op == "==") return value == threshold;
  return value != threshold;
}

std::string Num(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

Result<BlessingDecision> EvaluateMetrics(const BlessingRule& rule, const PluginHost& host) {
  std::string where = rule.where.ToString();
  auto text = ReadSmallFile(rule.path, host);
  if (!text.ok()) return text.status().WithContext(where + ": metrics file " + rule.path);

  // JSON is a subset of YAML, so one parser reads both.
  std::map<std::string, MetricValue> metrics;
  try {
    Status flat = Flatten(YAML::Load(*text), "", &metrics);
    if (!flat.ok()) return flat.WithContext(where + ": metrics file " + rule.path);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(where + ": metrics file " + rule.path +
                                " is neither JSON nor YAML: " + e.msg);
  }

  static const std::regex kExpr(R"(^\s*(>=|<=|==|!=|>|<)\s*([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*$)");
  BlessingDecision d;
  d.rule = "metrics:" + rule.path;
  d.blessed = true;
  std::vector<std::string> parts;
  for (const auto& [name, expr] : rule.require) {
    std::smatch m;
    if (!std::regex_match(expr, m, kExpr)) {
      return InvalidArgumentError(where + ": metric requirement '" + expr + "' for " + name +
                                  " is not a comparison like \">= 0.9\"");
    }
    auto it = metrics.find(name);
    if (it == metrics.end()) {
      std::string have;
      for (const auto& [k, _] : metrics) have += (have.empty() ? "" : ", ") + k;
      return FailedPreconditionError(where + ": metric '" + name + "' is not in " + rule.path +
                                     " (it has: " + (have.empty() ? "nothing" : have) + ")");
    }
    const MetricValue& value = it->second;
    if (!value.number) {
      return FailedPreconditionError(where + ": metric '" + name + "' in " + rule.path +
                                     " is '" + value.text + "', not a number");
    }
    if (!std::isfinite(value.value)) {
      return FailedPreconditionError(where + ": metric '" + name + "' in " + rule.path + " is " +
                                     value.text + "; the evaluation produced no usable value, "
                                     "so the policy cannot decide");
    }
    double threshold = std::stod(m[2].str());
    bool ok = Compare(value.value, m[1].str(), threshold);
    d.metrics[name] = value.value;
    parts.push_back(name + " " + Num(value.value) + (ok ? " meets " : " fails ") + m[1].str() +
                    " " + m[2].str());
    if (!ok) d.blessed = false;
  }
  for (const auto& p : parts) d.reason += (d.reason.empty() ? "" : "; ") + p;
  return d;
}

}  // namespace

Result<BlessingDecision> EvaluateBlessing(const BlessingRule& rule, const PluginHost& host) {
  switch (rule.kind) {
    case BlessingRule::Kind::kNone:
      return BlessingDecision{true, "none", "no blessing policy: every model is pushed", {}};
    case BlessingRule::Kind::kTfx:
      return EvaluateMarkers(rule, kTfxMarkers, host);
    case BlessingRule::Kind::kInfra:
      return EvaluateMarkers(rule, kInfraMarkers, host);
    case BlessingRule::Kind::kMetrics:
      return EvaluateMetrics(rule, host);
    case BlessingRule::Kind::kAll:
    case BlessingRule::Kind::kAny:
      break;
  }
  // all: every rule must bless, and the first refusal decides. any: the first blessing
  // decides. Every rule is still evaluated, so a broken rule is reported even when another
  // has already decided.
  bool all = rule.kind == BlessingRule::Kind::kAll;
  BlessingDecision combined;
  combined.blessed = all;
  combined.rule = all ? "all" : "any";
  const BlessingDecision* decider = nullptr;
  std::vector<BlessingDecision> children;
  for (const auto& child : rule.children) {
    MP_ASSIGN_OR_RETURN(BlessingDecision d, EvaluateBlessing(child, host));
    children.push_back(std::move(d));
  }
  for (const auto& d : children) {
    for (const auto& [k, v] : d.metrics) combined.metrics[k] = v;
    if (decider == nullptr && d.blessed != all) decider = &d;
  }
  if (decider != nullptr) {
    // One rule went against the others' agreement: it decided.
    combined.blessed = decider->blessed;
    combined.rule += "/" + decider->rule;
    combined.reason = decider->reason;
    return combined;
  }
  // Every rule agreed: each of them is part of the reason.
  for (const auto& d : children) {
    combined.reason += (combined.reason.empty() ? "" : "; ") + d.rule + ": " + d.reason;
  }
  return combined;
}

}  // namespace modelpusher::internal
