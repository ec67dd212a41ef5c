#pragma once

#include <memory>
#include <string_view>

#include "db/user_store.h"

namespace trainbox::db {

// The UserStore in the PostgreSQL database of `url` (see open_postgres_task_store), on a pool of
// its own (pool_size 2 unless the URL says otherwise).
Result<std::unique_ptr<UserStore>> open_postgres_user_store(std::string_view url);

}  // namespace trainbox::db
