#pragma once
// A generated labelled text set for benchmarks: sentences from per-class vocabularies and shared
// templates and filler words, so classes overlap in most words.

#include <random>
#include <string>
#include <vector>

namespace trainbox::bench {

inline std::string sentences_csv(int classes, int per_class, uint32_t seed = 1) {
  static const std::vector<std::vector<std::string>> kTopics = {
      {"goal", "match", "striker", "league", "coach", "penalty", "season", "stadium"},
      {"stock", "market", "shares", "profit", "investor", "bank", "inflation", "earnings"},
      {"election", "senate", "vote", "minister", "policy", "campaign", "law", "parliament"},
      {"recipe", "oven", "garlic", "flavour", "dinner", "bake", "sauce", "chef"},
      {"planet", "telescope", "orbit", "galaxy", "rocket", "astronaut", "comet", "nasa"},
      {"guitar", "album", "concert", "singer", "band", "melody", "chorus", "tour"},
      {"virus", "vaccine", "doctor", "hospital", "patient", "symptom", "clinic", "therapy"},
      {"laptop", "software", "chip", "battery", "update", "browser", "server", "startup"},
  };
  static const std::vector<std::string> kShared = {
      "the", "new", "report", "today", "big", "after", "people", "said", "week", "first", "again"};
  static const std::vector<std::string> kTemplates = {"{a} and {b} were {s} {s} news",
                                                      "{s} {a} {s} {b}", "why the {a} {s} the {b}",
                                                      "{s} {s} {a}, {b} and {c}"};
  std::mt19937 rng(seed);
  auto pick = [&](const std::vector<std::string>& words) {
    return words[std::uniform_int_distribution<size_t>(0, words.size() - 1)(rng)];
  };
  std::string csv = "text,label\n";
  for (int i = 0; i < per_class; ++i) {
    for (int c = 0; c < classes; ++c) {
      const auto& topic = kTopics[static_cast<size_t>(c) % kTopics.size()];
      std::string sentence = pick(kTemplates), out;
      for (size_t p = 0; p < sentence.size(); ++p) {
        if (sentence[p] == '{' && p + 2 < sentence.size() && sentence[p + 2] == '}') {
          out += sentence[p + 1] == 's' ? pick(kShared) : pick(topic);
          p += 2;
        } else {
          out += sentence[p];
        }
      }
      csv += "\"" + out + "\",topic" + std::to_string(c) + "\n";
    }
  }
  return csv;
}

}  // namespace trainbox::bench
