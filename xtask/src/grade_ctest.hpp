// ./x grade: the per-test results in CTest's output (`ctest --output-on-failure`): which test
// passed, failed, timed out or crashed with which signal, and what it printed.
#pragma once

#include <string_view>
#include <vector>

#include "grade_report.hpp"

namespace xtask {

/// One TestOutcome per result line of CTest ("  3/12 Test  #3: name ....***Failed  0.02 sec"),
/// with the output CTest printed after it as details. A timeout becomes "timed out after
/// `timeout_seconds` s", a signal "crashed (SIGSEGV)" and so on.
std::vector<TestOutcome> parse_ctest_results(std::string_view output, int timeout_seconds);

}  // namespace xtask
