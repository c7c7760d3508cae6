// modelpusher validate: check a config file and the plugins it needs.

#include <iostream>

#include "cli.h"
#include "config/push_config.h"
#include "publish/runner.h"
#include "report/report.h"

namespace modelpusher::cli {

int RunValidate(int argc, char** argv) {
  auto specs = CommonOptions();
  specs.push_back({"config", "FILE", "the YAML config (required)"});
  Args args;
  if (!ParseArgs(argc, argv, 2, "validate",
                 "Checks a config file against the schema and the plugins it names; reads "
                 "and writes nothing else.",
                 specs, &args)) {
    return internal::kExitUsage;
  }
  if (!args.Has("config")) {
    std::cerr << "modelpusher validate: --config FILE is required\n";
    return internal::kExitUsage;
  }
  internal::PluginHost host;
  if (!SetUp(args, &host)) return internal::kExitUsage;
  auto config = internal::LoadConfig(args.Get("config"));
  Status s = config.ok() ? Status::Ok() : config.status();
  if (s.ok()) {
    auto pushes = internal::SelectPushes(*config, {}, std::nullopt);
    s = pushes.ok() ? internal::ValidatePlugins(*pushes, host) : pushes.status();
  }
  if (!s.ok()) {
    std::cerr << "modelpusher: " << s.message() << "\n";
    return internal::kExitUsage;
  }
  std::cout << args.Get("config") << ": ok (" << config->pushes.size() << " push"
            << (config->pushes.size() == 1 ? "" : "es") << ")\n";
  return internal::kExitOk;
}

}  // namespace modelpusher::cli
