// What a check works with inside its cell: the lab, the run's settings, deadlines scaled by
// --stretch, deterministic randomness, the trace, the evidence, and the programs under test.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cell/cgroup.hpp"
#include "cell/identity.hpp"
#include "cell/rlimits.hpp"
#include "faults/proxy.hpp"
#include "faults/shim.hpp"
#include "grading/check.hpp"
#include "core/clock.hpp"
#include "core/rng.hpp"
#include "lab/lab_spec.hpp"
#include "net/peer.hpp"
#include "net/trace.hpp"

namespace sockgrade::grading {

class ServerUnderTest;
class ClientUnderTest;

// How a server is started, beyond the lab's argv.
struct ServerOptions {
  std::optional<faults::ShimConfig> shim;  // load the preload shim with this configuration
};

class Catalogue;

// The memory checks' instrumented build of the submission for one sanitizer (lab/sanitized_build.hpp).
struct SanitizedProgram {
  std::string sanitizer;    // "address" or "thread"
  std::string executable;   // as the cell sees it; "" when there is none
  std::string skip_reason;  // why there is none (an executable was given, the Makefile ignores CFLAGS…)
};

// What a check's cell knows about the run and its own place in it.
struct RunSettings {
  uint64_t seed = 1;
  double stretch = 1.0;
  bool private_network = true;
  std::string executable;  // the program to grade, as this cell sees it
  std::string workdir;     // its working directory (writable by it)
  std::optional<cell::Identity> identity;  // its unprivileged uid, when the harness is root
  cell::Cgroup* cgroup = nullptr;          // made by the harness before the cell; null: none
  // Every cell's cgroup of this grading (this submission's programs in all its checks), to
  // tell a machine that starves the program from the submission starving itself.
  std::vector<const cell::Cgroup*> submission_cgroups;
  bool seccomp = false;
  bool fs_view = false;      // read-only tree, private /tmp: refusals may be the sandbox's
  std::string shim_library;  // the preload shim, as the program sees it ("" if missing)
  std::string shim_dir;      // where the shim's counters go (reachable by the program)
  // The run's checks (the lab's catalogue): the memory checks replay the lab's own checks.
  const Catalogue* catalogue = nullptr;
  std::vector<SanitizedProgram> sanitized;  // the instrumented builds the selected checks asked for
  // For instrumented runs: the sanitizer's options added to the program's environment, and no
  // address-space limit (ASan reserves terabytes; the cgroup's memory limit still applies).
  std::vector<std::string> extra_env;
  bool unlimited_address_space = false;
  // A check played in several cells (CheckInfo::parts): this cell's share of its work.
  int part = 0;
  int parts = 1;
};

class Context {
 public:
  Context(const CheckDef& def, const lab::LabSpec& lab, const lab::CheckSpec& spec, const RunSettings& settings);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const CheckInfo& info() const { return def_.info; }
  const lab::LabSpec& lab() const { return lab_; }
  // The lab's entry for this check (weight, params, and a scenario check's steps).
  const lab::CheckSpec& spec() const { return spec_; }
  const RunSettings& settings() const { return settings_; }
  int64_t param(std::string_view name) const;

  // A base duration scaled by --stretch.
  Millis ms(int base_ms) const;
  // A deadline `base_ms` (stretched) from now, never later than the check's wall deadline.
  Deadline deadline(int base_ms) const;
  // The lab's wall-clock limit for one check (stretched), counted from the check's start.
  Deadline wall_deadline() const { return wall_; }
  // "2.0 s" for a base duration, as the student reads it in messages.
  std::string human(int base_ms) const;
  // Deterministic randomness for one purpose of this check.
  Rng rng(std::string_view purpose) const;

  net::Trace& trace() { return trace_; }
  nlohmann::json& evidence() { return evidence_; }

  // The port the harness asks the server for: the lab's requested port inside a private
  // network namespace, a free ephemeral port otherwise (chosen once per check).
  uint16_t requested_port();
  // UNIX-domain labs: the socket path the server is asked to listen at (in its working directory).
  std::string socket_path() const { return settings_.workdir + "/echo.sock"; }
  // Starts the program as a server on the requested port and waits until it listens.
  Step<ServerUnderTest*> start_server(const ServerOptions& options = {});
  // The preload shim works only in a dynamically linked program: a skip (with the reason)
  // for a static one, an error when the harness cannot tell.
  Step<void> require_preload();
  // Keeps the send buffer of every connection the server accepts at `bytes`, so that a server
  // whose echo cannot go out blocks after kilobytes instead of megabytes: in the cell's own
  // namespace through net.ipv4.tcp_wmem; without one, the preload shim (added to `options`) sets
  // SO_SNDBUF on each socket the server accepts. Neither for a statically linked server without
  // a namespace: then it returns 0 and the host's autotuned maximum applies. The evidence's
  // "send_buffer_cap" says which cap was used. Returns the most the server's send buffer then
  // holds, as the kernel counts it.
  long cap_server_send_buffer(int bytes, ServerOptions& options);
  // The shim for one program of this check: its variables appended to `env`, what it does
  // recorded in the evidence.
  Step<faults::ShimSession> prepare_shim(const faults::ShimConfig& config, std::vector<std::string>& env);
  // Puts the fault-injecting proxy in front of the current server; `connect_via_proxy`
  // clients then go through it. The faults, the seed and the equivalent `sockgrade proxy`
  // command go into the evidence.
  Step<faults::Proxy*> start_proxy(const std::vector<std::string>& faults);
  Step<net::Peer> connect_via_proxy(const std::string& name, net::Peer::Options options = {});
  faults::Proxy* proxy() { return proxy_.get(); }
  // The cgroup of this check's programs (null without cgroups).
  cell::Cgroup* cgroup() { return settings_.cgroup; }
  // The most recently started server (the check must have started one).
  ServerUnderTest& server();
  const std::vector<std::unique_ptr<ServerUnderTest>>& servers() const { return servers_; }
  // Client labs: the context owns the clients a check starts, so that the runner reports how
  // each ended (its stderr, exit status, signal) like a server's.
  ClientUnderTest* adopt_client(std::unique_ptr<ClientUnderTest> client);
  const std::vector<std::unique_ptr<ClientUnderTest>>& clients() const { return clients_; }
  // Connects a new scripted client to the current server, waiting up to `base_ms` (stretched)
  // for the handshake (longer where a full accept queue makes the kernel drop SYNs: retried
  // after 1 s, then 3 s).
  Step<net::Peer> connect(const std::string& name, net::Peer::Options options = {}, int base_ms = 3000);

 private:
  const CheckDef& def_;
  const lab::LabSpec& lab_;
  const lab::CheckSpec& spec_;
  RunSettings settings_;
  net::Trace trace_;
  nlohmann::json evidence_ = nlohmann::json::object();
  uint16_t port_ = 0;
  Deadline wall_;
  std::vector<std::unique_ptr<ServerUnderTest>> servers_;
  std::vector<std::unique_ptr<ClientUnderTest>> clients_;
  std::unique_ptr<faults::Proxy> proxy_;
  // Proxies started before the current one (a scenario gives peers different faults): their
  // connections stay up until the check ends.
  std::vector<std::unique_ptr<faults::Proxy>> earlier_proxies_;
};

}  // namespace sockgrade::grading
