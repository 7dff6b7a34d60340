// sockgrade proxy: the fault-injecting proxy by hand, to reproduce a failed check with nc or
// one's own client. Ctrl-C stops it and prints what went through.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "core/fd.hpp"
#include "faults/proxy.hpp"

namespace sockgrade::cli {
namespace {

struct ProxyArgs {
  std::string listen = "127.0.0.1:9000";
  std::string to;
  std::vector<std::string> faults;
  uint64_t seed = 1;
};

int run_proxy(const ProxyArgs& args) {
  faults::ProxyConfig config;
  std::string listen = args.listen.find(':') == std::string::npos ? "127.0.0.1:" + args.listen : args.listen;
  auto at = net::parse_endpoint(listen);
  if (!at) {
    print_error("--listen: " + at.error().message);
    return kBadInput;
  }
  auto to = net::parse_endpoint(args.to.find(':') == std::string::npos ? "127.0.0.1:" + args.to : args.to);
  if (!to) {
    print_error("--to: " + to.error().message);
    return kBadInput;
  }
  if (!to->is_loopback()) {
    print_error("--to " + args.to + ": the proxy forwards to loopback addresses only (127.0.0.0/8, ::1)");
    return kBadInput;
  }
  config.listen = *at;
  config.target = *to;
  config.seed = args.seed;
  for (const auto& text : args.faults) {
    auto spec = faults::parse_fault(text);
    if (!spec) {
      print_error("--fault " + text + ": " + spec.error().message);
      return kBadInput;
    }
    config.faults.push_back(*spec);
  }
  config.on_event = [](const std::string& event, const std::string& detail) {
    std::fprintf(stderr, "proxy: %-14s %s\n", event.c_str(), detail.c_str());
  };

  // Ctrl-C and SIGTERM arrive on a descriptor the proxy's loop watches: a clean stop.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &mask, nullptr);
  Fd stop(::signalfd(-1, &mask, SFD_CLOEXEC));
  auto r = faults::Proxy::run(config, stop.get(), [&](const net::Endpoint& bound) {
    std::fprintf(stderr, "proxy: listening on %s, forwarding to %s\n", bound.to_string().c_str(),
                 config.target.to_string().c_str());
    for (const auto& f : config.faults) std::fprintf(stderr, "proxy: fault %s\n", faults::fault_text(f).c_str());
    std::fprintf(stderr, "proxy: Ctrl-C stops\n");
  });
  if (printed_error(r)) return kBadInput;
  std::fprintf(stderr, "proxy: stopped\n");
  return kAllPassed;
}

}  // namespace

void add_proxy_command(CLI::App& app, int& exit_code) {
  static ProxyArgs args;
  auto* cmd = app.add_subcommand("proxy", "Run the fault-injecting proxy by hand (reproduce a failure with nc)");
  cmd->add_option("--listen", args.listen, "PORT or HOST:PORT to listen on (default 127.0.0.1:9000)");
  cmd->add_option("--to", args.to, "HOST:PORT (or PORT) of the program; loopback only")->required();
  cmd->add_option("--fault", args.faults, "NAME:key=value,... (repeatable, applied in order)\n" + faults::describe_faults());
  cmd->add_option("--seed", args.seed, "seed of the faults' randomness (jitter)");
  cmd->callback([&exit_code] { exit_code = run_proxy(args); });
}

}  // namespace sockgrade::cli
