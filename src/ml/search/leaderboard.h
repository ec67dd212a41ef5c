#pragma once
// The model search's record, shared by the image and text pipelines: every candidate that was
// tried, scored on the same validation items, with its cost and whether it was kept (exported)
// or why it was dropped. Written to metrics["leaderboard"], shown on the task page and printed by
// `trainbox train`. Torch-free.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace trainbox::ml::search {

struct CandidateScore {
  std::string candidate;    // e.g. "kernel_rbf", "tiny_cnn", "head:mobilenet_v2"
  double val_accuracy = 0;  // on the shared validation items
  double val_loss = 0;      // mean cross entropy on the same items
  double seconds = 0;       // wall time of this candidate (caching and fitting)
  double items_per_s = 0;   // images or rows through training per second
  bool kept = false;        // the exported model is (or contains) this candidate
  std::string why;          // "best on validation", "1.3 points below kernel_rbf", ...
  nlohmann::json details = nlohmann::json::object();  // hyperparameters chosen
};

// An entry for a candidate that ran.
CandidateScore scored(std::string candidate, double val_accuracy, double val_loss, double seconds,
                      double items_per_s);

class Leaderboard {
 public:
  void add(CandidateScore score) { entries_.push_back(std::move(score)); }
  // A candidate that was not run (budget, not applicable); listed so the user sees it was
  // considered.
  void skip(const std::string& candidate, const std::string& why);
  // Index of the best entry that ran: the highest validation accuracy; on a tie, the earliest
  // (candidates are added cheapest and simplest first).
  std::optional<size_t> best() const;
  // Marks `winners` kept and every other entry that ran dropped, with its gap to the winner.
  void decide(const std::vector<size_t>& winners, const std::string& why_kept);
  const std::vector<CandidateScore>& entries() const { return entries_; }
  CandidateScore& at(size_t i) { return entries_[i]; }
  nlohmann::json to_json() const;

 private:
  std::vector<CandidateScore> entries_;
};

// Seconds left before `deadline` (negative once it has passed).
double seconds_left(std::chrono::steady_clock::time_point deadline);

}  // namespace trainbox::ml::search
