#pragma once
// The tasks table as both SQL stores see it: one column order, one row-to-Task mapping and one
// list of INSERT values, so a new column is added in one place. Each store adapts its own row type
// (a SQLite statement, a PostgreSQL text row) to RowView.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/task.h"

namespace trainbox::db {

// The SELECT list that task_from_row() reads, in its order.
extern const char* const kTaskColumns;
// The INSERT column list that task_insert_values() fills, in its order.
extern const char* const kTaskInsertColumns;
inline constexpr int kTaskInsertColumnCount = 17;

class RowView {
 public:
  virtual ~RowView() = default;
  virtual std::string text(int column) const = 0;  // "" for NULL
  virtual int64_t integer(int column) const = 0;   // 0 for NULL
  virtual bool is_null(int column) const = 0;
};

core::Task task_from_row(const RowView& row);

using SqlValue = std::variant<std::monostate, std::string, int64_t>;  // monostate = NULL
std::vector<SqlValue> task_insert_values(const core::Task& task);

// The phase a finished task shows for its terminal status.
const char* finished_phase(core::TaskStatus status);

}  // namespace trainbox::db
