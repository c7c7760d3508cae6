#include "modelpusher/model_registry.h"

namespace modelpusher {

const char* PushStatusName(PushStatus status) {
  switch (status) {
    case PushStatus::kPushed: return "pushed";
    case PushStatus::kUnchanged: return "unchanged";
    case PushStatus::kNotBlessed: return "not_blessed";
    case PushStatus::kDryRun: return "dry_run";
    case PushStatus::kFailed: return "failed";
  }
  return "failed";
}

}  // namespace modelpusher
