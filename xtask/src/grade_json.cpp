#include "grade_json.hpp"

#include <cmath>
#include <cstdio>

namespace xtask {

std::string json_string(std::string_view text) {
  std::string result = "\"";
  for (char c : valid_utf8(text)) {
    switch (c) {
      case '"':
        result += "\\\"";
        break;
      case '\\':
        result += "\\\\";
        break;
      case '\n':
        result += "\\n";
        break;
      case '\r':
        result += "\\r";
        break;
      case '\t':
        result += "\\t";
        break;
      case '\b':
        result += "\\b";
        break;
      case '\f':
        result += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          result += escaped;
        } else {
          result += c;
        }
    }
  }
  return result + "\"";
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) {
      text_ += ',';
    }
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  text_ += '{';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  first_.pop_back();
  text_ += '}';
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  text_ += '[';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  first_.pop_back();
  text_ += ']';
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  text_ += json_string(name) + ":";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view value) {
  separate();
  text_ += json_string(value);
  return *this;
}

JsonWriter& JsonWriter::number(double value) {
  separate();
  if (!std::isfinite(value)) {
    value = 0;  // JSON has no NaN or infinity
  }
  char text[64];
  std::snprintf(text, sizeof text, "%.4f", value);
  std::string number = text;
  while (number.back() == '0') {
    number.pop_back();
  }
  if (number.back() == '.') {
    number.pop_back();
  }
  text_ += number == "-0" ? "0" : number;
  return *this;
}

namespace {

// Points of the whole official suite: Gradescope shows "score / 100".
constexpr double kMaxScore = 100.0;

std::string test_summary(const TestGroup& group) {
  std::string text =
      std::to_string(group.passed()) + "/" + std::to_string(group.total()) + " tests passed";
  for (const auto& test : group.tests) {
    if (test.status != TestStatus::passed) {
      text += "\n- " + test.name + ": " + test.reason;
    }
  }
  return text;
}

}  // namespace

std::string gradescope_json(const TreeGrade& grade) {
  JsonWriter json;
  json.begin_object();
  json.key("score").number(grade.total_score() * kMaxScore);
  json.key("output").string(markdown_table(grade.chapters, grade.total_score()));
  json.key("output_format").string("md");
  json.key("visibility").string("visible");
  json.key("tests").begin_array();
  const double per_chapter = grade.chapters.empty() ? 0 : kMaxScore / grade.chapters.size();
  for (const auto& group : grade.chapters) {
    json.begin_object();
    json.key("name").string(group.name);
    json.key("score").number(group.score() * per_chapter);
    json.key("max_score").number(per_chapter);
    json.key("output").string(test_summary(group));
    json.key("visibility").string("visible");
    json.end_object();
  }
  for (const auto& group : grade.extra) {
    json.begin_object();
    json.key("name").string("extra: " + group.name);
    json.key("score").number(0);
    json.key("max_score").number(0);
    json.key("output").string(test_summary(group));
    json.key("visibility").string("after_published");
    json.end_object();
  }
  json.end_array();
  json.end_object();
  return json.text() + "\n";
}

}  // namespace xtask
