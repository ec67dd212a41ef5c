#include "ml/image/image_trainer.h"
#include "ml/text/text_trainer.h"

namespace trainbox::ml {

Result<TrainResult> train(const TrainRequest& request, const TrainHooks& hooks) {
  if (request.kind == TaskKind::kText) return text::train_text(request, hooks);
  return image::train_image(request, hooks);
}

}  // namespace trainbox::ml
