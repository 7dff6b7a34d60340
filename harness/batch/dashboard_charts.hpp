// The dashboard's charts as HTML fragments: the score distribution as an inline SVG histogram,
// and the per-check failure rates and per-category means as rows of CSS bars. Every text is
// escaped (check ids, titles and categories come from lab files); nothing here is a script.
#pragma once

#include <string>

#include "batch/class_stats.hpp"

namespace sockgrade::batch {

// "33.3%": a percentage with at most one decimal.
std::string percent_text(double percent);

// <svg class="histogram">: one <rect class="bin" data-bin="I" data-count="N"> per score bin.
std::string histogram_svg(const ClassStats& stats);
// <table class="bars" id="check-rates">: one row per check, the most often not passed first.
std::string check_rates_table(const ClassStats& stats);
// <table class="bars" id="category-means">: one row per category, in the lab's order.
std::string category_means_table(const ClassStats& stats);

}  // namespace sockgrade::batch
