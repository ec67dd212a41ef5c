#include "ml/search/leaderboard.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace trainbox::ml::search {
namespace {

bool ran(const CandidateScore& s) { return s.seconds >= 0; }

}  // namespace

CandidateScore scored(std::string candidate, double val_accuracy, double val_loss, double seconds,
                      double items_per_s) {
  CandidateScore s;
  s.candidate = std::move(candidate);
  s.val_accuracy = val_accuracy;
  s.val_loss = val_loss;
  s.seconds = std::max(0.0, seconds);
  s.items_per_s = items_per_s;
  return s;
}

void Leaderboard::skip(const std::string& candidate, const std::string& why) {
  CandidateScore s;
  s.candidate = candidate;
  s.seconds = -1;  // never ran
  s.why = why;
  entries_.push_back(std::move(s));
}

std::optional<size_t> Leaderboard::best() const {
  std::optional<size_t> best;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (!ran(e)) continue;
    if (!best) {
      best = i;
      continue;
    }
    // Only a strictly higher accuracy displaces an earlier entry: candidates are added cheapest
    // and simplest first, and on a tie the simpler one is the safer bet on unseen data (a tie
    // broken by validation loss favoured the most confident model, which then did worse on
    // held-out sets, bench/README.md).
    if (e.val_accuracy > entries_[*best].val_accuracy + 1e-12) best = i;
  }
  return best;
}

void Leaderboard::decide(const std::vector<size_t>& winners, const std::string& why_kept) {
  double top = 0;
  for (size_t w : winners) top = std::max(top, entries_[w].val_accuracy);
  for (size_t i = 0; i < entries_.size(); ++i) {
    auto& e = entries_[i];
    if (!ran(e)) continue;
    e.kept = std::find(winners.begin(), winners.end(), i) != winners.end();
    if (e.kept) {
      e.why = why_kept;
    } else if (e.why.empty() && top - e.val_accuracy < 1e-12) {
      e.why = "as accurate as the kept model on validation, which is simpler or cheaper";
    } else if (e.why.empty()) {
      e.why = fmt::format("{:.1f} points below the kept model on validation",
                          100 * (top - e.val_accuracy));
    }
  }
}

nlohmann::json Leaderboard::to_json() const {
  auto out = nlohmann::json::array();
  for (const auto& e : entries_) {
    nlohmann::json row = {{"candidate", e.candidate}, {"kept", e.kept}, {"why", e.why}};
    if (ran(e)) {
      row["val_accuracy"] = e.val_accuracy;
      row["val_loss"] = e.val_loss;
      row["seconds"] = e.seconds;
      row["items_per_s"] = e.items_per_s;
      if (!e.details.empty()) row["details"] = e.details;
    } else {
      row["val_accuracy"] = nullptr;
      row["seconds"] = nullptr;
    }
    out.push_back(std::move(row));
  }
  return out;
}

double seconds_left(std::chrono::steady_clock::time_point deadline) {
  return std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
}

}  // namespace trainbox::ml::search
