#include "cli.h"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>
#include <Poco/Util/OptionSet.h>

#include <cstdlib>
#include <iostream>

#include "modelpusher/log.h"
#include "report/report.h"

namespace modelpusher::cli {

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  auto it = values.find(name);
  return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> Args::All(const std::string& name) const {
  auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>() : it->second;
}

std::vector<OptionSpec> CommonOptions() {
  return {
      {"plugin-dir", "DIR", "search DIR for plugins first (repeatable)", true},
      {"log-level", "LEVEL", "trace, debug, info (default), warn, error or off"},
      {"help", "", "show this help"},
  };
}

bool ParseArgs(int argc, char** argv, int first, const std::string& command,
               const std::string& summary, const std::vector<OptionSpec>& specs, Args* out) {
  Poco::Util::OptionSet options;
  for (const auto& s : specs) {
    Poco::Util::Option o(s.name, "", s.help, false);
    if (!s.argument.empty()) o.argument(s.argument, true);
    o.repeatable(s.repeatable);
    options.addOption(o);
  }
  auto usage = [&](std::ostream& os) {
    Poco::Util::HelpFormatter help(options);
    help.setUnixStyle(true);
    help.setCommand("modelpusher " + command);
    help.setUsage("[options]");
    help.setHeader(summary);
    help.format(os);
  };

  Poco::Util::OptionProcessor processor(options);
  processor.setUnixStyle(true);
  try {
    for (int i = first; i < argc; ++i) {
      std::string name, value;
      if (!processor.process(argv[i], name, value)) {
        std::cerr << "modelpusher " << command << ": unexpected argument '" << argv[i]
                  << "'\n\n";
        usage(std::cerr);
        return false;
      }
      if (!name.empty()) out->values[name].push_back(value.empty() ? "true" : value);
    }
    processor.checkRequired();
  } catch (const Poco::Util::OptionException& e) {
    std::cerr << "modelpusher " << command << ": " << e.displayText() << "\n\n";
    usage(std::cerr);
    return false;
  }
  if (out->Has("help")) {
    usage(std::cout);
    std::exit(internal::kExitOk);
  }
  return true;
}

bool SetUp(const Args& args, internal::PluginHost* host) {
  std::string level = args.Get("log-level", std::getenv("MODELPUSHER_LOG") ? std::getenv("MODELPUSHER_LOG") : "info");
  LogLevel parsed;
  if (!log::ParseLevel(level, &parsed)) {
    std::cerr << "modelpusher: unknown log level '" << level
              << "'; use trace, debug, info, warn, error or off\n";
    return false;
  }
  log::SetLevel(parsed);
  for (const auto& dir : args.All("plugin-dir")) host->AddSearchDir(dir);
  Status s = host->Discover();
  if (!s.ok()) {
    std::cerr << "modelpusher: " << s.message() << "\n";
    return false;
  }
  return true;
}

}  // namespace modelpusher::cli
