// modelpusher: publishes a blessed model as a new, immutable version in model registries.

#include <cstring>
#include <iostream>
#include <string>

#include "cli.h"
#include "report/report.h"

namespace {

void PrintUsage(std::ostream& os) {
  os << "usage: modelpusher <command> [options]\n\n"
        "Publishes a trained model as a new, immutable version in one or more model\n"
        "registries, and only when the model is blessed.\n\n"
        "commands:\n"
        "  push       run the pushes of a config file\n"
        "  validate   check a config file and the plugins it needs; change nothing\n"
        "  versions   list the versions each registry of a config already holds\n"
        "  plugins    list the plugins found, and why any was refused\n"
        "  schema     print the JSON Schema of config files (core and plugins)\n\n"
        "  --version  print the version\n"
        "  --help     this text; `modelpusher <command> --help` for a command's options\n\n"
        "exit codes: 0 done (pushed, unchanged, not blessed or dry run), 1 a push failed,\n"
        "2 usage or config error, 3 credentials missing, invalid or not allowed\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace modelpusher;
  if (argc < 2) {
    PrintUsage(std::cerr);
    return internal::kExitUsage;
  }
  std::string command = argv[1];
  if (command == "--version" || command == "version") {
    std::cout << "modelpusher " MODELPUSHER_VERSION "\n";
    return internal::kExitOk;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    PrintUsage(std::cout);
    return internal::kExitOk;
  }
  if (command == "push") return cli::RunPush(argc, argv);
  if (command == "validate") return cli::RunValidate(argc, argv);
  if (command == "versions") return cli::RunVersions(argc, argv);
  if (command == "plugins") return cli::RunPlugins(argc, argv);
  if (command == "schema") return cli::RunSchema(argc, argv);
  std::cerr << "modelpusher: unknown command '" << command << "'\n\n";
  PrintUsage(std::cerr);
  return internal::kExitUsage;
}
