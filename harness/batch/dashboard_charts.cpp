#include "batch/dashboard_charts.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "report/view.hpp"

namespace sockgrade::batch {
namespace {

using report::xml_escape;

// The histogram's geometry in px: the plot's left edge (room for the axis labels), its top
// (room for the counts), its height, a bin's width and the gap between two bins.
constexpr int kPlotLeft = 36, kPlotTop = 22, kPlotHeight = 170, kBinWidth = 52, kBinGap = 8;

// Red for the bins below half marks, amber to 79%, green above; a full score darker green.
const char* bin_class(int bin) {
  if (bin == kScoreBins - 1) return "full";
  if (bin >= 8) return "high";
  return bin >= 5 ? "mid" : "low";
}

// A bar of `fraction` (0-1) of its cell's width, and the text beside it.
std::string bar_cells(double fraction, const std::string& text) {
  std::ostringstream out;
  out << "<td class=\"bar\"><div class=\"track\"><div class=\"fill\" style=\"width:"
      << percent_text(std::clamp(fraction, 0.0, 1.0) * 100) << "\"></div></div></td><td class=\"num\">"
      << xml_escape(text) << "</td>";
  return out.str();
}

// A table of bars: its header cells, then its rows.
std::string bars_table(const std::string& id, const std::string& header, const std::string& rows) {
  return "<table class=\"bars\" id=\"" + id + "\"><thead><tr>" + header + "</tr></thead><tbody>\n" + rows +
         "</tbody></table>\n";
}

}  // namespace

std::string percent_text(double percent) {
  return report::format_points(std::round(percent * 10) / 10) + "%";
}

std::string histogram_svg(const ClassStats& stats) {
  int most = std::max(1, *std::max_element(stats.histogram.begin(), stats.histogram.end()));
  int width = kPlotLeft + kScoreBins * (kBinWidth + kBinGap) + 4;
  int base = kPlotTop + kPlotHeight;
  std::ostringstream out;
  out << "<svg class=\"histogram\" width=\"" << width << "\" height=\"" << base + 28 << "\" viewBox=\"0 0 " << width
      << " " << base + 28 << "\" role=\"img\" aria-label=\"score distribution: submissions per tenth of the maximum\">";
  out << "<line class=\"axis\" x1=\"" << kPlotLeft - 4 << "\" y1=\"" << base << "\" x2=\"" << width << "\" y2=\"" << base
      << "\"/>";
  out << "<text class=\"tick\" x=\"" << kPlotLeft - 8 << "\" y=\"" << kPlotTop + 4 << "\" text-anchor=\"end\">" << most
      << "</text><text class=\"tick\" x=\"" << kPlotLeft - 8 << "\" y=\"" << base << "\" text-anchor=\"end\">0</text>";
  for (int b = 0; b < kScoreBins; ++b) {
    int n = stats.histogram[static_cast<std::size_t>(b)];
    int h = n * kPlotHeight / most;
    int x = kPlotLeft + b * (kBinWidth + kBinGap);
    int mid = x + kBinWidth / 2;
    std::string label = score_bin_label(b);
    out << "<g><title>" << label << ": " << n << " submission" << (n == 1 ? "" : "s") << "</title>";
    out << "<rect class=\"bin " << bin_class(b) << "\" data-bin=\"" << b << "\" data-count=\"" << n << "\" x=\"" << x
        << "\" y=\"" << base - h << "\" width=\"" << kBinWidth << "\" height=\"" << h << "\"/>";
    if (n > 0) {
      out << "<text class=\"count\" x=\"" << mid << "\" y=\"" << base - h - 5 << "\" text-anchor=\"middle\">" << n
          << "</text>";
    }
    out << "<text class=\"tick\" x=\"" << mid << "\" y=\"" << base + 16 << "\" text-anchor=\"middle\">" << label
        << "</text></g>";
  }
  out << "</svg>";
  return out.str();
}

std::string check_rates_table(const ClassStats& stats) {
  std::ostringstream rows;
  for (const auto& t : stats.checks) {
    std::string text = std::to_string(t.not_passed) + " of " + std::to_string(t.passed + t.not_passed) + " (" +
                       percent_text(t.failure_rate() * 100) + ")";
    if (t.errored > 0) text += " + " + std::to_string(t.errored) + " harness error" + (t.errored == 1 ? "" : "s");
    rows << "<tr data-check=\"" << xml_escape(t.id) << "\"><td><code>" << xml_escape(t.id) << "</code>"
         << (t.hidden ? " <span class=\"tag\">hidden</span>" : "") << "<div class=\"title\">" << xml_escape(t.title)
         << "</div></td><td class=\"category\">" << xml_escape(t.category) << "</td>"
         << bar_cells(t.failure_rate(), text) << "</tr>\n";
  }
  return bars_table("check-rates", "<th>check</th><th>category</th><th>not passed</th><th class=\"num\">submissions</th>",
                    rows.str());
}

std::string category_means_table(const ClassStats& stats) {
  std::ostringstream rows;
  for (const auto& c : stats.categories) {
    double fraction = c.max > 0 ? c.mean / c.max : 0;
    std::string text = report::format_points(c.mean) + " / " + report::format_points(c.max) +
                       (c.max > 0 ? " (" + percent_text(fraction * 100) + ")" : "");
    rows << "<tr data-category=\"" << xml_escape(c.category) << "\"><td>" << xml_escape(c.category) << "</td>"
         << bar_cells(fraction, text) << "</tr>\n";
  }
  return bars_table("category-means", "<th>category</th><th>mean points</th><th class=\"num\">of</th>", rows.str());
}

}  // namespace sockgrade::batch
