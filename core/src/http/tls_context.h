#pragma once

// The TLS client context: peers verified against the system CA store plus an optional bundle.

#include <Poco/Net/Context.h>

#include <string>

#include "modelpusher/status.h"

namespace modelpusher::internal {

/// Initialises NetSSL once per process (thread safe; never undone, so sessions may outlive
/// any client) and makes a client context that verifies peers against the system CAs and
/// `ca_file` (PEM file or hashed folder) when it is not empty.
/// Errors: kInvalidArgument (ca_file missing or unreadable), kInternal (OpenSSL refused).
Result<Poco::Net::Context::Ptr> MakeClientTlsContext(const std::string& ca_file);

/// Makes SIGPIPE harmless for the process, once (see the comment in the .cc).
void IgnoreSigpipeOnce();

}  // namespace modelpusher::internal
