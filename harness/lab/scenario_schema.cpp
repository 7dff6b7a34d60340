#include "lab/scenario_schema.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "lab/strict_json.hpp"

namespace sockgrade::lab {
namespace {

using nlohmann::json;

// What the value of a step's action key is.
enum class Operand { yes, peer, word, count };

// One kind of step: its action key, what its value is, the roles it is for, its other keys.
struct StepForm {
  const char* key;
  StepKind kind;
  Operand operand;
  const char* roles;  // "server", "client" or "any"
  std::vector<std::string> options;
};

const std::vector<StepForm>& forms() {
  static const std::vector<StepForm> all = {
      {"start", StepKind::start, Operand::yes, "any", {}},
      {"stop", StepKind::stop, Operand::yes, "server", {}},
      {"restart", StepKind::restart, Operand::yes, "server", {}},
      {"expect_program", StepKind::expect_program, Operand::word, "any", {"status", "within_ms"}},
      {"serve", StepKind::serve, Operand::word, "client", {"text", "piece_bytes", "gap_ms"}},
      {"connect", StepKind::connect, Operand::peer, "server", {"faults", "refused", "rcvbuf", "within_ms"}},
      {"send", StepKind::send, Operand::peer, "any", {"text", "line", "hex", "random", "random_line", "piece_bytes", "gap_ms", "within_ms"}},
      {"half_close", StepKind::half_close, Operand::peer, "server", {}},
      {"reset", StepKind::reset, Operand::peer, "server", {}},
      {"close", StepKind::close, Operand::peer, "any", {}},
      {"stop_reading", StepKind::stop_reading, Operand::peer, "server", {}},
      {"resume_reading", StepKind::resume_reading, Operand::peer, "server", {}},
      {"receive", StepKind::receive, Operand::peer, "any",
       {"exactly", "hex", "line", "matching", "containing", "bytes", "echo", "echo_of", "within_ms"}},
      {"expect_quiet", StepKind::expect_quiet, Operand::peer, "server", {"within_ms"}},
      {"expect_eof", StepKind::expect_eof, Operand::peer, "server", {"discarding", "within_ms"}},
      {"expect_reset", StepKind::expect_reset, Operand::peer, "server", {"within_ms"}},
      {"wait_read", StepKind::wait_read, Operand::peer, "server", {"within_ms"}},
      {"wait_blocked_in_write", StepKind::wait_blocked_in_write, Operand::yes, "server", {"within_ms"}},
      {"observe", StepKind::observe, Operand::word, "server", {"window_ms", "within_ms"}},
      {"repeat", StepKind::repeat, Operand::count, "any", {"steps"}},
      {"together", StepKind::together, Operand::count, "server", {"steps"}},
  };
  return all;
}

std::vector<std::string> action_keys() {
  std::vector<std::string> keys;
  for (const auto& f : forms()) keys.emplace_back(f.key);
  return keys;
}

// Client labs name the program's standard streams as peers.
bool stream_name(const std::string& peer) { return peer == "stdin" || peer == "stdout"; }

std::string hex_decode(const std::string& hex, const std::string& path) {
  auto digit = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw LabError{path, std::string("'") + c + "' is not a hex digit"};
  };
  std::string compact;
  for (char c : hex) {
    if (c != ' ') compact += c;
  }
  if (compact.size() % 2 != 0) throw LabError{path, "an odd number of hex digits"};
  std::string out;
  for (std::size_t i = 0; i < compact.size(); i += 2) {
    out += static_cast<char>(digit(compact[i]) * 16 + digit(compact[i + 1]));
  }
  return out;
}

class StepReader {
 public:
  explicit StepReader(std::string role) : role_(std::move(role)) {}

  std::vector<ScenarioStep> steps(const json& j, const std::string& path) {
    if (!j.is_array()) throw LabError{path, "expected an array of steps, got " + type_name(j)};
    if (j.empty()) throw LabError{path, "a scenario needs at least one step"};
    std::vector<ScenarioStep> out;
    for (std::size_t i = 0; i < j.size(); ++i) out.push_back(step(j[i], path + "/" + std::to_string(i)));
    return out;
  }

 private:
  const StepForm& form_of(const json& j, const std::string& path) const {
    if (!j.is_object()) throw LabError{path, "expected a step (an object), got " + type_name(j)};
    const StepForm* found = nullptr;
    for (const auto& f : forms()) {
      if (!j.contains(f.key)) continue;
      if (found) throw LabError{path, std::string("a step does one thing: both '") + found->key + "' and '" + f.key + "'"};
      found = &f;
    }
    if (found) return *found;
    // The key that is no step's option is the misspelt step ({"sned": "a", "line": "x"}).
    std::string first;
    for (const auto& [key, _] : j.items()) {
      bool option = std::any_of(forms().begin(), forms().end(), [&](const StepForm& f) {
        return std::find(f.options.begin(), f.options.end(), key) != f.options.end();
      });
      if (!option) {
        first = key;
        break;
      }
    }
    if (first.empty() && !j.empty()) first = j.begin().key();
    auto guess = closest_match(first, action_keys());
    throw LabError{path, first.empty() ? "an empty step (steps: " + join(action_keys(), ", ") + ")"
                                       : "unknown step '" + first + "'" +
                                             (guess.empty() ? " (steps: " + join(action_keys(), ", ") + ")"
                                                            : " (did you mean '" + guess + "'?)")};
  }

  void check_role(const StepForm& f, const std::string& path) const {
    if (role_.empty() || std::string(f.roles) == "any" || f.roles == role_) return;
    throw LabError{path + "/" + f.key, std::string("'") + f.key + "' is a step of " + f.roles + " labs; this lab's role is " + role_};
  }

  ScenarioStep step(const json& j, const std::string& path) {
    const StepForm& f = form_of(j, path);
    std::vector<std::string> allowed = f.options;
    allowed.emplace_back(f.key);
    StrictObject o(j, path, allowed);
    check_role(f, path);
    ScenarioStep s;
    s.kind = f.kind;
    s.path = path;
    read_operand(f, o, s);
    if (o.has("within_ms")) s.within_ms = static_cast<int>(o.integer("within_ms", 1, 600000));
    else if (f.kind == StepKind::expect_quiet) s.within_ms = 500;
    s.discarding = o.boolean_or("discarding", false);
    switch (f.kind) {
      case StepKind::expect_program: program_state(o, s); break;
      case StepKind::serve: serve(o, s); break;
      case StepKind::connect: connect(o, s); break;
      case StepKind::send: send(o, s); break;
      case StepKind::receive: receive(o, s); break;
      case StepKind::observe: observe(o, s); break;
      case StepKind::repeat:
      case StepKind::together: s.steps = steps(o.raw("steps"), o.path_of("steps")); break;
      default: break;
    }
    return s;
  }

  void read_operand(const StepForm& f, const StrictObject& o, ScenarioStep& s) {
    const std::string key = f.key;
    switch (f.operand) {
      case Operand::yes:
        if (!o.boolean_or(key, false)) throw LabError{o.path_of(key), "write \"" + key + "\": true"};
        break;
      case Operand::count: s.times = static_cast<int>(o.integer(key, 1, 1000)); break;
      case Operand::word: s.text = o.string(key); break;
      case Operand::peer: s.peer = peer(o.string(key), o.path_of(key), f.kind); break;
    }
  }

  // A peer name: declared by `connect` (server labs), or the client's stdin/stdout.
  std::string peer(const std::string& name, const std::string& path, StepKind kind) {
    if (name.empty()) throw LabError{path, "a peer needs a name"};
    if (role_ == "client" && !stream_name(name)) {
      throw LabError{path, "'" + name + "' is not a peer of a client lab (\"stdin\" or \"stdout\")"};
    }
    if (role_ == "client" || stream_name(name)) {
      if (role_ == "server") throw LabError{path, "'" + name + "' is a client lab's stream; connect a named peer instead"};
      return name;
    }
    if (kind == StepKind::connect) {
      peers_.insert(name);
      return name;
    }
    if (!peers_.count(name)) {
      std::vector<std::string> known(peers_.begin(), peers_.end());
      auto guess = closest_match(name, known);
      throw LabError{path, "unknown peer '" + name + "'" +
                               (guess.empty() ? " (a \"connect\" step before this one names each peer)"
                                              : " (did you mean '" + guess + "'?)")};
    }
    return name;
  }

  void program_state(const StrictObject& o, ScenarioStep& s) {
    if (s.text == "alive") s.state = ProgramState::alive;
    else if (s.text == "exited") s.state = ProgramState::exited;
    else if (s.text == "not-killed") s.state = ProgramState::not_killed;
    else throw LabError{o.path_of("expect_program"), "\"" + s.text + "\" is none of \"alive\", \"exited\", \"not-killed\""};
    if (o.has("status")) {
      if (s.state != ProgramState::exited) throw LabError{o.path_of("status"), "\"status\" goes with \"exited\""};
      s.status = static_cast<int>(o.integer("status", 0, 255));
    }
  }

  void serve(const StrictObject& o, ScenarioStep& s) {
    if (s.text == "echo") s.play = ServePlay::echo;
    else if (s.text == "reply") s.play = ServePlay::reply;
    else if (s.text == "silent") s.play = ServePlay::silent;
    else throw LabError{o.path_of("serve"), "\"" + s.text + "\" is none of \"echo\", \"reply\", \"silent\""};
    if ((s.play == ServePlay::reply) != o.has("text")) {
      throw LabError{o.path(), "\"serve\": \"reply\" needs \"text\" (what it sends), and only it takes one"};
    }
    s.data = o.string_or("text", "");
    pieces(o, s);
  }

  void connect(const StrictObject& o, ScenarioStep& s) {
    if (o.has("faults")) s.faults = o.strings("faults");
    s.refused = o.boolean_or("refused", false);
    s.rcvbuf = static_cast<int>(o.integer_or("rcvbuf", 0, 64 << 20, 0));
    if (s.refused && !s.faults.empty()) throw LabError{o.path(), "a refused connection takes no faults"};
  }

  void pieces(const StrictObject& o, ScenarioStep& s) {
    s.piece_bytes = static_cast<std::size_t>(o.integer_or("piece_bytes", 1, 1 << 20, 0));
    s.gap_ms = static_cast<int>(o.integer_or("gap_ms", 0, 10000, 0));
    if (o.has("gap_ms") && !o.has("piece_bytes")) throw LabError{o.path_of("gap_ms"), "\"gap_ms\" goes with \"piece_bytes\""};
  }

  void send(const StrictObject& o, ScenarioStep& s) {
    int given = o.has("text") + o.has("line") + o.has("hex") + o.has("random") + o.has("random_line");
    if (given != 1) {
      throw LabError{o.path(), "\"send\" takes one of \"text\", \"line\", \"hex\", \"random\", \"random_line\""};
    }
    if (o.has("text")) s.data = o.string("text");
    if (o.has("line")) s.data = o.string("line") + "\n";
    if (o.has("hex")) s.data = hex_decode(o.string("hex"), o.path_of("hex"));
    if (o.has("random")) {
      s.payload = Payload::random;
      s.random_bytes = static_cast<std::size_t>(o.integer("random", 1, 256 << 20));
    }
    if (o.has("random_line")) {
      s.payload = Payload::random_line;
      s.random_bytes = static_cast<std::size_t>(o.integer("random_line", 2, 16 << 20));
    }
    if (s.peer == "stdout") throw LabError{o.path_of("send"), "a client lab sends to \"stdin\""};
    pieces(o, s);
  }

  void receive(const StrictObject& o, ScenarioStep& s) {
    int given = o.has("exactly") + o.has("hex") + o.has("line") + o.has("matching") + o.has("containing") +
                o.has("bytes") + o.has("echo") + o.has("echo_of");
    if (given != 1) {
      throw LabError{o.path(), "\"receive\" takes one of \"exactly\", \"hex\", \"line\", \"matching\", \"containing\", "
                               "\"bytes\", \"echo\", \"echo_of\""};
    }
    if (s.peer == "stdin") throw LabError{o.path_of("receive"), "a client lab receives from \"stdout\""};
    if (o.has("exactly")) s.text = o.string("exactly");
    if (o.has("hex")) s.text = hex_decode(o.string("hex"), o.path_of("hex"));
    if (o.has("line")) line(o, s);
    if (o.has("matching")) matching(o, s);
    if (o.has("containing")) {
      s.match = Match::containing;
      s.text = o.string("containing");
      if (s.text.empty()) throw LabError{o.path_of("containing"), "an empty text is contained in anything"};
    }
    if (o.has("bytes")) {
      s.match = Match::bytes;
      s.count = static_cast<std::size_t>(o.integer("bytes", 1, 256 << 20));
    }
    if (o.has("echo")) {
      if (!o.boolean_or("echo", false)) throw LabError{o.path_of("echo"), "write \"echo\": true"};
      s.match = Match::echo_of;
      s.echo_of = s.peer;
    }
    if (o.has("echo_of")) {
      s.match = Match::echo_of;
      s.echo_of = peer(o.string("echo_of"), o.path_of("echo_of"), StepKind::receive);
    }
  }

  void line(const StrictObject& o, ScenarioStep& s) {
    const auto& v = o.raw("line");
    if (v.is_boolean() && v.get<bool>()) {
      s.match = Match::any_line;
    } else if (v.is_string()) {
      s.match = Match::line;
      s.text = v.get<std::string>();
      if (s.text.empty() || s.text.back() != '\n') s.text += "\n";
    } else {
      throw LabError{o.path_of("line"), "expected true (any line) or the line's text, got " + type_name(v)};
    }
  }

  void matching(const StrictObject& o, ScenarioStep& s) {
    s.match = Match::matching;
    s.text = o.string("matching");
    // Checked as it will run: "{i}" and "{year}" expand to digits first.
    std::string sample = s.text;
    for (const std::string& var : {std::string("{i}"), std::string("{year}")}) {
      for (auto at = sample.find(var); at != std::string::npos; at = sample.find(var)) sample.replace(at, var.size(), "1");
    }
    try {
      std::regex test(sample, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw LabError{o.path_of("matching"), std::string("not a regular expression: ") + e.what()};
    }
  }

  void observe(const StrictObject& o, ScenarioStep& s) {
    s.observation = s.text;
    const auto& names = observation_names();
    if (std::find(names.begin(), names.end(), s.observation) == names.end()) {
      auto guess = closest_match(s.observation, names);
      throw LabError{o.path_of("observe"), "unknown observation '" + s.observation + "'" +
                                               (guess.empty() ? " (observations: " + join(names, ", ") + ")"
                                                              : " (did you mean '" + guess + "'?)")};
    }
    s.window_ms = static_cast<int>(o.integer_or("window_ms", 100, 60000, 1000));
  }

  std::string role_;
  std::set<std::string> peers_;  // named by a connect step so far
};

}  // namespace

bool is_scenario_entry(const json& entry) {
  if (!entry.is_object()) return false;
  return std::any_of(kScenarioKeys.begin(), kScenarioKeys.end(), [&](const std::string& k) { return entry.contains(k); });
}

std::string step_text(const json& step) {
  if (!step.is_object()) return step.dump();
  for (const auto& form : forms()) {
    if (!step.contains(form.key)) continue;
    std::string text = std::string(form.key) + " " + (step[form.key].is_string() ? step[form.key].get<std::string>()
                                                                                   : step[form.key].dump());
    json rest = step;
    rest.erase(form.key);
    if (!rest.empty()) text += "  " + rest.dump();
    return text;
  }
  return step.dump();
}

const std::vector<std::string>& observation_names() {
  static const std::vector<std::string> names = {"children-reaped",      "fds-at-baseline",  "threads-at-baseline",
                                                 "one-process-one-thread", "process-per-client", "thread-per-client",
                                                 "idle-cpu",             "accept-queue-empty"};
  return names;
}

ScenarioCheck parse_scenario(const json& entry, const std::string& path, const std::string& role) {
  // Only the scenario's own keys are read here; the entry's other keys are the lab loader's.
  json own = json::object();
  for (const auto& k : kScenarioKeys) {
    if (entry.contains(k)) own[k] = entry[k];
  }
  StrictObject o(own, path, kScenarioKeys);
  ScenarioCheck c;
  c.title = o.string("title");
  c.hint = o.string("hint");
  c.requirement = o.string_or("requirement", "");
  c.budget_ms = static_cast<int>(o.integer_or("budget_ms", 1000, 600000, c.budget_ms));
  if (entry.contains("params")) throw LabError{path + "/params", "a scenario check takes no params: write the values in its steps"};
  c.steps = StepReader(role).steps(o.raw("steps"), o.path_of("steps"));
  c.source = own;
  return c;
}

}  // namespace sockgrade::lab
