#include "net/trace.hpp"

#include <cmath>

#include "core/bytes.hpp"

namespace sockgrade::net {
namespace {
constexpr std::size_t kPreviewBytes = 48;
constexpr std::size_t kMaxStoredEvents = 4000;  // a runaway loop must not eat the cell's memory
}  // namespace

std::vector<TraceEvent> Trace::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

void Trace::append(const std::vector<TraceEvent>& events) {
  std::lock_guard lock(mu_);
  for (const auto& e : events) {
    if (events_.size() >= kMaxStoredEvents) return;
    events_.push_back(e);
  }
}

void Trace::add(std::string actor, std::string event, std::string detail) {
  std::lock_guard lock(mu_);
  if (events_.size() >= kMaxStoredEvents) return;
  TraceEvent e;
  e.t_ms = now_ms();
  e.actor = std::move(actor);
  e.event = std::move(event);
  e.detail = std::move(detail);
  events_.push_back(std::move(e));
}

void Trace::data(const std::string& actor, const std::string& event, std::string_view bytes) {
  std::lock_guard lock(mu_);
  if (!events_.empty()) {
    auto& last = events_.back();
    if (last.actor == actor && last.event == event) {
      last.bytes += bytes.size();
      last.calls += 1;
      if (last.preview.size() < kPreviewBytes) {
        last.preview.append(bytes.substr(0, kPreviewBytes - last.preview.size()));
      }
      return;
    }
  }
  if (events_.size() >= kMaxStoredEvents) return;
  TraceEvent e;
  e.t_ms = now_ms();
  e.actor = actor;
  e.event = event;
  e.bytes = bytes.size();
  e.calls = 1;
  e.preview = std::string(bytes.substr(0, kPreviewBytes));
  events_.push_back(std::move(e));
}

nlohmann::json Trace::to_json(std::size_t max_events) const {
  auto one = [](const TraceEvent& e) {
    nlohmann::json j = {{"t_ms", std::round(e.t_ms * 10) / 10}, {"actor", e.actor}, {"event", e.event}};
    if (e.event == "send" || e.event == "recv") {
      j["bytes"] = e.bytes;
      if (e.calls > 1) j["calls"] = e.calls;
      j["preview"] = escape_preview(e.preview, kPreviewBytes);
    }
    if (!e.detail.empty()) j["detail"] = e.detail;
    return j;
  };
  std::lock_guard lock(mu_);
  nlohmann::json arr = nlohmann::json::array();
  if (events_.size() <= max_events) {
    for (const auto& e : events_) arr.push_back(one(e));
    return arr;
  }
  std::size_t head = max_events * 2 / 3, tail = max_events - head;
  for (std::size_t i = 0; i < head; ++i) arr.push_back(one(events_[i]));
  arr.push_back({{"t_ms", std::round(events_[head].t_ms * 10) / 10},
                 {"actor", "harness"},
                 {"event", "elided"},
                 {"detail", std::to_string(events_.size() - head - tail) + " events not shown"}});
  for (std::size_t i = events_.size() - tail; i < events_.size(); ++i) arr.push_back(one(events_[i]));
  return arr;
}

}  // namespace sockgrade::net
