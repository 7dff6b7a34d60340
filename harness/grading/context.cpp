#include "grading/context.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "cell/net_ns.hpp"
#include "grading/client_under_test.hpp"
#include "grading/quiet_server.hpp"
#include "grading/catalogue.hpp"
#include "grading/server_under_test.hpp"
#include "core/fd.hpp"
#include "net/local_ports.hpp"
#include "net/observe.hpp"

namespace sockgrade::grading {
namespace {

// A port no socket uses right now, for runs without a private network namespace. It is taken
// below the kernel's ephemeral range, so that no client connection in TIME_WAIT (the harness's
// own peers included) holds it: SO_REUSEADDR does not help against those.
uint16_t free_port() {
  int lo = 32768, hi = 60999;
  if (auto range = net::read_proc_file("/proc/sys/net/ipv4/ip_local_port_range")) {
    std::sscanf(range->c_str(), "%d %d", &lo, &hi);
  }
  int first = 10000, last = lo - 1;
  if (last - first < 1000) {
    first = hi + 1;
    last = 65535;
  }
  if (last < first) return 0;
  int span = last - first + 1;
  int start = static_cast<int>(static_cast<unsigned>(::getpid()) * 2654435761u % static_cast<unsigned>(span));
  for (int k = 0; k < span; ++k) {
    int port = first + (start + k) % span;
    Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (s && ::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return static_cast<uint16_t>(port);
  }
  return 0;
}

}  // namespace

Context::Context(const CheckDef& def, const lab::LabSpec& lab, const lab::CheckSpec& spec, const RunSettings& settings)
    : def_(def),
      lab_(lab),
      spec_(spec),
      settings_(settings),
      wall_(Deadline::after(Millis(static_cast<int64_t>(lab.limits.wall_seconds * 1000.0 * settings.stretch)))) {
  // The harness's clients never draw the program's ports as their own (54154 is in the
  // ephemeral range): the cell is one process, so this holds for the whole check.
  net::keep_ports_free({lab.run.default_port, lab.run.requested_port});
}

Deadline Context::deadline(int base_ms) const {
  auto d = Deadline::after(ms(base_ms));
  return d.at() < wall_.at() ? d : wall_;
}

Context::~Context() = default;

int64_t Context::param(std::string_view name) const { return param_value(def_.info, spec_, name); }

Millis Context::ms(int base_ms) const {
  return Millis(static_cast<int64_t>(std::ceil(base_ms * settings_.stretch)));
}

std::string Context::human(int base_ms) const { return format_duration(ms(base_ms)); }

Rng Context::rng(std::string_view purpose) const {
  return Rng::derive(settings_.seed, def_.info.id + "/" + std::string(purpose));
}

uint16_t Context::requested_port() {
  if (port_ == 0) port_ = settings_.private_network ? lab_.run.requested_port : free_port();
  return port_;
}

Step<ServerUnderTest*> Context::start_server(const ServerOptions& options) {
  std::string label = servers_.empty() ? "server" : "server#" + std::to_string(servers_.size() + 1);
  SG_TRY(auto s, ServerUnderTest::spawn(*this, requested_port(), label, options));
  // Kept even if it never listens: its exit status and stderr are the evidence.
  servers_.push_back(std::move(s));
  SG_CHECK(servers_.back()->wait_listening(*this));
  SG_CHECK(servers_.back()->wait_settled(*this));
  return servers_.back().get();
}

ServerUnderTest& Context::server() { return *servers_.back(); }

ClientUnderTest* Context::adopt_client(std::unique_ptr<ClientUnderTest> client) {
  clients_.push_back(std::move(client));
  return clients_.back().get();
}

Step<void> Context::require_preload() {
  auto dynamic = faults::is_dynamically_linked(settings_.executable);
  if (!dynamic) return harness_error("cannot tell how the program is linked: " + dynamic.error().message);
  if (!*dynamic) {
    return unexpected(Outcome::skip(
        "the program is linked statically, so sockgrade's preload shim cannot reach its calls and this check "
        "cannot run: link it dynamically (no -static) to have it tested"));
  }
  return {};
}

long Context::cap_server_send_buffer(int bytes, ServerOptions& options) {
  if (settings_.private_network && cell::cap_tcp_send_buffers(bytes)) {
    evidence_["send_buffer_cap"] = "namespace: net.ipv4.tcp_wmem max " + std::to_string(bytes);
    return bytes;
  }
  auto dynamic = faults::is_dynamically_linked(settings_.executable);
  if (settings_.shim_library.empty() || !dynamic || !*dynamic) return 0;
  if (!options.shim) options.shim = faults::ShimConfig{};
  // The kernel doubles what SO_SNDBUF asks, for its own bookkeeping, as tcp_wmem's cap includes.
  options.shim->send_buffer = bytes / 2;
  evidence_["send_buffer_cap"] = "preload shim: SO_SNDBUF " + std::to_string(bytes / 2) + " on each accepted socket";
  return bytes;
}

Step<faults::ShimSession> Context::prepare_shim(const faults::ShimConfig& config, std::vector<std::string>& env) {
  if (settings_.shim_library.empty()) return harness_error("the preload shim libsockgrade_shim.so is missing");
  auto session = faults::ShimSession::create(config, (settings_.seed ^ fnv1a(def_.info.id)) & 0xffffffffu,
                                             settings_.shim_library, settings_.shim_dir);
  if (!session) return harness_error("cannot prepare the preload shim: " + session.error().message);
  for (const auto& kv : session->environment()) env.push_back(kv);
  evidence()["shim"] = session->describe();
  auto& faults = evidence()["faults"];
  if (!faults.is_array()) faults = nlohmann::json::array();
  faults.push_back(session->fault_text());
  return std::move(session).value();
}

Step<faults::Proxy*> Context::start_proxy(const std::vector<std::string>& texts) {
  faults::ProxyConfig config;
  config.target = server().endpoint();
  config.seed = (settings_.seed ^ fnv1a(def_.info.id)) & 0xffffffffu;  // short enough to type
  // After the shim's, if the server has one.
  nlohmann::json listed = evidence_.contains("faults") ? evidence_["faults"] : nlohmann::json::array();
  for (const auto& t : texts) {
    auto spec = faults::parse_fault(t);
    if (!spec) return harness_error("bad fault in check " + def_.info.id + ": " + spec.error().message);
    config.faults.push_back(*spec);
    listed.push_back(faults::fault_text(*spec));
  }
  config.on_event = [this](const std::string& event, const std::string& detail) { trace_.add("proxy", event, detail); };
  // The segments the proxy writes show what each fault did to the stream.
  config.on_write = [this](faults::Direction d, std::string_view bytes) {
    trace_.data(d == faults::Direction::to_program ? "proxy→server" : "proxy→client", "send", bytes);
  };
  auto proxy = faults::Proxy::start(config);
  if (!proxy) return harness_error("could not start the fault proxy: " + proxy.error().message);
  if (proxy_) earlier_proxies_.push_back(std::move(proxy_));
  proxy_ = std::move(proxy).value();
  evidence_["faults"] = listed;
  evidence_["fault_seed"] = config.seed;
  evidence_["proxy_command"] = faults::proxy_command(config.faults, config.target, config.seed);
  trace_.add("proxy", "listen", proxy_->endpoint().to_string() + " → " + config.target.to_string() + " with " +
                                    std::to_string(texts.size()) + " fault(s)");
  return proxy_.get();
}

Step<net::Peer> Context::connect_via_proxy(const std::string& name, net::Peer::Options options) {
  auto peer = net::Peer::connect(proxy_->endpoint(), name, trace_, deadline(3000), options);
  if (peer) return std::move(peer).value();
  return harness_error(name + " could not connect to the fault proxy: " + peer.error().message);
}

Step<net::Peer> Context::connect(const std::string& name, net::Peer::Options options, int base_ms) {
  auto& srv = server();
  auto peer = net::Peer::connect(srv.endpoint(), name, trace_, deadline(base_ms), options);
  if (peer) {
    int family = srv.endpoint().family;
    if (family == AF_INET || family == AF_INET6) peer->watch_other_side(server_waiting_for_input(srv.pid(), srv.endpoint().port));
    return std::move(peer).value();
  }
  auto v = srv.status();
  if (!v.running()) {
    return failed(name + " could not connect to " + srv.endpoint().to_string() + ": the server is gone (" + v.describe() + ")");
  }
  return failed(name + " could not connect to " + srv.endpoint().to_string() + " (" + peer.error().message + ")");
}

}  // namespace sockgrade::grading
