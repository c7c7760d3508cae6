// The built plugin as the host sees it: one entry point, a valid descriptor, a schema.

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <Poco/JSON/Parser.h>

#include <cstring>

#include "modelpusher/plugin_abi.h"

namespace {

TEST(GitPlugin, ExportsADescriptorWithSchema) {
  void* handle = dlopen(GIT_PLUGIN_FILE, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  auto entry = reinterpret_cast<mp_plugin_entry_fn>(dlsym(handle, MP_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  const mp_plugin_descriptor* descriptor = entry();
  EXPECT_EQ(descriptor->abi_version, MP_PLUGIN_ABI_VERSION);
  EXPECT_EQ(descriptor->struct_size, sizeof(mp_plugin_descriptor));
  EXPECT_STREQ(descriptor->name, "git");
  EXPECT_EQ(descriptor->kind, MP_PLUGIN_KIND_REGISTRY);
  EXPECT_STREQ(descriptor->names[0], "git");
  EXPECT_EQ(descriptor->names[1], nullptr);
  EXPECT_NE(descriptor->create_registry, nullptr);
  ASSERT_NE(descriptor->config_schema, nullptr);
  Poco::JSON::Parser parser;
  auto schema = parser.parse(descriptor->config_schema).extract<Poco::JSON::Object::Ptr>();
  auto properties = schema->getObject("properties");
  ASSERT_TRUE(properties);
  for (const char* key : {"url", "ref_type", "base", "author", "lfs_threshold", "lfs_patterns",
                          "token", "username", "ssh_key", "path_in_repo"}) {
    EXPECT_TRUE(properties->has(key)) << key;
  }
  // Only the entry point is exported.
  EXPECT_EQ(dlsym(handle, "_ZN11modelpusher3git14ParseGitConfigERKNS_15RegistryContextE"),
            nullptr);
}

}  // namespace
