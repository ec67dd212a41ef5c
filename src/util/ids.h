#pragma once
// Random identifiers for tasks: 32 lowercase hex digits (128 bits from the OS).

#include <string>
#include <string_view>

namespace trainbox {

std::string new_task_id();
// True for exactly what new_task_id() produces; everything else is rejected before any lookup.
bool is_valid_task_id(std::string_view id);

}  // namespace trainbox
