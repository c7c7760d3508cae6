// Lists and reads every file below a bucket URI through a source plugin, the way a push
// stages a model: each file streamed once in 1 MiB chunks, `--threads` files at a time,
// optionally written below `--out` (to compare with tools that write files).
//
//   bench_source PLUGIN.so URI [--threads N] [--out DIR] [--option key=value ...]
//
// Prints one line: files=N bytes=B seconds=S MiB_per_s=R. Exit 1 on any error.

#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "modelpusher/plugin_abi.h"

using namespace modelpusher;

namespace {

Status ReadOne(StorageSource& source, const FileEntry& file, const std::string& out_dir,
               std::atomic<uint64_t>& total) {
  MP_ASSIGN_OR_RETURN(auto reader, source.Open(file.path, 0, StorageSource::kToEnd));
  std::ofstream out;
  if (!out_dir.empty()) {
    std::filesystem::path path = std::filesystem::path(out_dir) / file.path;
    std::filesystem::create_directories(path.parent_path());
    out.open(path, std::ios::binary);
  }
  std::vector<char> buffer(1 << 20);
  uint64_t got = 0;
  while (true) {
    MP_ASSIGN_OR_RETURN(size_t n, reader->Read(buffer.data(), buffer.size()));
    if (n == 0) break;
    if (out.is_open()) out.write(buffer.data(), static_cast<std::streamsize>(n));
    got += n;
  }
  if (got != file.size) return DataLossError(file.path + ": short read");
  total += got;
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PLUGIN.so URI [--threads N] [--out DIR] [--option k=v]\n",
                 argv[0]);
    return 2;
  }
  int threads = 4;
  std::string out_dir;
  ConfigValue options = ConfigValue::Map({});
  bool has_options = false;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--threads") threads = std::stoi(value);
    if (flag == "--out") out_dir = value;
    if (flag == "--option") {
      size_t eq = value.find('=');
      options.Set(value.substr(0, eq), ConfigValue::Scalar(value.substr(eq + 1), false, {}));
      has_options = true;
    }
  }
  void* handle = dlopen(argv[1], RTLD_NOW);
  if (handle == nullptr) {
    std::fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  auto entry = reinterpret_cast<mp_plugin_entry_fn>(dlsym(handle, MP_PLUGIN_ENTRY_SYMBOL));
  auto made = entry()->create_source(SourceContext{argv[2], has_options ? &options : nullptr});
  if (!made.ok()) {
    std::fprintf(stderr, "%s\n", made.status().ToString().c_str());
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  auto files = (*made)->List();
  if (!files.ok()) {
    std::fprintf(stderr, "%s\n", files.status().ToString().c_str());
    return 1;
  }
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> total{0};
  std::mutex mutex;
  Status first_error;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < files->size(); i = next++) {
        Status status = ReadOne(**made, (*files)[i], out_dir, total);
        std::lock_guard<std::mutex> lock(mutex);
        if (!status.ok() && first_error.ok()) first_error = status;
      }
    });
  }
  for (auto& thread : pool) thread.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!first_error.ok()) {
    std::fprintf(stderr, "%s\n", first_error.ToString().c_str());
    return 1;
  }
  std::printf("files=%zu bytes=%llu seconds=%.2f MiB_per_s=%.1f\n", files->size(),
              static_cast<unsigned long long>(total.load()), seconds,
              total.load() / 1048576.0 / seconds);
  return 0;
}
