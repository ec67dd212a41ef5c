#pragma once
// Just enough XML for S3's replies and requests: the text of every <Tag>...</Tag> (entities
// decoded) and escaping for the bodies we send. S3 replies are flat and attribute-free where we
// read them (Key, UploadId, IsTruncated, NextContinuationToken, Code, Message), so no parser.

#include <string>
#include <string_view>
#include <vector>

namespace trainbox::storage {

std::vector<std::string> xml_texts(std::string_view xml, std::string_view tag);
std::string xml_text(std::string_view xml, std::string_view tag);  // the first, or ""
std::string xml_escape(std::string_view text);
// Decodes &amp; &lt; &gt; &quot; &apos; and numeric references (&#38; &#x26;) to UTF-8.
std::string xml_unescape(std::string_view text);

}  // namespace trainbox::storage
