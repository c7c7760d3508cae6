#include "plugin_host/plugin_host.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "config/schema_validator.h"
#include "modelpusher/log.h"

namespace fs = std::filesystem;

namespace modelpusher::internal {
namespace {

std::vector<std::string> SplitPathList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(':', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string KindName(mp_plugin_kind kind) {
  return kind == MP_PLUGIN_KIND_SOURCE ? "source" : "registry";
}

}  // namespace

std::string PluginHost::BundledDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  return (exe.parent_path().parent_path() / MODELPUSHER_PLUGIN_SUBDIR).lexically_normal();
}

Status PluginHost::Discover() {
  search_path_.clear();
  for (const auto& dir : explicit_dirs_) {
    if (!fs::is_directory(dir)) {
      return NotFoundError("--plugin-dir " + dir + " is not a folder");
    }
    search_path_.push_back(fs::absolute(dir).lexically_normal());
  }
  if (const char* env = std::getenv("MODELPUSHER_PLUGIN_PATH")) {
    for (const auto& dir : SplitPathList(env)) {
      // An empty entry would conventionally mean the current directory: never search it.
      if (dir.empty()) continue;
      if (fs::path(dir).is_relative()) {
        Refuse(dir, "MODELPUSHER_PLUGIN_PATH entries must be absolute folders; skipped");
        continue;
      }
      search_path_.push_back(dir);
    }
  }
  if (std::string bundled = BundledDir(); !bundled.empty()) search_path_.push_back(bundled);

  for (const auto& dir : search_path_) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    struct stat st{};
    if (stat(dir.c_str(), &st) == 0 && (st.st_mode & S_IWOTH)) {
      // Anyone could drop or replace a library there; sticky /tmp-style folders included.
      Refuse(dir, "the folder is writable by everyone, so anyone could put code in it that "
                  "modelpusher would run; chmod o-w it (nothing in it was loaded)");
      continue;
    }
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) LoadFile(file);
  }
  return Status::Ok();
}

void PluginHost::Refuse(const std::string& path, const std::string& reason) {
  refused_.push_back({path, reason});
  log::Warn("plugin refused", {{"path", path}, {"reason", reason}});
}

void PluginHost::LoadFile(const std::string& path) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return Refuse(path, "cannot stat the file");
  if (st.st_mode & S_IWOTH) {
    return Refuse(path, "the file is writable by everyone, so anyone could change the code "
                        "modelpusher runs; chmod o-w it");
  }

  // RTLD_LOCAL keeps each plugin's symbols to itself; only the entry point is looked up.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return Refuse(path, std::string("cannot load: ") + dlerror());
  auto entry = reinterpret_cast<mp_plugin_entry_fn>(dlsym(handle, MP_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    return Refuse(path, "no " MP_PLUGIN_ENTRY_SYMBOL " symbol: not a modelpusher plugin");
  }
  const mp_plugin_descriptor* d = entry();
  if (d == nullptr) return Refuse(path, MP_PLUGIN_ENTRY_SYMBOL " returned no descriptor");

  // Only the first two fields may be read before the version is known to match.
  if (d->abi_version != MP_PLUGIN_ABI_VERSION) {
    return Refuse(path, "built for plugin ABI version " + std::to_string(d->abi_version) +
                            ", but this modelpusher uses version " +
                            std::to_string(MP_PLUGIN_ABI_VERSION) +
                            "; rebuild the plugin against this modelpusher's headers");
  }
  if (d->struct_size < sizeof(mp_plugin_descriptor)) {
    return Refuse(path, "descriptor is " + std::to_string(d->struct_size) +
                            " bytes, expected " + std::to_string(sizeof(mp_plugin_descriptor)) +
                            "; rebuild the plugin against this modelpusher's headers");
  }
  if (d->name == nullptr || *d->name == '\0') return Refuse(path, "descriptor has no name");
  if (d->kind != MP_PLUGIN_KIND_SOURCE && d->kind != MP_PLUGIN_KIND_REGISTRY) {
    return Refuse(path, "descriptor kind is neither source nor registry");
  }
  if (d->names == nullptr || d->names[0] == nullptr) {
    return Refuse(path, "descriptor lists no schemes or registry types");
  }
  bool is_source = d->kind == MP_PLUGIN_KIND_SOURCE;
  if ((is_source && d->create_source == nullptr) || (!is_source && d->create_registry == nullptr)) {
    return Refuse(path, "descriptor has no factory for its kind (" + KindName(d->kind) + ")");
  }
  if (d->config_schema != nullptr) {
    Status s = ValidateAgainstSchema(ConfigValue::Map({}), d->config_schema, d->name);
    if (s.code() == StatusCode::kInternal) return Refuse(path, s.message());
  }

  LoadedPlugin plugin;
  plugin.path = path;
  plugin.name = d->name;
  plugin.version = d->version ? d->version : "";
  plugin.kind = d->kind;
  plugin.config_schema = d->config_schema ? d->config_schema : "";
  plugin.create_source = d->create_source;
  plugin.create_registry = d->create_registry;
  for (const char* const* n = d->names; *n != nullptr; ++n) plugin.names.push_back(*n);

  for (const auto& other : plugins_) {
    if (other.kind != plugin.kind) continue;
    for (const auto& n : plugin.names) {
      if (std::find(other.names.begin(), other.names.end(), n) != other.names.end()) {
        return Refuse(path, KindName(plugin.kind) + " '" + n + "' is already served by " +
                                other.path + ", found earlier in the search path");
      }
    }
  }
  log::Debug("plugin loaded", {{"name", plugin.name}, {"path", path}});
  plugins_.push_back(std::move(plugin));
}

Result<const LoadedPlugin*> PluginHost::FindSource(const std::string& scheme) const {
  std::string known;
  for (const auto& p : plugins_) {
    if (p.kind != MP_PLUGIN_KIND_SOURCE) continue;
    for (const auto& n : p.names) {
      if (n == scheme) return &p;
      known += (known.empty() ? "" : ", ") + n;
    }
  }
  return NotFoundError("no source plugin serves '" + scheme + "://' (available: " +
                       (known.empty() ? "none" : known) +
                       "); check the URI, or add the plugin with --plugin-dir");
}

Result<const LoadedPlugin*> PluginHost::FindRegistry(const std::string& type) const {
  std::vector<std::string> known;
  for (const auto& p : plugins_) {
    if (p.kind != MP_PLUGIN_KIND_REGISTRY) continue;
    for (const auto& n : p.names) {
      if (n == type) return &p;
      known.push_back(n);
    }
  }
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  std::string hint = ClosestWord(type, known);
  return NotFoundError("no registry plugin serves type '" + type + "'" +
                       (hint.empty() ? "" : "; did you mean '" + hint + "'?") +
                       " (available: " + (list.empty() ? "none" : list) +
                       "; `modelpusher plugins` shows what was found)");
}

Result<std::unique_ptr<StorageSource>> PluginHost::MakeSource(const std::string& uri,
                                                             const ConfigValue& options) const {
  std::string scheme = "file";
  if (size_t pos = uri.find("://"); pos != std::string::npos) scheme = uri.substr(0, pos);
  MP_ASSIGN_OR_RETURN(const LoadedPlugin* plugin, FindSource(scheme));
  if (!plugin->config_schema.empty() && options.is_map()) {
    MP_RETURN_IF_ERROR(ValidateAgainstSchema(options, plugin->config_schema, "source"));
  }
  SourceContext context{uri, options.is_map() ? &options : nullptr};
  return plugin->create_source(context);
}

Status PluginHost::ValidateRegistry(const ConfigValue& block) const {
  MP_ASSIGN_OR_RETURN(std::string type, block.RequireString("type"));
  auto plugin = FindRegistry(type);
  if (!plugin.ok()) return block.Find("type")->Error(plugin.status().message());
  if ((*plugin)->config_schema.empty()) return Status::Ok();
  // `name` belongs to the core (a label for results), not to the plugin's schema.
  ConfigValue own = ConfigValue::Map(block.location());
  for (const auto& [key, value] : block.entries()) {
    if (key != "name") own.Set(key, value);
  }
  return ValidateAgainstSchema(own, (*plugin)->config_schema, "registry '" + type + "'");
}

Result<std::unique_ptr<ModelRegistry>> PluginHost::MakeRegistry(
    const ConfigValue& block, const std::string& ref_template,
    const std::string& config_dir) const {
  MP_RETURN_IF_ERROR(ValidateRegistry(block));
  MP_ASSIGN_OR_RETURN(const LoadedPlugin* plugin, FindRegistry(block.Find("type")->text()));
  RegistryContext context{&block, ref_template, config_dir};
  return plugin->create_registry(context);
}

}  // namespace modelpusher::internal
