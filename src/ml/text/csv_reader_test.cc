#include "ml/text/csv_reader.h"

#include <gtest/gtest.h>

namespace trainbox::ml::text {
namespace {

std::vector<std::vector<std::string>> fields(const CsvTable& table) {
  std::vector<std::vector<std::string>> out;
  for (const auto& record : table.records) out.push_back(record.fields);
  return out;
}

TEST(CsvReader, QuotedFieldsWithSeparatorsQuotesAndNewlines) {
  auto table = parse_csv("text,label\n\"a, b\",x\n\"say \"\"hi\"\"\",y\n\"line1\nline2\",z\n");
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(fields(*table),
            (std::vector<std::vector<std::string>>{
                {"text", "label"}, {"a, b", "x"}, {"say \"hi\"", "y"}, {"line1\nline2", "z"}}));
  EXPECT_EQ(table->records[3].line, 4);
}

TEST(CsvReader, CrLfLineEndsAndMissingFinalNewline) {
  auto table = parse_csv("a,b\r\n\"q\r\nr\",c\r\nd,e");
  ASSERT_TRUE(table);
  EXPECT_EQ(fields(*table),
            (std::vector<std::vector<std::string>>{{"a", "b"}, {"q\r\nr", "c"}, {"d", "e"}}));
}

TEST(CsvReader, StripsUtf8Bom) {
  auto table = parse_csv("\xEF\xBB\xBFtext,label\nhé,x\n");
  ASSERT_TRUE(table);
  EXPECT_EQ(table->records[0].fields[0], "text");
  EXPECT_EQ(table->records[1].fields[0], "hé");
}

TEST(CsvReader, DetectsSemicolonAndTab) {
  EXPECT_EQ(detect_separator("text;label\n\"a, b\";x\nc, d;y\n"), ';');
  EXPECT_EQ(detect_separator("text\tlabel\na, b; c\tx\nd\ty\n"), '\t');
  EXPECT_EQ(detect_separator("text,label\n\"a; b\",x\nc,y\n"), ',');
  auto table = parse_csv("t;l\n1;2\n");
  ASSERT_TRUE(table);
  EXPECT_EQ(table->separator, ';');
  EXPECT_EQ(table->records[1].fields, (std::vector<std::string>{"1", "2"}));
}

TEST(CsvReader, FormulaCellsAreKeptAsData) {
  auto table = parse_csv("text,label\n=SUM(A1:A2),x\n\"+1\",y\n@cmd,z\n");
  ASSERT_TRUE(table);
  EXPECT_EQ(table->records[1].fields[0], "=SUM(A1:A2)");
  EXPECT_EQ(table->records[2].fields[0], "+1");
}

TEST(CsvReader, RefusesOtherEncodings) {
  for (std::string data : {std::string("\xFF\xFEt\0e\0", 6), std::string("\xFE\xFF\0t", 4),
                           std::string("t\0e\0x\0t\0,\0", 10)}) {
    auto table = parse_csv(data);
    ASSERT_FALSE(table);
    EXPECT_EQ(table.error().slug, "csv_unsupported_encoding");
  }
}

TEST(CsvReader, RefusesInvalidUtf8NamingTheRow) {
  auto table = parse_csv("text,label\nok,x\n\"two\nlines\",y\nbad \xC3\x28 byte,z\n");
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().slug, "csv_invalid_utf8");
  EXPECT_EQ(table.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(table.error().message.find("line 5"), std::string::npos) << table.error().message;
  EXPECT_FALSE(parse_csv("a,b\n\xED\xA0\x80,x\n"));  // an encoded surrogate
}

TEST(CsvReader, RefusesUnbalancedQuotes) {
  auto table = parse_csv("text,label\na,x\n\"never closed,y\nb,z\n");
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().slug, "csv_unbalanced_quotes");
  EXPECT_NE(table.error().message.find("line 3"), std::string::npos) << table.error().message;
}

TEST(CsvReader, EnforcesLimits) {
  CsvLimits limits;
  limits.max_bytes = 10;
  auto big = parse_csv("text,label\nabc,x\n", limits);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().slug, "csv_too_large");
  EXPECT_EQ(big.error().code, ErrorCode::kPayloadTooLarge);

  limits = CsvLimits{};
  limits.max_field_chars = 5;
  EXPECT_TRUE(parse_csv("text,label\nééééé,x\n", limits));  // 5 characters, 10 bytes
  auto field = parse_csv("text,label\nabcdef,x\n", limits);
  ASSERT_FALSE(field);
  EXPECT_EQ(field.error().slug, "csv_field_too_large");
  EXPECT_EQ(field.error().code, ErrorCode::kPayloadTooLarge);

  std::string wide;
  for (int i = 0; i < 2001; ++i) wide += (i ? "," : "") + std::to_string(i);
  auto too_wide = parse_csv(wide + "\n");
  ASSERT_FALSE(too_wide);
  EXPECT_EQ(too_wide.error().slug, "csv_too_wide");
  EXPECT_TRUE(parse_csv(wide.substr(0, wide.rfind(',')) + "\n"));  // exactly 2000
}

TEST(CsvReader, DefaultFieldLimitIs131072Characters) {
  std::string ok(131072, 'a');
  EXPECT_TRUE(parse_csv("text,label\n" + ok + ",x\n"));
  auto refused = parse_csv("text,label\n" + ok + "a,x\n");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().slug, "csv_field_too_large");
}

}  // namespace
}  // namespace trainbox::ml::text
