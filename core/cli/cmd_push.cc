// modelpusher push: run the pushes of a config file.

#include <iostream>

#include "cli.h"
#include "config/push_config.h"
#include "modelpusher/log.h"
#include "progress_bar.h"
#include "publish/runner.h"
#include "report/report.h"

namespace modelpusher::cli {

int RunPush(int argc, char** argv) {
  auto specs = CommonOptions();
  specs.push_back({"config", "FILE", "the YAML config (required)"});
  specs.push_back({"push", "NAME", "run only the push called NAME (repeatable)", true});
  specs.push_back({"push-index", "N", "run only the N-th push, from 0 (Kubernetes "
                                      "Indexed Jobs: $JOB_COMPLETION_INDEX)"});
  specs.push_back({"dry-run", "", "check everything, publish nothing"});
  specs.push_back({"json", "", "print the results as one JSON document on stdout"});
  specs.push_back({"jobs", "N", "run up to N pushes at once (default 1)"});
  Args args;
  if (!ParseArgs(argc, argv, 2, "push", "Runs the pushes of a config file.", specs, &args)) {
    return internal::kExitUsage;
  }
  if (!args.Has("config")) {
    std::cerr << "modelpusher push: --config FILE is required\n";
    return internal::kExitUsage;
  }

  internal::PluginHost host;
  if (!SetUp(args, &host)) return internal::kExitUsage;
  auto config = internal::LoadConfig(args.Get("config"));
  if (!config.ok()) {
    std::cerr << "modelpusher: " << config.status().message() << "\n";
    return internal::kExitUsage;
  }

  std::optional<size_t> index;
  internal::RunOptions options;
  try {
    if (args.Has("push-index")) index = std::stoul(args.Get("push-index"));
    options.jobs = std::stoul(args.Get("jobs", "1"));
  } catch (const std::exception&) {
    std::cerr << "modelpusher push: --push-index and --jobs take whole numbers\n";
    return internal::kExitUsage;
  }
  auto pushes = internal::SelectPushes(*config, args.All("push"), index);
  Status valid = pushes.ok() ? internal::ValidatePlugins(*pushes, host) : pushes.status();
  if (!valid.ok()) {
    std::cerr << "modelpusher: " << valid.message() << "\n";
    return internal::kExitUsage;
  }

  ProgressBar progress;
  options.dry_run = args.Has("dry-run");
  options.progress = &progress;
  auto outcomes = internal::RunPushes(*pushes, *config, host, options);

  if (args.Has("json")) std::cout << internal::OutcomesToJson(outcomes) << std::endl;
  std::cerr << internal::OutcomesToText(outcomes);
  return internal::ExitCodeFor(outcomes);
}

}  // namespace modelpusher::cli
