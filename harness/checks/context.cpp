#include "checks/context.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cmath>

#include "checks/registry.hpp"
#include "checks/server_under_test.hpp"
#include "core/fd.hpp"

namespace sockgrade::checks {
namespace {

// A port no socket uses right now, for runs without a private network namespace.
uint16_t free_port() {
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!s || ::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  socklen_t len = sizeof a;
  ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

}  // namespace

Context::Context(const CheckDef& def, const lab::LabSpec& lab, const lab::CheckSpec& spec, const RunSettings& settings)
    : def_(def), lab_(lab), spec_(spec), settings_(settings) {}

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

Step<ServerUnderTest*> Context::start_server() {
  std::string label = servers_.empty() ? "server" : "server#" + std::to_string(servers_.size() + 1);
  SG_TRY(auto s, ServerUnderTest::spawn(*this, requested_port(), label));
  // Kept even if it never listens: its exit status and stderr are the evidence.
  servers_.push_back(std::move(s));
  SG_CHECK(servers_.back()->wait_listening(*this));
  return servers_.back().get();
}

ServerUnderTest& Context::server() { return *servers_.back(); }

Step<net::Peer> Context::connect(const std::string& name, net::Peer::Options options) {
  auto& srv = server();
  auto peer = net::Peer::connect(srv.endpoint(), name, trace_, deadline(3000), options);
  if (peer) return std::move(peer).value();
  auto v = srv.status();
  if (!v.running()) {
    return failed(name + " could not connect to " + srv.endpoint().to_string() + ": the server had " + v.describe());
  }
  return failed(name + " could not connect to " + srv.endpoint().to_string() + " (" + peer.error().message + ")");
}

}  // namespace sockgrade::checks
