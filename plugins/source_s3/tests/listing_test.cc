// ListObjectsV2 pages and the pager's loop protection, on documents shaped as S3 sends them.

#include "listing.h"

#include <gtest/gtest.h>

namespace modelpusher::s3 {
namespace {

std::string Page(const std::vector<std::pair<std::string, int>>& objects, bool truncated,
                 const std::string& token) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix>m/</Prefix>";
  for (const auto& [key, size] : objects) {
    xml += "<Contents><Key>" + key + "</Key><Size>" + std::to_string(size) +
           "</Size><ETag>&quot;0123456789abcdef0123456789abcdef&quot;</ETag></Contents>";
  }
  xml += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
  if (!token.empty()) xml += "<NextContinuationToken>" + token + "</NextContinuationToken>";
  return xml + "</ListBucketResult>";
}

TEST(S3Listing, ParsesKeysWithEntitiesSizesAndEtags) {
  auto page = ParseListPage(Page({{"m/a&amp;b&lt;c&gt;", 5}, {"m/ü", 0}}, true, "tok=="));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "m/a&b<c>");
  EXPECT_EQ(page->objects[0].size, 5u);
  EXPECT_EQ(page->objects[0].etag, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(page->objects[1].key, "m/ü");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "tok==");
}

TEST(S3Listing, RefusesAnErrorDocumentAsAListing) {
  auto page = ParseListPage("<Error><Code>AccessDenied</Code></Error>");
  EXPECT_FALSE(page.ok());
  S3Error error = ParseError(
      "<Error><Code>PermanentRedirect</Code><Message>m</Message><Region>eu-west-3</Region>"
      "</Error>");
  EXPECT_EQ(error.code, "PermanentRedirect");
  EXPECT_EQ(error.region, "eu-west-3");
}

TEST(S3Listing, PagerFollowsTokensThenStops) {
  ListPager pager("m/", 2);
  auto first = pager.NextQuery();
  EXPECT_NE(std::find(first.begin(), first.end(), std::make_pair(std::string("max-keys"),
                                                                 std::string("2"))),
            first.end());
  auto more = pager.Accept(*ParseListPage(Page({{"m/a", 1}, {"m/b", 1}}, true, "t1")));
  ASSERT_TRUE(more.ok() && *more);
  auto next = pager.NextQuery();
  EXPECT_NE(std::find(next.begin(), next.end(),
                      std::make_pair(std::string("continuation-token"), std::string("t1"))),
            next.end());
  more = pager.Accept(*ParseListPage(Page({{"m/c", 1}}, false, "")));
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

TEST(S3Listing, PagerContinuesAfterLastKeyWhenTokenMissing) {
  ListPager pager("m/", 0);
  auto more = pager.Accept(*ParseListPage(Page({{"m/a", 1}, {"m/b", 1}}, true, "")));
  ASSERT_TRUE(more.ok() && *more);
  auto next = pager.NextQuery();
  EXPECT_NE(std::find(next.begin(), next.end(),
                      std::make_pair(std::string("start-after"), std::string("m/b"))),
            next.end());
}

TEST(S3Listing, PagerFailsOnRepeatedTokenOrPage) {
  ListPager pager("m/", 0);
  ASSERT_TRUE(*pager.Accept(*ParseListPage(Page({{"m/a", 1}}, true, "same"))));
  auto repeated = pager.Accept(*ParseListPage(Page({{"m/b", 1}}, true, "same")));
  ASSERT_FALSE(repeated.ok());
  EXPECT_NE(repeated.status().message().find("twice"), std::string::npos);

  ListPager pages("m/", 0);
  ASSERT_TRUE(*pages.Accept(*ParseListPage(Page({{"m/a", 1}}, true, "t1"))));
  EXPECT_FALSE(pages.Accept(*ParseListPage(Page({{"m/a", 1}}, true, "t2"))).ok());

  ListPager empty("m/", 0);
  EXPECT_FALSE(empty.Accept(*ParseListPage(Page({}, true, ""))).ok());
}

}  // namespace
}  // namespace modelpusher::s3
