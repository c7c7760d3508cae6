// modelpusher versions: list the versions each registry of a config already holds.

#include <iostream>

#include "cli.h"
#include "config/push_config.h"
#include "publish/runner.h"
#include "report/report.h"

namespace modelpusher::cli {

int RunVersions(int argc, char** argv) {
  auto specs = CommonOptions();
  specs.push_back({"config", "FILE", "the YAML config (required)"});
  specs.push_back({"push", "NAME", "only the push called NAME (repeatable)", true});
  Args args;
  if (!ParseArgs(argc, argv, 2, "versions",
                 "Lists the versions each registry of a config already holds.", specs, &args)) {
    return internal::kExitUsage;
  }
  if (!args.Has("config")) {
    std::cerr << "modelpusher versions: --config FILE is required\n";
    return internal::kExitUsage;
  }
  internal::PluginHost host;
  if (!SetUp(args, &host)) return internal::kExitUsage;
  auto config = internal::LoadConfig(args.Get("config"));
  if (!config.ok()) {
    std::cerr << "modelpusher: " << config.status().message() << "\n";
    return internal::kExitUsage;
  }
  auto pushes = internal::SelectPushes(*config, args.All("push"), std::nullopt);
  Status valid = pushes.ok() ? internal::ValidatePlugins(*pushes, host) : pushes.status();
  if (!valid.ok()) {
    std::cerr << "modelpusher: " << valid.message() << "\n";
    return internal::kExitUsage;
  }

  int code = internal::kExitOk;
  for (const auto* push : *pushes) {
    for (const auto& r : push->registries) {
      std::cout << push->name << " -> " << r.label << ":\n";
      auto registry = host.MakeRegistry(r.block, push->versioning.ref_template, config->dir);
      auto versions = registry.ok() ? (*registry)->ListVersions()
                                    : Result<std::vector<VersionInfo>>(registry.status());
      if (!versions.ok()) {
        std::cout << "  error: " << versions.status().message() << "\n";
        code = internal::kExitFailed;
        continue;
      }
      if (versions->empty()) std::cout << "  (no versions)\n";
      for (const auto& v : *versions) {
        std::cout << "  " << v.version << "  ref=" << v.ref;
        if (!v.commit_id.empty()) std::cout << "  commit=" << v.commit_id;
        if (!v.digest.empty()) std::cout << "  digest=" << v.digest;
        std::cout << "\n";
      }
    }
  }
  return code;
}

}  // namespace modelpusher::cli
