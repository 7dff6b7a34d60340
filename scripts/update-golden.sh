#!/usr/bin/env bash
# Re-renders the golden files of every report format (reports/golden/) from the sample report
# (harness/tests/support/sample_report.hpp), after a deliberate change to a view. Read the diff
# it prints before committing: a golden file is what every student and CI system will see.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build --target report_golden_test -j2 >/dev/null
SOCKGRADE_UPDATE_GOLDEN=1 build/harness/tests/report_golden_test --gtest_brief=1
git --no-pager diff --stat -- reports/golden || true
