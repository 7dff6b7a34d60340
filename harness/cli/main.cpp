// sockgrade: grades socket-programming lab submissions. See README.md.
#include <signal.h>

#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "core/version.hpp"

int main(int argc, char** argv) {
  // The harness writes to sockets a student program may have reset; it handles EPIPE itself.
  ::signal(SIGPIPE, SIG_IGN);
  int exit_code = sockgrade::cli::kAllPassed;
  CLI::App app{"sockgrade: grades and tests socket-programming lab submissions", "sockgrade"};
  app.set_version_flag("--version", std::string(sockgrade::kToolName) + " " + sockgrade::kVersion);
  app.require_subcommand(1);
  sockgrade::cli::add_test_command(app, exit_code);
  sockgrade::cli::add_labs_command(app, exit_code);
  sockgrade::cli::add_explain_command(app, exit_code);
  sockgrade::cli::add_lab_command(app, exit_code);
  sockgrade::cli::add_proxy_command(app, exit_code);
  sockgrade::cli::add_doctor_command(app, exit_code);
  sockgrade::cli::add_grade_command(app, exit_code);
  sockgrade::cli::add_merge_command(app, exit_code);
  sockgrade::cli::add_render_command(app, exit_code);
  sockgrade::cli::add_render_batch_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return sockgrade::cli::kBadInput;
  } catch (const std::exception& e) {
    sockgrade::cli::print_error(std::string("internal error: ") + e.what());
    return sockgrade::cli::kInternal;
  }
  return exit_code;
}
