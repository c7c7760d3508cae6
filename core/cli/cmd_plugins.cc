// modelpusher plugins: list the plugins found, and why any was refused.

#include <iostream>

#include "cli.h"
#include "report/report.h"

namespace modelpusher::cli {

int RunPlugins(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, 2, "plugins",
                 "Lists the plugins found in the search path, and why any was refused.",
                 CommonOptions(), &args)) {
    return internal::kExitUsage;
  }
  internal::PluginHost host;
  if (!SetUp(args, &host)) return internal::kExitUsage;

  std::cout << "search path:\n";
  for (const auto& dir : host.search_path()) std::cout << "  " << dir << "\n";
  std::cout << "plugins:\n";
  for (const auto& p : host.plugins()) {
    std::string names;
    for (const auto& n : p.names) names += (names.empty() ? "" : ",") + n;
    std::cout << "  " << p.name << "  "
              << (p.kind == MP_PLUGIN_KIND_SOURCE ? "source   schemes=" : "registry types=")
              << names << "  version=" << p.version << "  " << p.path << "\n";
  }
  if (!host.refused().empty()) {
    std::cout << "refused:\n";
    for (const auto& r : host.refused()) std::cout << "  " << r.path << ": " << r.reason << "\n";
  }
  return internal::kExitOk;
}

}  // namespace modelpusher::cli
