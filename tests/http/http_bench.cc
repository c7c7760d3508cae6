// Throughput of HttpClient on loopback: a streamed PUT to a peer that discards the body and
// an Open download, each of --size bytes (default 1 GiB). Run by hand:
//   build-*/bin/http_bench [size_in_MiB]
// The peer is Python, so the figures are a floor for the client, not its ceiling.

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "modelpusher/http.h"
#include "peer_process.h"

using namespace modelpusher;

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds this process (the client side only; the peer is another process) has used.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t size = (argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024) << 20;
  testing::IsolateEnvironment();
  testing::PeerProcess peer;
  Status started = peer.Start();
  if (!started.ok()) {
    std::fprintf(stderr, "%s\n", started.ToString().c_str());
    return 1;
  }
  HttpClient client;

  HttpRequest put;
  put.method = "PUT";
  put.url = peer.Url("/discard");
  put.body_size = size;
  put.body_source = [size]() -> Result<std::unique_ptr<ByteReader>> {
    return std::unique_ptr<ByteReader>(std::make_unique<testing::PatternReader>(size));
  };
  auto start = std::chrono::steady_clock::now();
  double cpu = CpuSeconds();
  Result<HttpResponse> sent = client.Send(put);
  double put_s = Seconds(start);
  double put_cpu = CpuSeconds() - cpu;
  if (!sent.ok() || sent->status != 200) {
    std::fprintf(stderr, "PUT failed: %s\n", sent.status().ToString().c_str());
    return 1;
  }

  // The pattern generator alone, to tell the client's cost from the source's.
  testing::PatternReader generator(size);
  std::string buffer(1 << 20, '\0');
  start = std::chrono::steady_clock::now();
  while (*generator.Read(buffer.data(), buffer.size()) > 0) {
  }
  double generate_s = Seconds(start);

  HttpRequest get;
  get.url = peer.Url("/download?size=" + std::to_string(size));
  start = std::chrono::steady_clock::now();
  cpu = CpuSeconds();
  Result<HttpResponse> opened = client.Open(get);
  uint64_t received = 0;
  while (opened.ok()) {
    Result<size_t> n = opened->stream->Read(buffer.data(), buffer.size());
    if (!n.ok() || *n == 0) break;
    received += *n;
  }
  double get_s = Seconds(start);
  double get_cpu = CpuSeconds() - cpu;
  if (received != size) {
    std::fprintf(stderr, "download incomplete: %llu bytes\n", (unsigned long long)received);
    return 1;
  }

  double mib = double(size) / (1 << 20);
  std::printf("PUT  %.0f MiB streamed: %.2f s, %.0f MiB/s, client CPU %.2f s "
              "(generating the body alone: %.2f s)\n",
              mib, put_s, mib / put_s, put_cpu, generate_s);
  std::printf("Open %.0f MiB download: %.2f s, %.0f MiB/s, client CPU %.2f s\n", mib, get_s,
              mib / get_s, get_cpu);
  return 0;
}
