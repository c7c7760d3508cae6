#include "listing.h"

#include <Poco/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/DOM/NodeList.h>
#include <Poco/Exception.h>
#include <Poco/SAX/InputSource.h>

#include <charconv>
#include <sstream>

namespace modelpusher::s3 {
namespace {

using Poco::XML::Element;

std::string ChildText(const Element* parent, const std::string& name) {
  const Element* child = parent->getChildElement(name);
  return child == nullptr ? "" : child->innerText();
}

std::string Snippet(const std::string& body) {
  return body.size() > 200 ? body.substr(0, 200) + "..." : body;
}

Poco::AutoPtr<Poco::XML::Document> ParseXml(const std::string& xml) {
  Poco::XML::DOMParser parser;
  // S3 documents carry a default namespace; local names are all we match on.
  parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACES, false);
  return parser.parseString(xml);
}

Result<ListedObject> ParseContents(const Element* contents) {
  ListedObject object;
  object.key = ChildText(contents, "Key");
  std::string size = ChildText(contents, "Size");
  auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), object.size);
  if (object.key.empty() || ec != std::errc() || ptr != size.data() + size.size()) {
    return InternalError("listing entry without a key or a numeric size (key \"" + object.key +
                         "\", size \"" + size + "\")");
  }
  object.etag = ChildText(contents, "ETag");
  if (object.etag.size() >= 2 && object.etag.front() == '"' && object.etag.back() == '"') {
    object.etag = object.etag.substr(1, object.etag.size() - 2);
  }
  return object;
}

}  // namespace

// Limitation: listings are requested without encoding-type=url, so a key holding a character
// that XML 1.0 cannot carry (most control characters) makes the page unparsable; servers
// differ in how they encode keys under encoding-type=url ('+' vs %20), which would risk
// misreading keys such as "this+that"; the listing fails with a clear error instead.
Result<ListPage> ParseListPage(const std::string& xml) {
  ListPage page;
  try {
    auto document = ParseXml(xml);
    Element* root = document->documentElement();
    if (root == nullptr || root->nodeName() != "ListBucketResult") {
      return InternalError("listing answer is not a ListBucketResult: " + Snippet(xml));
    }
    for (auto* node = root->firstChild(); node != nullptr; node = node->nextSibling()) {
      if (node->nodeType() != Poco::XML::Node::ELEMENT_NODE) continue;
      auto* element = static_cast<Element*>(node);
      if (element->nodeName() == "Contents") {
        MP_ASSIGN_OR_RETURN(ListedObject object, ParseContents(element));
        page.objects.push_back(std::move(object));
      }
    }
    page.truncated = ChildText(root, "IsTruncated") == "true";
    page.next_token = ChildText(root, "NextContinuationToken");
  } catch (const Poco::Exception& e) {
    return InternalError("listing answer is not valid XML (" + e.displayText() +
                         "): " + Snippet(xml));
  }
  return page;
}

S3Error ParseError(const std::string& xml) {
  S3Error error;
  try {
    auto document = ParseXml(xml);
    Element* root = document->documentElement();
    if (root == nullptr || root->nodeName() != "Error") return error;
    error.code = ChildText(root, "Code");
    error.message = ChildText(root, "Message");
    error.region = ChildText(root, "Region");
  } catch (const Poco::Exception&) {
    // Not XML (a proxy's HTML page, an empty HEAD body): the status code says enough.
  }
  return error;
}

std::vector<std::pair<std::string, std::string>> ListPager::NextQuery() const {
  std::vector<std::pair<std::string, std::string>> query = {{"list-type", "2"}};
  if (!prefix_.empty()) query.emplace_back("prefix", prefix_);
  if (page_size_ > 0) query.emplace_back("max-keys", std::to_string(page_size_));
  if (!token_.empty()) {
    query.emplace_back("continuation-token", token_);
  } else if (!start_after_.empty()) {
    query.emplace_back("start-after", start_after_);
  }
  return query;
}

Result<bool> ListPager::Accept(const ListPage& page) {
  ++pages_;
  if (!page.objects.empty() && !seen_first_keys_.insert(page.objects.front().key).second) {
    return InternalError("the server returned a page starting at \"" +
                         page.objects.front().key + "\" twice; stopping instead of looping");
  }
  if (!page.truncated) return false;
  if (!page.next_token.empty()) {
    if (!seen_tokens_.insert(page.next_token).second) {
      return InternalError("the server returned continuation token \"" + page.next_token +
                           "\" twice; stopping instead of looping");
    }
    token_ = page.next_token;
    return true;
  }
  // Truncated without a token (some S3-compatible stores): go on after the last key.
  if (page.objects.empty() || page.objects.back().key <= start_after_) {
    return InternalError("the server said the listing is truncated but gave neither a "
                         "continuation token nor a new key to continue after");
  }
  token_.clear();
  start_after_ = page.objects.back().key;
  return true;
}

}  // namespace modelpusher::s3
