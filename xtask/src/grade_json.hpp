// ./x grade --format gradescope: a tiny JSON writer and the results.json that Gradescope's
// autograder reads (a top-level score and a `tests` list).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "grade_report.hpp"

namespace xtask {

/// `text` as a JSON string literal, quotes included: " \ and control characters escaped
/// (\n, \t, ... or \u00XX), invalid UTF-8 replaced by U+FFFD.
std::string json_string(std::string_view text);

/// Writes one JSON value, object by object and array by array; it puts the commas.
///   JsonWriter json; json.begin_object().key("score").number(1.5).end_object(); json.text()
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view value);
  /// A number with at most 4 decimals ("1", "0.3333"): enough for scores.
  JsonWriter& number(double value);
  const std::string& text() const { return text_; }

 private:
  /// Puts the comma before a value or key that is not the first of its object or array.
  void separate();
  std::string text_;
  std::vector<bool> first_;  ///< per open object or array: nothing written in it yet
  bool after_key_ = false;
};

/// Gradescope's results.json for one tree: "score" (the official total, 0..100), "output" (the
/// Markdown table), and "tests": one entry per chapter (max_score 100 / number of chapters,
/// visible), then one per extra file (max_score 0, so never part of the score; visible after
/// the grades are published).
std::string gradescope_json(const TreeGrade& grade);

}  // namespace xtask
