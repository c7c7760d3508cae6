// Memory stays flat: large files stream into the object database and the LFS store in
// bounded pieces, never whole.

#include <gtest/gtest.h>

#include <fstream>

#include "git_registry.h"
#include "git_test_env.h"
#include "modelpusher/testing/fixtures.h"

namespace modelpusher::git {
namespace {

using namespace modelpusher::git::testing;

// Deterministic bytes generated on the fly: the test holds no copy of the model either.
class PatternReader : public ByteReader {
 public:
  PatternReader(uint64_t offset, uint64_t remaining) : position_(offset), remaining_(remaining) {}
  Result<size_t> Read(char* buffer, size_t size) override {
    size_t n = static_cast<size_t>(std::min<uint64_t>(size, remaining_));
    for (size_t i = 0; i < n; ++i) buffer[i] = static_cast<char>((position_ + i) * 7 % 251);
    position_ += n;
    remaining_ -= n;
    return n;
  }

 private:
  uint64_t position_;
  uint64_t remaining_;
};

class PatternSource : public StorageSource {
 public:
  explicit PatternSource(std::map<std::string, uint64_t> sizes) : sizes_(std::move(sizes)) {}
  std::string Describe() const override { return "pattern://"; }
  Result<std::vector<FileEntry>> List() override {
    std::vector<FileEntry> out;
    for (const auto& [path, size] : sizes_) out.push_back({path, size, "", ""});
    return out;
  }
  Result<FileEntry> Stat(const std::string& path) override {
    return FileEntry{path, sizes_.at(path), "", ""};
  }
  Result<std::unique_ptr<ByteReader>> Open(const std::string& path, uint64_t offset,
                                           uint64_t length) override {
    uint64_t size = sizes_.at(path);
    offset = std::min(offset, size);
    return std::unique_ptr<ByteReader>(
        std::make_unique<PatternReader>(offset, std::min(length, size - offset)));
  }

 private:
  std::map<std::string, uint64_t> sizes_;
};

// Peak resident memory since the last reset, in KiB (Linux: VmHWM, reset via clear_refs).
long PeakRssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

TEST(GitRegistryMemory, LargeFilesStreamWithFlatMemory) {
  Sandbox sandbox;
  std::string remote = sandbox.root() + "/remote.git";
  MakeBareRepo(remote, {{"LICENSE", "MIT\n"}});
  ConfigValue config = MakeConfig({{"url", "file://" + remote}});  // default threshold 10MiB
  RegistryContext context{&config, "{version}", sandbox.root()};
  auto registry = MakeGitRegistry(context);
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();

  const uint64_t kLfsSize = 160ull << 20, kPlainSize = 9ull << 20;
  // Six plain blobs just under the LFS limit go through libgit2's pack builder together.
  std::map<std::string, uint64_t> sizes = {{"big.bin", kLfsSize}};
  for (int i = 0; i < 6; ++i) sizes["medium-" + std::to_string(i) + ".bin"] = kPlainSize + i;
  PatternSource source(sizes);
  PushRequest request = modelpusher::testing::MakePushRequest(source, "1", "1");

  std::ofstream("/proc/self/clear_refs") << "5";
  long before = PeakRssKiB();
  auto result = (*registry)->Publish(request);
  long growth_mib = (PeakRssKiB() - before) / 1024;
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->bytes_uploaded, kLfsSize + 6 * kPlainSize + 15);
  EXPECT_LT(growth_mib, 48) << "peak memory grew by " << growth_mib << " MiB for "
                            << ((kLfsSize + 6 * kPlainSize) >> 20) << " MiB of files";
  std::cerr << "[ memory ] peak RSS growth " << growth_mib << " MiB\n";

  // The big file went through LFS, the 9 MiB one is a plain blob, and git-lfs reads both.
  std::string lfs = MustRun("git --git-dir='" + remote + "' cat-file -p 1:big.bin");
  EXPECT_NE(lfs.find("size " + std::to_string(kLfsSize)), std::string::npos);
  EXPECT_EQ(MustRun("git --git-dir='" + remote + "' cat-file -s 1:medium-5.bin"),
            std::to_string(kPlainSize + 5));
  std::string clone = sandbox.root() + "/clone";
  MustRun("git clone -q --branch 1 'file://" + remote + "' '" + clone + "' && cd '" + clone +
          "' && git lfs pull && test $(stat -c %s big.bin) = " + std::to_string(kLfsSize) +
          " && test \"$(sha256sum big.bin | cut -c1-64)\" = " + request.files[0].sha256);
}

}  // namespace
}  // namespace modelpusher::git
