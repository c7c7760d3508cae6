#pragma once

// The `file` source: a model folder on a local (or locally mounted) file system.
//
// Publishing rules, shared with README.md:
// - Every regular file below the root is published, recursively, at its path relative to the
//   root with '/' separators.
// - Git metadata is never published: anything named `.git`, folder or file (a submodule or
//   worktree link), is skipped with everything below it (path_map.h: IsGitInternal).
// - Other dotfiles (`.gitignore`, `.hidden_meta.json`, ...) ARE published: they can be model
//   content, and dropping them silently would change the model.
// - Empty folders are not published: there is nothing in them, and git and the Hub cannot
//   hold a folder without a file.
// - A symlink whose target resolves inside the root is followed: the file (or folder) is
//   published at the link's path. One that resolves outside the root, dangles, or loops is
//   refused with kFailedPrecondition naming the link and its target, before anything is read.
// - A file name holding a backslash is refused (kInvalidArgument): it would publish as a
//   folder on the Hub and on Windows (path_map.h: ToPublishedPath).
// - Sockets, FIFOs and devices are skipped with a warning: they are not model content, and
//   reading a FIFO would block.

#include <memory>
#include <string>

#include "modelpusher/plugin_abi.h"
#include "modelpusher/status.h"
#include "modelpusher/storage_source.h"

namespace modelpusher::source_file {

/// The absolute folder named by `uri`: "file:///abs/path" (percent-decoded; host empty or
/// "localhost") or an absolute path (taken literally). A trailing '/' is dropped.
/// Errors: kInvalidArgument for another scheme, a remote host, a relative path, a bad escape.
Result<std::string> RootFromUri(const std::string& uri);

/// Makes a source over the folder named by `context.uri`. The folder is not touched yet:
/// List, Stat and Open report a missing root (kNotFound) or a root that is a file
/// (kInvalidArgument). `context.options` may hold `uri` and nothing else.
/// Errors: those of RootFromUri; kInvalidArgument for an unknown option, with its location.
Result<std::unique_ptr<StorageSource>> MakeFileSource(const SourceContext& context);

}  // namespace modelpusher::source_file
