// A lab as data (BRIEF §2): the role, the build rule, the argv template, the default port
// and the checks with their weights, loaded strictly from labs/<lab>.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cell/rlimits.hpp"
#include "lab/scenario_spec.hpp"

namespace sockgrade::lab {

struct CheckSpec {
  std::string id;
  double weight = 1;
  bool hidden = false;        // kept out of student-facing views
  nlohmann::json params = nlohmann::json::object();
  // "labs/x.json: /checks/3": the entry that last named this check, for errors about it; empty
  // when the lab is one document (then its index in `checks` is its place in the file).
  std::string source = {};
  // A check written as data in the lab file (schema 3); null for a built-in check.
  std::shared_ptr<const ScenarioCheck> scenario = {};
};

struct BuildRule {
  std::string executable = "server";       // what the build must produce
  std::vector<std::string> make = {"make"};  // when the submission has a Makefile
  std::vector<std::string> c;              // over *.c; {executable} and {sources} expand
  std::vector<std::string> cpp;            // over *.cpp / *.cc when any is present
  int timeout_seconds = 60;
};

struct RunSpec {
  std::vector<std::string> argv;  // {port} (and {host}, clients) expand to where the harness asks
  uint16_t default_port = 0;      // the contract's default (54154)
  uint16_t requested_port = 0;    // the port asked for inside a private network namespace
};

// How the program talks: a TCP stream, UDP datagrams, or a UNIX-domain stream at a path.
enum class Transport { tcp, udp, unix_stream };
// "tcp", "udp", "unix": the lab file's word.
std::string_view transport_name(Transport t);
// What a server waits on, for messages: "TCP port", "UDP port", "UNIX-domain socket".
std::string_view transport_endpoint(Transport t);

struct LabSpec {
  std::string name;
  std::string title;
  std::string role;       // "server" or "client" (the harness then plays the server)
  Transport transport = Transport::tcp;
  std::string contract;   // the student-facing description, next to the JSON
  BuildRule build;
  RunSpec run;
  cell::Limits limits;
  // 0 (or absent): the lab is out of the sum of its weights. Else it is out of `points`, and each check's
  // weight (as resolved) is its share of them: a check added to a lab that others extend
  // re-weighs every lab by itself, and none needs its weights re-added by hand.
  double points = 0;
  std::vector<CheckSpec> checks;
  std::filesystem::path file;
};

}  // namespace sockgrade::lab
