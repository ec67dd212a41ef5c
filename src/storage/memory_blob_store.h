#pragma once
// An in-memory BlobStore: a first-class fake for tests (and the model for fault wrappers).

#include <memory>

#include "storage/blob_store.h"

namespace trainbox::storage {

std::unique_ptr<BlobStore> make_memory_blob_store();

}  // namespace trainbox::storage
