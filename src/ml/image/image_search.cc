// The auto model search (see image_search.h). Each candidate becomes a Trained entry with its
// validation probabilities on the same images, so candidates and ensembles compare exactly.
// Costs are planned from what is left of the budget: a candidate that would not fit is listed
// as skipped with the reason, never started.
#include "ml/image/image_search.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "ml/image/ensemble.h"
#include "ml/image/kernel_model.h"
#include "ml/image/models.h"

namespace trainbox::ml::image {
namespace {

using Clock = std::chrono::steady_clock;

struct Trained {
  std::string name;
  torch::jit::Module model;
  ImageNorm norm;
  torch::Tensor val_probabilities;
  std::vector<EpochStats> history;
  double accuracy = 0, loss = 0;
  size_t board_index = 0;
};

double accuracy_of(const torch::Tensor& probabilities, const torch::Tensor& labels) {
  return probabilities.argmax(1).eq(labels).to(torch::kDouble).mean().item<double>();
}

double loss_of(const torch::Tensor& probabilities, const torch::Tensor& labels) {
  auto p = probabilities.gather(1, labels.unsqueeze(1)).clamp_min(1e-12);
  return -p.log().mean().item<double>();
}

// Images per second through a backbone while caching, guessed from its FLOPs (measured here:
// mobilenet_v2 0.6 GFLOP ~55-65 img/s, inception_v3 11.4 GFLOP ~11-17 img/s), plus decoding.
double guessed_feature_ips(double gflops) {
  if (!std::isfinite(gflops) || gflops <= 0) return 10;
  return 45 * std::pow(0.6 / gflops, 0.55);
}

class Search {
 public:
  Search(const ImageDataset& base, const Split& train, const Split& val,
         const SearchRequest& request, const TrainHooks& hooks)
      : base_(base),
        train_(train),
        val_(val),
        r_(request),
        o_(request.train_request->options),
        hooks_(hooks),
        classes_(static_cast<int>(base.classes.size())) {}

  Result<SearchOutcome> run();

 private:
  bool wanted(const std::string& name) const {
    return r_.only.empty() || std::find(r_.only.begin(), r_.only.end(), name) != r_.only.end();
  }
  double left() const { return search::seconds_left(r_.deadline); }
  double budget_s() const { return std::chrono::duration<double>(r_.deadline - start_).count(); }
  double best_accuracy() const {
    double best = -1;
    for (const auto& t : pool_) best = std::max(best, t.accuracy);
    return best;
  }
  const Trained* best_trained() const {
    const Trained* best = nullptr;
    for (const auto& t : pool_) {
      if (!best || t.accuracy > best->accuracy) {  // ties: the earlier, as the leaderboard
        best = &t;
      }
    }
    return best;
  }
  // Progress bar share of a candidate from now until `until`.
  std::pair<double, double> fractions(Clock::time_point until) const {
    double total = std::max(1e-9, std::chrono::duration<double>(r_.deadline - start_).count());
    auto at = [&](Clock::time_point t) {
      double done = std::chrono::duration<double>(t - start_).count() / total;
      return 0.1 + 0.8 * std::clamp(done, 0.0, 1.0);
    };
    return {at(Clock::now()), at(until)};
  }
  void add(Trained t, double seconds, double items_per_s, nlohmann::json details) {
    t.accuracy = accuracy_of(t.val_probabilities, val_.labels);
    t.loss = loss_of(t.val_probabilities, val_.labels);
    auto score = search::scored(t.name, t.accuracy, t.loss, seconds, items_per_s);
    score.details = std::move(details);
    t.board_index = board_.entries().size();
    board_.add(std::move(score));
    pool_.push_back(std::move(t));
  }
  // Validation errors left are too few for another candidate to gain anything measurable.
  bool perfect() const { return best_accuracy() >= kGoodEnough; }
  static constexpr double kGoodEnough = 0.99;

  Status try_kernel();
  Status try_cnn(bool flip, Clock::time_point deadline);
  Status try_backbones();
  Status try_backbone(const std::string& name, double gflops);
  void try_ensembles();

  const ImageDataset& base_;
  const Split& train_;
  const Split& val_;
  const SearchRequest& r_;
  const TrainOptions& o_;
  const TrainHooks& hooks_;
  int classes_;
  Clock::time_point start_ = Clock::now();
  std::vector<Trained> pool_;
  search::Leaderboard board_;
  // Ensembles by board index: member indices into pool_, and their probabilities.
  struct Ensemble {
    std::vector<size_t> members;
    torch::Tensor probabilities;
  };
  std::map<size_t, Ensemble> ensembles_;
};

Status Search::try_kernel() {
  if (!wanted("kernel_rbf")) return {};
  auto t0 = Clock::now();
  hooks_.report({"training", fractions(t0).first, 0, 0, -1, {{"candidate", "kernel_rbf"}}});
  auto k = fit_kernel_candidate(train_, val_, classes_, o_.seed, hooks_.should_stop);
  if (!k) return fail(k.error());
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  Trained t{"kernel_rbf", k->model, k->norm, k->val_probabilities, {}};
  add(std::move(t), seconds, static_cast<double>(train_.images.size(0)) / std::max(seconds, 1e-9),
      k->details);
  return {};
}

Status Search::try_cnn(bool flip, Clock::time_point deadline) {
  std::string name = flip ? "tiny_cnn+flip" : "tiny_cnn";
  if (!wanted(name)) return {};
  auto t0 = Clock::now();
  std::string architecture = base_.size >= 160 ? "cnn_224" : "tiny_cnn";
  ImageNorm norm{base_.size};
  auto model = make_builtin_cnn(architecture, classes_, norm, o_.seed);
  torch::manual_seed(o_.seed);
  int64_t train_items = train_.images.size(0);
  FitOptions fo;
  fo.min_samples_per_epoch = kMinSamplesPerEpoch;
  int64_t samples_per_epoch = std::max(train_items, fo.min_samples_per_epoch);
  fo.epochs = o_.epochs.value_or(default_epochs(samples_per_epoch));
  fo.batch_size = o_.batch_size.value_or(default_batch_size(train_items));
  fo.learning_rate = o_.learning_rate.value_or(5e-3);
  fo.class_weights = class_weights(train_, classes_);
  fo.choose_threads = r_.train_request->threads == 0;
  fo.flip = flip;
  fo.deadline = deadline;
  std::tie(fo.fraction_from, fo.fraction_to) = fractions(deadline);
  auto fitted = fit(model, train_, val_, norm, fo, hooks_);
  if (!fitted) return fail(fitted.error());
  auto e = evaluate(model, val_, norm, {});
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  Trained t{name, model, norm, e.probabilities, fitted->history};
  add(std::move(t), seconds, fitted->images_per_s,
      {{"architecture", architecture},
       {"image_size", norm.size},
       {"epochs_run", fitted->history.size()},
       {"best_epoch", fitted->best_epoch},
       {"batch_size", fo.batch_size},
       {"learning_rate", fo.learning_rate},
       {"mirroring", flip}});
  return {};
}

Status Search::try_backbone(const std::string& name, double gflops) {
  std::string candidate = "head:" + name;
  auto total = static_cast<double>(base_.labels.size(0));
  double estimate = total / guessed_feature_ips(gflops) + 3;
  // A head may take most of what is left, but not more than about a third of the whole budget:
  // a set of a few thousand images should finish in about a minute.
  double allowed = std::min(0.8 * left(), std::max(30.0, 0.3 * budget_s()));
  if (estimate > allowed && r_.only.empty()) {
    board_.skip(candidate, fmt::format("feature caching would take about {:.0f} s; {:.0f} s were "
                                       "allowed for it",
                                       estimate, std::max(0.0, allowed)));
    return {};
  }
  auto t0 = Clock::now();
  auto backbone = load_backbone(r_.train_request->backbones_dir, name);
  if (!backbone) {
    board_.skip(candidate, backbone.error().message);
    return {};
  }
  // The backbone sees the images resized from the originals to its own size, as predictions
  // will; re-reading costs a decode, far less than the backbone's forward pass.
  ReadOptions read = r_.read;
  read.size = backbone->norm.size;
  auto [from, to] = fractions(r_.deadline);
  TrainHooks quiet = hooks_;
  quiet.report = [this, from = from](const TrainProgress& p) {
    TrainProgress q = p;
    q.phase = "features";
    q.fraction = from;
    hooks_.report(q);
  };
  auto ds = read_image_dataset(r_.train_request->dataset, read, quiet);
  if (!ds) return fail(ds.error());
  if (!ds->labels.equal(base_.labels) || ds->is_val != base_.is_val) {
    board_.skip(candidate, "the dataset read at the backbone's size differs from the first read");
    return {};
  }
  Split train = take_split(ds->images, ds->labels, ds->is_val, false);
  Split val = take_split(ds->images, ds->labels, ds->is_val, true);
  ds->images = torch::Tensor();  // the splits hold what is needed
  auto model = make_backbone_classifier(*backbone, classes_, o_.seed);
  FitOptions head;
  head.phase = "features";
  head.epochs = 300;
  head.patience = 30;
  head.perfect_patience = 0;
  head.learning_rate = 1e-2;
  head.class_weights = class_weights(train, classes_);
  head.deadline = r_.deadline;
  head.fraction_from = from;
  head.fraction_to = to;
  auto fitted = fit_head(model, train, val, backbone->norm, head, hooks_);
  if (!fitted && fitted.error().slug == kDeadlineSlug) {
    board_.skip(candidate, fitted.error().message);
    return {};
  }
  if (!fitted) return fail(fitted.error());
  auto e = evaluate(model, val, backbone->norm, {});
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  Trained t{candidate, model, backbone->norm, e.probabilities, fitted->history};
  add(std::move(t), seconds, fitted->images_per_s,
      {{"backbone", name},
       {"image_size", backbone->norm.size},
       {"feature_images_per_s", fitted->images_per_s},
       {"gflops_per_image", gflops}});
  return {};
}

// Cheapest backbone first; a costlier one only while pretrained features are the best so far.
Status Search::try_backbones() {
  const auto& dir = r_.train_request->backbones_dir;
  std::vector<std::pair<double, std::string>> by_cost;
  for (const auto& name : installed_backbones(dir)) {
    by_cost.emplace_back(backbone_gflops(dir, name), name);
  }
  std::sort(by_cost.begin(), by_cost.end());
  for (const auto& [gflops, name] : by_cost) {
    std::string candidate = "head:" + name;
    if (!wanted(candidate) && !wanted("head")) continue;
    if (perfect()) {
      board_.skip(candidate, "validation accuracy was already 99% or more");
      continue;
    }
    const Trained* best = best_trained();
    bool features_lead = !best || best->name.rfind("head:", 0) == 0;
    bool any_head = std::any_of(pool_.begin(), pool_.end(),
                                [](const Trained& t) { return t.name.rfind("head:", 0) == 0; });
    if (any_head && !features_lead && r_.only.empty()) {
      board_.skip(candidate, "a cheaper backbone's features did not lead the search");
      continue;
    }
    TRAINBOX_TRY(try_backbone(name, gflops));
  }
  return {};
}

void Search::try_ensembles() {
  if (pool_.size() < 2 || !r_.only.empty()) return;
  std::vector<size_t> order(pool_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (pool_[a].accuracy != pool_[b].accuracy) return pool_[a].accuracy > pool_[b].accuracy;
    return pool_[a].loss < pool_[b].loss;
  });
  for (size_t k = 2; k <= std::min<size_t>(3, order.size()); ++k) {
    std::vector<size_t> members(order.begin(), order.begin() + static_cast<long>(k));
    auto probabilities = pool_[members[0]].val_probabilities.clone();
    std::string name = "ensemble(" + pool_[members[0]].name;
    for (size_t j = 1; j < k; ++j) {
      probabilities += pool_[members[j]].val_probabilities;
      name += "+" + pool_[members[j]].name;
    }
    probabilities /= static_cast<double>(k);
    name += ")";
    // Its cost is its members': predicting runs every one of them.
    double seconds = 0;
    for (size_t m : members) seconds += board_.entries()[pool_[m].board_index].seconds;
    auto score = search::scored(name, accuracy_of(probabilities, val_.labels),
                                loss_of(probabilities, val_.labels), seconds, 0);
    score.details = {{"members", k}, {"averaged", "probabilities"}};
    ensembles_[board_.entries().size()] = {members, probabilities};
    board_.add(std::move(score));
  }
}

Result<SearchOutcome> Search::run() {
  auto stopped = [this]() -> Status {
    if (hooks_.should_stop()) {
      return fail(ErrorCode::kCancelled, "cancelled", "training was cancelled");
    }
    return {};
  };
  TRAINBOX_TRY(try_kernel());
  TRAINBOX_TRY(stopped());
  if (!perfect()) {
    // The network gets at most about half of what is left, so pretrained features still fit.
    bool backbones = !installed_backbones(r_.train_request->backbones_dir).empty();
    auto share = std::chrono::duration<double>(left() * (backbones ? 0.45 : 0.6));
    TRAINBOX_TRY(try_cnn(false, Clock::now() + std::chrono::duration_cast<Clock::duration>(share)));
  } else if (wanted("tiny_cnn")) {
    board_.skip("tiny_cnn", "validation accuracy was already 99% or more");
  }
  TRAINBOX_TRY(stopped());
  TRAINBOX_TRY(try_backbones());
  TRAINBOX_TRY(stopped());
  // Mirroring is tried only when the network was competitive and its cost fits again.
  const Trained* cnn = nullptr;
  for (const auto& t : pool_) {
    if (t.name == "tiny_cnn") cnn = &t;
  }
  if (wanted("tiny_cnn+flip")) {
    double cnn_seconds = cnn ? board_.entries()[cnn->board_index].seconds : 0;
    if (!r_.only.empty()) {
      TRAINBOX_TRY(try_cnn(true, r_.deadline));  // asked for by name: no shortcuts
    } else if (!cnn) {
      board_.skip("tiny_cnn+flip", "tiny_cnn did not run");
    } else if (perfect()) {
      board_.skip("tiny_cnn+flip", "validation accuracy was already 99% or more");
    } else if (cnn->accuracy < best_accuracy() - 0.05) {
      board_.skip("tiny_cnn+flip", "tiny_cnn was more than 5 points behind the best candidate");
    } else if (1.2 * cnn_seconds > left()) {
      board_.skip("tiny_cnn+flip", fmt::format("it would take about {:.0f} s; {:.0f} s were left",
                                               cnn_seconds, std::max(0.0, left())));
    } else {
      TRAINBOX_TRY(try_cnn(true, r_.deadline));
    }
  }
  TRAINBOX_TRY(stopped());
  if (pool_.empty()) {
    return fail(ErrorCode::kInvalidArgument, "no_candidate",
                "no model could be trained within the time budget; raise time_budget_s");
  }
  try_ensembles();
  size_t winner = *board_.best();
  SearchOutcome out;
  std::vector<size_t> kept = {winner};
  auto ensemble = ensembles_.find(winner);
  if (ensemble != ensembles_.end()) {
    std::vector<EnsembleMember> members;
    for (size_t m : ensemble->second.members) {
      members.push_back({pool_[m].model, pool_[m].norm});
      kept.push_back(pool_[m].board_index);
    }
    out.model = make_ensemble(members, out.norm);
    out.val_probabilities = ensemble->second.probabilities;
  } else {
    const Trained* t = nullptr;
    for (const auto& p : pool_) {
      if (p.board_index == winner) t = &p;
    }
    out.model = t->model;
    out.norm = t->norm;
    out.val_probabilities = t->val_probabilities;
    out.history = t->history;
  }
  out.architecture = board_.entries()[winner].candidate;
  size_t ran = pool_.size() + ensembles_.size();
  board_.decide(kept, ran > 1 ? "best on validation" : "the only candidate");
  double accuracy = board_.entries()[winner].val_accuracy;
  out.model_info = {{"architecture", out.architecture},
                    {"image_size", out.norm.size},
                    {"candidates_run", ran},
                    {"reason", fmt::format("auto: {} was best on validation ({:.3f}) of {} "
                                           "candidates tried",
                                           out.architecture, accuracy, ran)}};
  if (!r_.only.empty()) out.model_info["reason"] = out.architecture + " requested";
  out.board = std::move(board_);
  return out;
}

}  // namespace

Result<SearchOutcome> search_image_models(const ImageDataset& base, const Split& train,
                                          const Split& val, const SearchRequest& request,
                                          const TrainHooks& hooks) {
  return Search(base, train, val, request, hooks).run();
}

}  // namespace trainbox::ml::image
