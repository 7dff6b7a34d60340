// Autolab reads the last line of the autograder's output as {"scores": {PROBLEM: points}}.
// Our problems are the check categories (basic, connect-accept, ...), in the order the lab
// lists them: the assessment's problem names in Autolab must be these. Hidden checks count in
// their category's points, like in every score. Only the one line: print the terminal view
// first (`--report autolab=-` sends it to stderr), so the line is the output's last.
#include <cmath>

#include "report/formats.hpp"

namespace sockgrade::report {

std::string render_autolab(const Report& r) {
  nlohmann::ordered_json scores = nlohmann::ordered_json::object();
  for (const auto& t : r.tests) {
    double before = scores.contains(t.category) ? scores[t.category].get<double>() : 0.0;
    scores[t.category] = before + t.score;
  }
  for (auto& [category, points] : scores.items()) points = std::round(points.get<double>() * 100.0) / 100.0;
  nlohmann::ordered_json line = {{"scores", scores}};
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace sockgrade::report
