// Every output format is a view of the one report model (BRIEF §6), listed by name in one
// explicit table (formats.cpp): `--report FORMAT=FILE` and `sockgrade render` look them up
// there. One file per format; what student-facing views share is in report/view.hpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "report/model.hpp"

namespace sockgrade::report {

struct Format {
  std::string name;         // json, text, gradescope, ...
  std::string description;  // one line for --help and the docs
  std::string (*render)(const Report&);
};

// The formats, in the order the help lists them.
const std::vector<Format>& formats();
// nullptr when `name` is not a format.
const Format* find_format(std::string_view name);
// "json, text, gradescope, prairielearn, autolab, junit, html, markdown".
std::string format_names();
// `content` to `path` ("-" is standard output), atomically for a file.
Result<void> write_output(const std::string& path, const std::string& content);

// The views (one file each). Student-facing ones show a hidden check only in a total.
std::string render_text_plain(const Report& r);    // text_writer.cpp, without colour
std::string render_gradescope(const Report& r);    // gradescope_writer.cpp: results.json
std::string render_prairielearn(const Report& r);  // prairielearn_writer.cpp: results.json
std::string render_autolab(const Report& r);       // autolab_writer.cpp: the last-line score
std::string render_junit(const Report& r);         // junit_writer.cpp: JUnit XML
std::string render_html(const Report& r);          // html_writer.cpp: one offline page
std::string render_markdown(const Report& r);      // markdown_writer.cpp: a CI job summary

}  // namespace sockgrade::report
