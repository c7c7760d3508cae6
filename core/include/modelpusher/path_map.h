#pragma once

// Mapping source paths to published paths.
// Thread safety: pure functions; call them from any thread.

#include <string>

#include "modelpusher/status.h"

namespace modelpusher {

/// Normalises a destination prefix (`path_in_repo`): "", ".", "./" and "/" mean the root
/// (""); "sub/./dir/" and "sub//dir" become "sub/dir"; backslashes are separators.
/// Errors: kInvalidArgument for any ".." segment, naming the prefix.
Result<std::string> NormalizePrefix(const std::string& prefix);

/// Joins a normalised prefix and a relative path with exactly one '/'.
std::string JoinPath(const std::string& prefix, const std::string& relative);

/// Turns an OS-native relative path into a published one: '/' separators on every
/// platform. On POSIX, a backslash is an ordinary file-name character, and a file name
/// holding one is refused (kInvalidArgument) because it would publish as a folder on
/// Windows and on the Hub; on Windows, '\\' is the separator and becomes '/'.
Result<std::string> ToPublishedPath(const std::string& native_relative, bool windows_separators);

/// True for a path that must never be published: a component named ".git" (folder or
/// file), since git metadata is not model content.
bool IsGitInternal(const std::string& published_path);

}  // namespace modelpusher
