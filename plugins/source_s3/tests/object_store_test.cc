// Folder semantics in a flat key space, and the resuming reader.

#include "common/object_store.h"

#include <gtest/gtest.h>

namespace modelpusher::object_store {
namespace {

TEST(ObjectStore, BucketUriWithOrWithoutSlashIsTheSameFolder) {
  auto a = ParseBucketUri("s3://b/models/m1", "s3");
  auto b = ParseBucketUri("s3://b/models/m1/", "s3");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->bucket, "b");
  EXPECT_EQ(a->folder, "models/m1/");
  EXPECT_EQ(b->folder, "models/m1/");
  EXPECT_EQ(ParseBucketUri("gs://b", "gs")->folder, "");
  EXPECT_FALSE(ParseBucketUri("gs://b/x", "s3").ok());
  EXPECT_FALSE(ParseBucketUri("s3:///x", "s3").ok());
}

TEST(ObjectStore, ClassifiesSiblingsMarkersAndFiles) {
  std::string rel;
  EXPECT_EQ(*ClassifyKey("models/m1-hf/config.json", 3, "models/m1/", &rel), KeyKind::kSkip);
  EXPECT_EQ(*ClassifyKey("models/m1.tar.gz", 3, "models/m1/", &rel), KeyKind::kSkip);
  EXPECT_EQ(*ClassifyKey("models/m1/", 0, "models/m1/", &rel), KeyKind::kSkip);
  EXPECT_EQ(*ClassifyKey("models/m1/variables/", 0, "models/m1/", &rel), KeyKind::kSkip);
  ASSERT_EQ(*ClassifyKey("models/m1/variables/variables.index", 3, "models/m1/", &rel),
            KeyKind::kFile);
  EXPECT_EQ(rel, "variables/variables.index");
  EXPECT_FALSE(ClassifyKey("models/m1/a//b", 3, "models/m1/", &rel).ok());
  EXPECT_FALSE(ClassifyKey("models/m1/../x", 3, "models/m1/", &rel).ok());
  EXPECT_FALSE(ClassifyKey("models/m1/dir/", 4, "models/m1/", &rel).ok());
}

TEST(ObjectStore, ContentRangeAndRangeHeader) {
  uint64_t s, e, t;
  ASSERT_TRUE(ParseContentRange("bytes 5-9/10", &s, &e, &t));
  EXPECT_EQ(s, 5u);
  EXPECT_EQ(e, 9u);
  EXPECT_EQ(t, 10u);
  EXPECT_FALSE(ParseContentRange("bytes */10", &s, &e, &t));
  EXPECT_FALSE(RangeHeader(0, 10, 10).has_value());
  EXPECT_EQ(*RangeHeader(3, 4, 10), "bytes=3-6");
}

// A stream that breaks after `cut` bytes the first time it is opened.
class BreakingReader : public ByteReader {
 public:
  BreakingReader(std::string data, size_t cut) : data_(std::move(data)), cut_(cut) {}
  Result<size_t> Read(char* buffer, size_t size) override {
    if (pos_ >= cut_) return UnavailableError("connection reset");
    size_t n = std::min({size, cut_ - pos_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, n, buffer);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t cut_, pos_ = 0;
};

TEST(ObjectStore, ResumableReaderResumesFromTheOffsetReached) {
  std::string object = "0123456789abcdefghij";
  std::vector<std::pair<uint64_t, uint64_t>> opens;
  auto opener = [&](uint64_t offset, uint64_t length) -> Result<std::unique_ptr<ByteReader>> {
    opens.emplace_back(offset, length);
    std::string slice = object.substr(offset, length);
    size_t cut = opens.size() == 1 ? 7 : slice.size();
    return std::unique_ptr<ByteReader>(new BreakingReader(slice, cut));
  };
  auto reader = MakeResumableReader(opener, "obj", 2, 15, 3);
  auto all = ReadAll(*reader, 1 << 20);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, object.substr(2, 15));
  ASSERT_EQ(opens.size(), 2u);
  EXPECT_EQ(opens[1], std::make_pair(uint64_t{9}, uint64_t{8}));
}

TEST(ObjectStore, ResumableReaderGivesUpAfterBoundedRetries) {
  int opens = 0;
  auto opener = [&](uint64_t, uint64_t) -> Result<std::unique_ptr<ByteReader>> {
    ++opens;
    return MakeStringReader("");  // ends at once: an empty body for a non-empty object
  };
  auto reader = MakeResumableReader(opener, "obj", 0, 10, 2);
  auto all = ReadAll(*reader, 1 << 20);
  EXPECT_EQ(all.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(opens, 3);
}

TEST(ObjectStore, ResumableReaderRefusesMoreBytesThanListed) {
  auto opener = [](uint64_t, uint64_t) -> Result<std::unique_ptr<ByteReader>> {
    return MakeStringReader("too long");
  };
  auto reader = MakeResumableReader(opener, "obj", 0, 3, 2);
  EXPECT_EQ(ReadAll(*reader, 1 << 20).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace modelpusher::object_store
