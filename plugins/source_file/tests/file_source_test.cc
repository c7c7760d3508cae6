#include "file_source.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "modelpusher/io.h"
#include "modelpusher/plugin_abi.h"
#include "modelpusher/temp_dir.h"
#include "modelpusher/testing/fixtures.h"

namespace modelpusher::source_file {
namespace {

namespace fs = std::filesystem;
using modelpusher::testing::WriteTree;

class FileSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Make("mp-file-source-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    temp_ = std::make_unique<TempDir>(std::move(dir).value());
    root_ = temp_->path() + "/model";
    fs::create_directories(root_);
  }

  std::unique_ptr<StorageSource> Source(const std::string& uri) {
    SourceContext context;
    context.uri = uri;
    auto source = MakeFileSource(context);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    return source.ok() ? std::move(source).value() : nullptr;
  }

  std::map<std::string, uint64_t> ListSizes(StorageSource& source) {
    auto listing = source.List();
    EXPECT_TRUE(listing.ok()) << listing.status().ToString();
    std::map<std::string, uint64_t> out;
    if (listing.ok()) {
      for (const auto& entry : *listing) out[entry.path] = entry.size;
    }
    return out;
  }

  std::vector<std::string> ListPaths(StorageSource& source) {
    auto listing = source.List();
    EXPECT_TRUE(listing.ok()) << listing.status().ToString();
    std::vector<std::string> out;
    if (listing.ok()) {
      for (const auto& entry : *listing) out.push_back(entry.path);
    }
    return out;
  }

  std::string ReadFile(StorageSource& source, const std::string& path, uint64_t offset = 0,
                       uint64_t length = StorageSource::kToEnd) {
    auto reader = source.Open(path, offset, length);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return "<error>";
    auto content = ReadAll(**reader, 64 << 20);
    EXPECT_TRUE(content.ok()) << content.status().ToString();
    return content.ok() ? *content : "<error>";
  }

  std::unique_ptr<TempDir> temp_;
  std::string root_;
};

std::string Bytes(size_t size, char seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>(seed + i * 31 % 251);
  return out;
}

TEST_F(FileSourceTest, ListsEverySavedModelFileAtItsRelativePath) {
  std::map<std::string, std::string> tree = {
      {"saved_model.pb", Bytes(4096, 1)},
      {"keras_metadata.pb", Bytes(300, 2)},
      {"fingerprint.pb", Bytes(56, 3)},
      {"variables/variables.index", Bytes(1234, 4)},
      {"variables/variables.data-00000-of-00001", Bytes(3 << 20, 5)},
      {"assets/vocab.txt", "the\nquick\nbrown\n"},
      {"logs/train/events.out.tfevents.1.v2", Bytes(777, 6)},
      {"logs/validation/events.out.tfevents.2.v2", Bytes(555, 7)},
  };
  WriteTree(root_, tree);
  fs::create_directories(root_ + "/assets/empty_dir");
  auto source = Source(root_);

  std::map<std::string, uint64_t> expected;
  for (const auto& [path, content] : tree) expected[path] = content.size();
  EXPECT_EQ(ListSizes(*source), expected);
  for (const auto& [path, content] : tree) EXPECT_EQ(ReadFile(*source, path), content) << path;
}

TEST_F(FileSourceTest, ListsSortedPaths) {
  WriteTree(root_, {{"b", "1"}, {"a/z", "2"}, {"a/b/c", "3"}, {"A", "4"}, {"a.txt", "5"}});
  auto source = Source(root_);
  EXPECT_EQ(ListPaths(*source),
            (std::vector<std::string>{"A", "a.txt", "a/b/c", "a/z", "b"}));
}

TEST_F(FileSourceTest, PublishesExactlyTheFilesOfAFolderNamedModel) {
  WriteTree(root_, {{"model.pkl", "pickle"},
                    {"MLmodel", "flavors: {}\n"},
                    {"conda.yaml", "name: env\n"},
                    {"modelcard.md", "# card\n"},
                    {"model/model.pkl", "inner pickle"}});
  auto source = Source("file://" + root_);
  EXPECT_EQ(ListPaths(*source), (std::vector<std::string>{"MLmodel", "conda.yaml", "model.pkl",
                                                          "model/model.pkl", "modelcard.md"}));
  EXPECT_EQ(ReadFile(*source, "model/model.pkl"), "inner pickle");
}

TEST_F(FileSourceTest, NeverListsGitMetadataButPublishesOtherDotfiles) {
  WriteTree(root_, {{".git/HEAD", "ref: refs/heads/main\n"},
                    {".git/objects/ab/cdef", "blob"},
                    {"sub/.git", "gitdir: ../.git/modules/sub\n"},
                    {"sub/weights.bin", "w"},
                    {".gitignore", "*.tmp\n"},
                    {".hidden_meta.json", "{}"},
                    {"saved_model.pb", "pb"}});
  auto source = Source(root_);
  EXPECT_EQ(ListPaths(*source),
            (std::vector<std::string>{".gitignore", ".hidden_meta.json", "saved_model.pb",
                                      "sub/weights.bin"}));
  auto stat = source->Stat(".git/HEAD");
  EXPECT_EQ(stat.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(source->Open("sub/.git").status().code(), StatusCode::kNotFound);
}

TEST_F(FileSourceTest, SkipsEmptyFolders) {
  fs::create_directories(root_ + "/empty/deeper/still_empty");
  WriteTree(root_, {{"kept/file.txt", "x"}});
  auto source = Source(root_);
  EXPECT_EQ(ListPaths(*source), (std::vector<std::string>{"kept/file.txt"}));
}

TEST_F(FileSourceTest, RefusesFileNameWithBackslash) {
  WriteTree(root_, {{"ok.txt", "fine"}, {"a\\b.txt", "windows-ish"}});
  auto source = Source(root_);
  auto listing = source->List();
  ASSERT_FALSE(listing.ok());
  EXPECT_EQ(listing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(listing.status().message().find("a\\b.txt"), std::string::npos)
      << listing.status().message();
  EXPECT_NE(listing.status().message().find("backslash"), std::string::npos);
  EXPECT_NE(listing.status().message().find(root_), std::string::npos);
}

TEST_F(FileSourceTest, FollowsSymlinksThatStayInsideTheRoot) {
  WriteTree(root_, {{"data/weights.bin", "weights"}, {"shared/vocab.txt", "vocab"}});
  fs::create_symlink("data/weights.bin", root_ + "/weights.bin");
  fs::create_symlink(root_ + "/shared", root_ + "/assets");  // Absolute, still inside.
  auto source = Source(root_);
  EXPECT_EQ(ListPaths(*source),
            (std::vector<std::string>{"assets/vocab.txt", "data/weights.bin",
                                      "shared/vocab.txt", "weights.bin"}));
  EXPECT_EQ(ReadFile(*source, "weights.bin"), "weights");
  EXPECT_EQ(ReadFile(*source, "assets/vocab.txt"), "vocab");
}

TEST_F(FileSourceTest, RefusesSymlinkThatLeavesTheRoot) {
  WriteTree(temp_->path(), {{"outside/secret.txt", "not model content"}});
  WriteTree(root_, {{"saved_model.pb", "pb"}});
  fs::create_symlink("../outside/secret.txt", root_ + "/escape.txt");
  auto source = Source(root_);

  auto listing = source->List();
  ASSERT_FALSE(listing.ok());
  EXPECT_EQ(listing.status().code(), StatusCode::kFailedPrecondition);
  const std::string message = listing.status().message();
  EXPECT_NE(message.find("escape.txt"), std::string::npos) << message;
  EXPECT_NE(message.find("../outside/secret.txt"), std::string::npos) << message;
  EXPECT_NE(message.find("outside the model folder"), std::string::npos) << message;

  // Reading it directly is refused the same way, before a byte is read.
  EXPECT_EQ(source->Open("escape.txt").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(source->Stat("escape.txt").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(FileSourceTest, RefusesFolderSymlinkThatLeavesTheRoot) {
  WriteTree(temp_->path(), {{"elsewhere/a.bin", "a"}});
  fs::create_symlink(temp_->path() + "/elsewhere", root_ + "/linked");
  auto source = Source(root_);
  auto listing = source->List();
  EXPECT_EQ(listing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(listing.status().message().find("linked"), std::string::npos);
}

TEST_F(FileSourceTest, RefusesSymlinkLoopThroughAnAncestor) {
  WriteTree(root_, {{"sub/file.txt", "x"}});
  fs::create_symlink("..", root_ + "/sub/up");
  auto source = Source(root_);
  auto listing = source->List();
  ASSERT_FALSE(listing.ok());
  EXPECT_EQ(listing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(listing.status().message().find("sub/up"), std::string::npos);
  EXPECT_NE(listing.status().message().find("loop"), std::string::npos);
}

TEST_F(FileSourceTest, RefusesSymlinkCycle) {
  WriteTree(root_, {{"file.txt", "x"}});
  fs::create_symlink("b", root_ + "/a");
  fs::create_symlink("a", root_ + "/b");
  auto source = Source(root_);
  auto listing = source->List();
  ASSERT_FALSE(listing.ok());
  EXPECT_EQ(listing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(listing.status().message().find("loop"), std::string::npos);
}

TEST_F(FileSourceTest, RefusesDanglingSymlink) {
  fs::create_symlink("missing.bin", root_ + "/weights.bin");
  auto source = Source(root_);
  auto listing = source->List();
  EXPECT_EQ(listing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(listing.status().message().find("missing.bin"), std::string::npos);
}

TEST_F(FileSourceTest, SkipsFifos) {
  WriteTree(root_, {{"file.txt", "x"}});
  ASSERT_EQ(mkfifo((root_ + "/pipe").c_str(), 0600), 0);
  auto source = Source(root_);
  EXPECT_EQ(ListPaths(*source), (std::vector<std::string>{"file.txt"}));
}

TEST_F(FileSourceTest, MissingRootIsNotFoundNamingThePath) {
  auto source = Source(temp_->path() + "/no-such-model");
  auto listing = source->List();
  EXPECT_EQ(listing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(listing.status().message().find(temp_->path() + "/no-such-model"),
            std::string::npos);
}

TEST_F(FileSourceTest, RootThatIsAFileIsInvalidArgument) {
  WriteTree(temp_->path(), {{"model.pkl", "pickle"}});
  auto source = Source(temp_->path() + "/model.pkl");
  auto listing = source->List();
  EXPECT_EQ(listing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(listing.status().message().find("model.pkl"), std::string::npos);
}

TEST_F(FileSourceTest, RootThroughASymlinkIsFollowed) {
  WriteTree(root_, {{"a.bin", "a"}});
  fs::create_symlink(root_, temp_->path() + "/current");
  auto source = Source(temp_->path() + "/current/");
  EXPECT_EQ(ListPaths(*source), (std::vector<std::string>{"a.bin"}));
}

TEST_F(FileSourceTest, StatReportsSizeAndNotFound) {
  WriteTree(root_, {{"variables/variables.index", "12345"}});
  auto source = Source(root_);
  auto stat = source->Stat("variables/variables.index");
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(stat->path, "variables/variables.index");
  EXPECT_EQ(stat->size, 5u);
  EXPECT_EQ(source->Stat("variables/missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(source->Stat("variables").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(source->Stat("../model/variables/variables.index").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(source->Stat("/etc/passwd").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FileSourceTest, OpensByteRanges) {
  WriteTree(root_, {{"f.bin", "0123456789"}});
  auto source = Source(root_);
  EXPECT_EQ(ReadFile(*source, "f.bin", 3, 4), "3456");
  EXPECT_EQ(ReadFile(*source, "f.bin", 7), "789");
  EXPECT_EQ(ReadFile(*source, "f.bin", 8, 100), "89");  // Cut at the end.
  EXPECT_EQ(ReadFile(*source, "f.bin", 10), "");
  EXPECT_EQ(source->Open("f.bin", 11).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FileSourceTest, ReaderFailsWithDataLossWhenTheFileShrinks) {
  const std::string content = Bytes(1 << 20, 9);
  WriteTree(root_, {{"big.bin", content}});
  auto source = Source(root_);
  auto reader = source->Open("big.bin");
  ASSERT_TRUE(reader.ok());
  std::string buffer(64 * 1024, '\0');
  auto first = (*reader)->Read(buffer.data(), buffer.size());
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(buffer.substr(0, *first), content.substr(0, *first));

  ASSERT_EQ(truncate((root_ + "/big.bin").c_str(), 100 * 1024), 0);
  Status failure;
  for (int i = 0; i < 64 && failure.ok(); ++i) {
    auto n = (*reader)->Read(buffer.data(), buffer.size());
    if (!n.ok()) failure = n.status();
    else ASSERT_GT(*n, 0u) << "the stream ended quietly before the announced size";
  }
  EXPECT_EQ(failure.code(), StatusCode::kDataLoss);
  EXPECT_NE(failure.message().find("big.bin"), std::string::npos);
}

TEST(FileSourceUri, AcceptsFileUrisAndAbsolutePaths) {
  EXPECT_EQ(RootFromUri("file:///srv/models/m1").ValueOr("?"), "/srv/models/m1");
  EXPECT_EQ(RootFromUri("file://localhost/srv/m").ValueOr("?"), "/srv/m");
  EXPECT_EQ(RootFromUri("file:///srv/my%20model/").ValueOr("?"), "/srv/my model");
  EXPECT_EQ(RootFromUri("/srv/100%model").ValueOr("?"), "/srv/100%model");
  EXPECT_EQ(RootFromUri("/").ValueOr("?"), "/");
}

TEST(FileSourceUri, RefusesRemoteHostsRelativePathsAndOtherSchemes) {
  EXPECT_EQ(RootFromUri("file://fileserver/srv/m").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RootFromUri("models/m1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RootFromUri("s3://bucket/m").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RootFromUri("file:///bad%zzescape").status().code(), StatusCode::kInvalidArgument);
}

TEST(FileSourceOptions, RefusesUnknownOptionWithItsLocation) {
  ConfigValue options = ConfigValue::Map({"push.yaml", 3, 3});
  options.Set("uri", ConfigValue::Scalar("/srv/m", false, {"push.yaml", 3, 8}));
  options.Set("follow_symlinks", ConfigValue::Scalar("false", false, {"push.yaml", 4, 20}));
  SourceContext context{"/srv/m", &options};
  auto source = MakeFileSource(context);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(source.status().message().find("push.yaml:4:20"), std::string::npos)
      << source.status().message();
  EXPECT_NE(source.status().message().find("follow_symlinks"), std::string::npos);
}

// The built shared object, as the plugin host will load it.
TEST(FileSourcePlugin, ExportsADescriptorForTheFileScheme) {
  void* handle = dlopen(MP_SOURCE_FILE_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  auto entry = reinterpret_cast<mp_plugin_entry_fn>(dlsym(handle, MP_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr) << dlerror();
  const mp_plugin_descriptor* descriptor = entry();
  EXPECT_EQ(descriptor->abi_version, MP_PLUGIN_ABI_VERSION);
  EXPECT_EQ(descriptor->struct_size, sizeof(mp_plugin_descriptor));
  EXPECT_EQ(descriptor->kind, MP_PLUGIN_KIND_SOURCE);
  ASSERT_NE(descriptor->names[0], nullptr);
  EXPECT_STREQ(descriptor->names[0], "file");
  EXPECT_EQ(descriptor->names[1], nullptr);
  EXPECT_NE(std::string(descriptor->config_schema).find("\"uri\""), std::string::npos);
  ASSERT_NE(descriptor->create_source, nullptr);
  EXPECT_EQ(descriptor->create_registry, nullptr);

  auto temp = TempDir::Make("mp-file-plugin-");
  ASSERT_TRUE(temp.ok());
  WriteTree(temp->path(), {{"m/saved_model.pb", "pb"}});
  auto source = descriptor->create_source(SourceContext{"file://" + temp->path() + "/m"});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto listing = (*source)->List();
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  ASSERT_EQ(listing->size(), 1u);
  EXPECT_EQ((*listing)[0].path, "saved_model.pb");
  // Never dlclose: the plugin ABI says the host keeps plugins loaded while objects live.
}

}  // namespace
}  // namespace modelpusher::source_file
