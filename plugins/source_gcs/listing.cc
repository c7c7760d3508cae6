#include "listing.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <array>
#include <charconv>

#include "modelpusher/hash.h"

namespace modelpusher::gcs {
namespace {

std::string Snippet(const std::string& body) {
  return body.size() > 200 ? body.substr(0, 200) + "..." : body;
}

std::string Text(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  if (!object->has(key) || object->get(key).isEmpty()) return "";
  return object->get(key).convert<std::string>();
}

Result<ListedObject> ParseItem(const Poco::JSON::Object::Ptr& item) {
  ListedObject object;
  object.name = Text(item, "name");
  std::string size = Text(item, "size");  // a string in the JSON API (int64 as text)
  auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), object.size);
  if (object.name.empty() || ec != std::errc() || ptr != size.data() + size.size()) {
    return InternalError("listing item without a name or a numeric size (name \"" +
                         object.name + "\", size \"" + size + "\")");
  }
  std::string raw;
  if (Base64Decode(Text(item, "md5Hash"), &raw) && raw.size() == 16) object.md5 = HexEncode(raw);
  if (Base64Decode(Text(item, "crc32c"), &raw) && raw.size() == 4) {
    object.crc32c = (uint32_t(uint8_t(raw[0])) << 24) | (uint32_t(uint8_t(raw[1])) << 16) |
                    (uint32_t(uint8_t(raw[2])) << 8) | uint32_t(uint8_t(raw[3]));
  }
  return object;
}

std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    table[i] = crc;
  }
  return table;
}

}  // namespace

Result<ListPage> ParseListPage(const std::string& json) {
  ListPage page;
  try {
    auto root = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
    page.next_page_token = Text(root, "nextPageToken");
    auto items = root->getArray("items");
    for (size_t i = 0; items && i < items->size(); ++i) {
      MP_ASSIGN_OR_RETURN(ListedObject object, ParseItem(items->getObject(i)));
      page.objects.push_back(std::move(object));
    }
  } catch (const Poco::Exception& e) {
    return InternalError("listing answer is not an objects list (" + e.displayText() +
                         "): " + Snippet(json));
  }
  return page;
}

Result<ListedObject> ParseObject(const std::string& json) {
  try {
    return ParseItem(Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>());
  } catch (const Poco::Exception& e) {
    return InternalError("object answer is not JSON (" + e.displayText() + "): " +
                         Snippet(json));
  }
}

std::string ParseErrorMessage(const std::string& json) {
  try {
    auto root = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
    auto error = root->getObject("error");
    return error ? Text(error, "message") : "";
  } catch (const Poco::Exception&) {
    return "";  // Not JSON (an HTML page from a proxy): the status code says enough.
  }
}

uint32_t Crc32c(uint32_t crc, const char* data, size_t size) {
  static const std::array<uint32_t, 256> kTable = MakeCrcTable();
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) crc = kTable[(crc ^ uint8_t(data[i])) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

}  // namespace modelpusher::gcs
