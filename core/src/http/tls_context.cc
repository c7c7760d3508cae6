// NetSSL initialisation and the client TLS context.

#include "http/tls_context.h"

#include <Poco/Exception.h>
#include <Poco/Net/SSLManager.h>

#include <csignal>
#include <filesystem>
#include <mutex>

#include "modelpusher/log.h"

namespace modelpusher::internal {

void IgnoreSigpipeOnce() {
  // Writing to a socket the server has closed raises SIGPIPE on Linux, whose default action
  // kills the process; Poco and OpenSSL send without MSG_NOSIGNAL. An application that
  // installed its own handler keeps it: only the default disposition is replaced.
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      std::signal(SIGPIPE, SIG_IGN);
    }
  });
}

Result<Poco::Net::Context::Ptr> MakeClientTlsContext(const std::string& ca_file) {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });

  std::error_code ec;
  if (!ca_file.empty() && !std::filesystem::exists(ca_file, ec)) {
    return InvalidArgumentError("CA bundle " + ca_file +
                                " does not exist; fix ca_file or remove it to use the system CAs");
  }
  try {
    Poco::Net::Context::Params params;
    params.caLocation = ca_file;
    params.loadDefaultCAs = true;
    params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;  // Client: verify the peer.
    params.cipherList = "DEFAULT:!aNULL:!eNULL:!MD5:!RC4";
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                              Poco::Net::Context::PROTO_TLSV1 |
                              Poco::Net::Context::PROTO_TLSV1_1);
    return context;
  } catch (const Poco::Exception& e) {
    std::string where = ca_file.empty() ? "the system CA store" : "CA bundle " + ca_file;
    return InvalidArgumentError("setting up TLS with " + where + ": " +
                                log::Redact(e.displayText()) +
                                "; check that the file holds PEM certificates");
  }
}

}  // namespace modelpusher::internal
