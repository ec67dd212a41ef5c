#include "util/utf8.h"

#include <gtest/gtest.h>

namespace trainbox {
namespace {

TEST(Utf8Test, CountsCodePointsAndRefusesBadSequences) {
  EXPECT_EQ(utf8_length("caf\xC3\xA9"), 4);
  EXPECT_EQ(utf8_length("\xC0\xAF"), -1);          // overlong '/'
  EXPECT_EQ(utf8_length("\xED\xA0\x80"), -1);      // surrogate
  EXPECT_EQ(utf8_length("\xF4\x90\x80\x80"), -1);  // above U+10FFFF
  EXPECT_EQ(utf8_code_point("\xE2\x80\xAE", 0, 3), U'\u202E');
}

TEST(Utf8Test, LabelsMayBeAnyPrintableTextUpTo255Bytes) {
  EXPECT_EQ(label_problem("cat"), "");
  EXPECT_EQ(label_problem("CON"), "");  // never a file name, so Windows device names are fine
  EXPECT_EQ(label_problem("<img src=x onerror=alert(1)>"), "");
  EXPECT_EQ(label_problem("chat \xC3\xA9t\xC3\xA9"), "");
  EXPECT_EQ(label_problem(std::string(255, 'x')), "");
}

TEST(Utf8Test, LabelsRefuseControlsOverridesBadUtf8AndLength) {
  EXPECT_NE(label_problem(""), "");
  EXPECT_NE(label_problem(std::string(256, 'x')), "");
  EXPECT_NE(label_problem(std::string("a\0b", 3)), "");
  EXPECT_NE(label_problem("a\tb"), "");
  EXPECT_NE(label_problem("a\xC2\x85"), "");  // U+0085, a C1 control
  EXPECT_NE(label_problem("cat\xE2\x80\xAEgnp.exe"), "");
  EXPECT_NE(label_problem("\xE2\x81\xA6x"), "");  // U+2066
  EXPECT_NE(label_problem("\xFF"), "");
}

TEST(Utf8Test, PrintableLabelReplacesWhatCannotBeShown) {
  EXPECT_EQ(printable_label("cat\xE2\x80\xAEgnp"), "cat?gnp");
  EXPECT_EQ(printable_label(std::string("a\0\xFF", 3)), "a??");
  EXPECT_EQ(printable_label(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
}

}  // namespace
}  // namespace trainbox
