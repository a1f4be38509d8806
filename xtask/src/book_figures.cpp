#include "book_figures.hpp"

#include <algorithm>
#include <stdexcept>

#include "text.hpp"

namespace xtask {
namespace {

constexpr std::string_view kFigurePrefix = "<!-- figure: ";

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> result;
  std::size_t at = 0;
  while (at < text.size()) {
    auto begin = text.find_first_not_of(' ', at);
    if (begin == std::string_view::npos) {
      break;
    }
    auto end = std::min(text.find(' ', begin), text.size());
    result.emplace_back(text.substr(begin, end - begin));
    at = end;
  }
  return result;
}

std::string escape_xml(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

/// The chart's table: the column names and, per step, the number of '#' in each column.
struct Chart {
  std::string legend;  ///< "one # per 100.0 kB (a flushed SST), rounded up; . = empty"
  std::vector<std::string> columns;
  std::vector<std::pair<std::string, std::vector<std::size_t>>> steps;
};

/// Reads the chart by the columns of its header ("step  L0  L1 ..."): a cell is what stands
/// between a column's start and the next one's.
Chart parse_chart(std::string_view text) {
  Chart chart;
  std::vector<std::size_t> starts;
  for (std::string_view line : split_lines(text)) {
    if (line.starts_with("levels over time: one # per ")) {
      // "one # per 100.0 kB (a flushed SST), rounded up; . = empty": the drawing has no '#'
      std::string_view unit = line.substr(28);
      chart.legend = "one unit of bar per " + std::string(unit.substr(0, unit.find(';')));
    } else if (line.starts_with("step ")) {
      for (std::size_t at = 4; at < line.size(); ++at) {
        if (line[at] != ' ' && line[at - 1] == ' ') {
          starts.push_back(at);
        }
      }
      for (const auto& name : words(line.substr(4))) {
        chart.columns.push_back(name);
      }
    } else if (!starts.empty() && !line.empty() && line[0] == ' ') {
      std::vector<std::size_t> bars;
      for (std::size_t i = 0; i < starts.size(); ++i) {
        std::string_view cell = starts[i] < line.size() ? line.substr(starts[i]) : "";
        if (i + 1 < starts.size()) {
          cell = cell.substr(0, starts[i + 1] - starts[i]);
        }
        bars.push_back(static_cast<std::size_t>(std::count(cell.begin(), cell.end(), '#')));
      }
      chart.steps.emplace_back(words(line.substr(0, starts[0])).at(0), std::move(bars));
    } else if (!starts.empty()) {
      break;  // the summary after the chart
    }
  }
  if (chart.columns.empty() || chart.steps.empty()) {
    throw std::runtime_error("the simulator's output holds no chart (a \"step\" header and rows)");
  }
  return chart;
}

}  // namespace

std::vector<SimulatorFigure> simulator_figures(std::string_view markdown) {
  std::vector<SimulatorFigure> figures;
  for (std::string_view line : split_lines(markdown)) {
    if (!line.starts_with(kFigurePrefix)) {
      continue;
    }
    auto parts = words(line.substr(kFigurePrefix.size()));
    bool well_formed = parts.size() >= 5 && parts[0].ends_with(".svg") && parts[1] == "=" &&
                       parts[2] == "compaction-simulator" && parts.back() == "-->";
    if (!well_formed) {
      throw std::runtime_error(
          "a figure line must read \"<!-- figure: NAME.svg = "
          "compaction-simulator STRATEGY [FLAGS] -->\", not: " +
          std::string(line));
    }
    figures.push_back({parts[0], std::vector<std::string>(parts.begin() + 3, parts.end() - 1)});
  }
  return figures;
}

std::string chart_svg(std::string_view text) {
  const Chart chart = parse_chart(text);
  // Layout in pixels: a label column, then one column per level as wide as its widest bar.
  constexpr int kRow = 16, kBar = 11, kUnit = 7, kLabel = 44, kGap = 18, kTop = 44;
  std::vector<int> widths(chart.columns.size(), 24);
  for (const auto& [step, bars] : chart.steps) {
    for (std::size_t i = 0; i < bars.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], static_cast<int>(bars[i]) * kUnit);
    }
  }
  std::vector<int> lefts;
  int x = kLabel;
  for (int width : widths) {
    lefts.push_back(x);
    x += width + kGap;
  }
  const int width = std::max(x, 480);
  const int height = kTop + static_cast<int>(chart.steps.size()) * kRow + 12;

  std::string svg =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!-- Drawn by ./x book from the chart that compaction-simulator prints -->\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
      std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
      std::to_string(width) + " " + std::to_string(height) +
      "\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"11\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"4\" y=\"14\" fill=\"#555555\">levels over time: " +
         escape_xml(chart.legend.empty() ? "one unit of bar per flushed SST" : chart.legend) +
         "</text>\n";
  svg += "<text x=\"4\" y=\"" + std::to_string(kTop - 8) + "\" font-weight=\"bold\">step</text>\n";
  for (std::size_t i = 0; i < chart.columns.size(); ++i) {
    svg += "<text x=\"" + std::to_string(lefts[i]) + "\" y=\"" + std::to_string(kTop - 8) +
           "\" font-weight=\"bold\">" + escape_xml(chart.columns[i]) + "</text>\n";
  }
  int y = kTop;
  for (const auto& [step, bars] : chart.steps) {
    svg += "<text x=\"" + std::to_string(kLabel - 10) + "\" y=\"" + std::to_string(y + kBar - 1) +
           "\" text-anchor=\"end\" fill=\"#555555\">" + escape_xml(step) + "</text>\n";
    for (std::size_t i = 0; i < bars.size() && i < lefts.size(); ++i) {
      if (bars[i] == 0) {
        continue;
      }
      svg += "<rect x=\"" + std::to_string(lefts[i]) + "\" y=\"" + std::to_string(y) +
             "\" width=\"" + std::to_string(static_cast<int>(bars[i]) * kUnit - 1) +
             "\" height=\"" + std::to_string(kBar) +
             "\" rx=\"2\" fill=\"#eef3fb\" stroke=\"#4a6fa5\"/>\n";
    }
    y += kRow;
  }
  return svg + "</svg>\n";
}

std::optional<std::string> graphviz_version(std::string_view text) {
  constexpr std::string_view kMarker = "graphviz version ";
  auto at = text.find(kMarker);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  auto begin = at + kMarker.size();
  auto end = text.find_first_of(" \n)", begin);
  return std::string(text.substr(begin, end - begin));
}

}  // namespace xtask
