// modelpusher push: run the pushes of a config file.

#include <csignal>
#include <cstring>
#include <iostream>
#include <unistd.h>

#include "cli.h"
#include "config/push_config.h"
#include "modelpusher/cancel.h"
#include "modelpusher/log.h"
#include "progress_bar.h"
#include "publish/runner.h"
#include "report/report.h"

namespace modelpusher::cli {
namespace {

// First SIGINT/SIGTERM: stop through the error paths, so registries clean up and results are
// still printed. A second one: leave at once.
void OnSignal(int signal) {
  if (CancelRequested()) _exit(128 + signal);
  RequestCancel();
  const char kMessage[] = "\nmodelpusher: interrupted; cleaning up (again to quit at once)\n";
  ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
  (void)ignored;
}

void InstallSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// With --json, stdout always holds one JSON document, even when nothing was attempted.
int UsageError(const Args& args, const std::string& message) {
  std::cerr << "modelpusher: " << message << "\n";
  if (args.Has("json")) std::cout << internal::UsageErrorJson(message) << std::endl;
  return internal::kExitUsage;
}

bool ParseCount(const std::string& text, size_t min, size_t max, size_t* out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v < min || v > max) return false;
  *out = static_cast<size_t>(v);
  return true;
}

}  // namespace

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
  if (!args.Has("config")) return UsageError(args, "push: --config FILE is required");

  std::optional<size_t> index;
  internal::RunOptions options;
  if (args.Has("push-index")) {
    size_t i = 0;
    if (!ParseCount(args.Get("push-index"), 0, 1000000, &i)) {
      return UsageError(args, "--push-index takes a whole number from 0");
    }
    if (args.Has("push")) return UsageError(args, "use --push or --push-index, not both");
    index = i;
  }
  if (!ParseCount(args.Get("jobs", "1"), 1, 256, &options.jobs)) {
    return UsageError(args, "--jobs takes a whole number from 1 to 256");
  }

  internal::PluginHost host;
  if (!SetUp(args, &host)) return UsageError(args, "plugin set-up failed (see above)");
  auto config = internal::LoadConfig(args.Get("config"));
  if (!config.ok()) return UsageError(args, config.status().message());
  auto pushes = internal::SelectPushes(*config, args.All("push"), index);
  Status valid = pushes.ok() ? internal::ValidatePlugins(*pushes, host) : pushes.status();
  if (!valid.ok()) return UsageError(args, valid.message());

  InstallSignalHandlers();
  ProgressBar progress;
  options.dry_run = args.Has("dry-run");
  options.progress = &progress;
  auto outcomes = internal::RunPushes(*pushes, *config, host, options);

  std::cerr << internal::OutcomesToText(outcomes);
  if (args.Has("json")) {
    std::cout << internal::OutcomesToJson(outcomes) << std::endl;
    if (!std::cout) {
      // The results are the product of the run: losing them silently is not success.
      std::cerr << "modelpusher: cannot write the JSON results to stdout: "
                << std::strerror(errno) << "\n";
      return internal::kExitFailed;
    }
  }
  return internal::ExitCodeFor(outcomes);
}

}  // namespace modelpusher::cli
