#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "plugin_host/plugin_host.h"

namespace fs = std::filesystem;

namespace modelpusher::internal {
namespace {

std::string ReasonFor(const PluginHost& host, const std::string& file_name) {
  for (const auto& r : host.refused()) {
    if (fs::path(r.path).filename() == file_name) return r.reason;
  }
  return "";
}

class PluginHostTest : public ::testing::Test {
 protected:
  void SetUp() override { unsetenv("MODELPUSHER_PLUGIN_PATH"); }
};

TEST_F(PluginHostTest, FindsBundledPluginsNextToTheExecutable) {
  PluginHost host;
  ASSERT_TRUE(host.Discover().ok());
  auto file = host.FindSource("file");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_NE((*file)->path.find("lib/modelpusher/plugins"), std::string::npos);
}

TEST_F(PluginHostTest, RefusesAPluginBuiltForAnotherAbiNamingFileAndBothVersions) {
  PluginHost host;
  host.AddSearchDir(BAD_PLUGIN_DIR);
  ASSERT_TRUE(host.Discover().ok());
  std::string reason = ReasonFor(host, "bad_wrong_abi.so");
  EXPECT_NE(reason.find("ABI version " + std::to_string(MP_PLUGIN_ABI_VERSION - 1)),
            std::string::npos)
      << reason;
  EXPECT_NE(reason.find("uses version " + std::to_string(MP_PLUGIN_ABI_VERSION)),
            std::string::npos)
      << reason;
  EXPECT_NE(reason.find("rebuild"), std::string::npos);
}

TEST_F(PluginHostTest, RefusesMalformedPluginsWithDistinctReasons) {
  PluginHost host;
  host.AddSearchDir(BAD_PLUGIN_DIR);
  ASSERT_TRUE(host.Discover().ok());
  EXPECT_NE(ReasonFor(host, "bad_no_entry.so").find("not a modelpusher plugin"),
            std::string::npos);
  EXPECT_NE(ReasonFor(host, "bad_null_descriptor.so").find("no descriptor"), std::string::npos);
  EXPECT_NE(ReasonFor(host, "bad_no_names.so").find("lists no schemes"), std::string::npos);
  EXPECT_NE(ReasonFor(host, "bad_wrong_kind.so").find("neither source nor registry"),
            std::string::npos);
  EXPECT_FALSE(host.FindRegistry("echo").ok()) << "no bad plugin may be used";
}

TEST_F(PluginHostTest, PluginDirComesBeforeEnvironmentAndBundled) {
  setenv("MODELPUSHER_PLUGIN_PATH", ("relative/dir::" + std::string(GOOD_PLUGIN_DIR)).c_str(), 1);
  PluginHost host;
  ASSERT_TRUE(host.Discover().ok());
  ASSERT_GE(host.search_path().size(), 2u);
  EXPECT_EQ(host.search_path()[0], GOOD_PLUGIN_DIR);
  auto echo = host.FindRegistry("echo");
  ASSERT_TRUE(echo.ok());
  // The relative entry is refused, the empty one (the current directory) silently skipped.
  EXPECT_NE(ReasonFor(host, "dir").find("must be absolute"), std::string::npos);
  for (const auto& dir : host.search_path()) EXPECT_NE(dir, fs::current_path().string());
  unsetenv("MODELPUSHER_PLUGIN_PATH");
}

TEST_F(PluginHostTest, SecondPluginForTheSameTypeIsShadowed) {
  fs::path dir = fs::temp_directory_path() / "mp_shadow_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(fs::path(GOOD_PLUGIN_DIR) / "good_echo_registry.so", dir / "echo_copy.so");
  PluginHost host;
  host.AddSearchDir(GOOD_PLUGIN_DIR);
  host.AddSearchDir(dir.string());
  ASSERT_TRUE(host.Discover().ok());
  EXPECT_NE(ReasonFor(host, "echo_copy.so").find("already served by"), std::string::npos);
  EXPECT_EQ((*host.FindRegistry("echo"))->path,
            (fs::path(GOOD_PLUGIN_DIR) / "good_echo_registry.so").string());
  fs::remove_all(dir);
}

TEST_F(PluginHostTest, RefusesWorldWritablePluginFiles) {
  fs::path dir = fs::temp_directory_path() / "mp_writable_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path copy = dir / "echo_writable.so";
  fs::copy_file(fs::path(GOOD_PLUGIN_DIR) / "good_echo_registry.so", copy);
  chmod(copy.c_str(), 0666);
  PluginHost host;
  host.AddSearchDir(dir.string());
  ASSERT_TRUE(host.Discover().ok());
  EXPECT_NE(ReasonFor(host, "echo_writable.so").find("writable by everyone"), std::string::npos);
  fs::remove_all(dir);
}

TEST_F(PluginHostTest, MissingPluginDirIsAnError) {
  PluginHost host;
  host.AddSearchDir("/nonexistent/plugins");
  Status s = host.Discover();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
}

TEST_F(PluginHostTest, UnknownRegistryTypeSuggestsTheClosest) {
  PluginHost host;
  host.AddSearchDir(GOOD_PLUGIN_DIR);
  ASSERT_TRUE(host.Discover().ok());
  auto r = host.FindRegistry("ecoh");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("did you mean 'echo'"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace modelpusher::internal
