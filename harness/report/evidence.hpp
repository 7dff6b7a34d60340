// The vocabulary of evidence: every key a check may record in a result's evidence, the kind of
// value it holds, how views label it, and in what order they show it. A check writes a key from
// this table (a test fails on a key missing from it, and the conformance runner on a value of the
// wrong kind); a view renders evidence by kind through evidence_items(), never by key. Adding a
// key is one row in evidence.cpp; every view shows it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sockgrade::report {

enum class EvidenceKind {
  bytes,      // {"bytes": N, "preview": "escaped text"}: what a peer sent, expected or got
  offset,     // a byte offset: where two byte strings first differ
  hex,        // a hex dump (lines of text) around that offset
  program,    // how a program ended: {"label", "status", "stderr_tail", …}
  programs,   // several programs, each as `program`
  listening,  // {"requested_port", "observed"}: where a server was asked to listen, and did
  proof,      // the observation behind a cause the message names: a sentence, or a list of them
  value,      // a number, a flag, a sentence, a list or a record: shown as recorded
};

struct EvidenceTerm {
  std::string_view key;
  std::string_view label;  // as every view names it
  EvidenceKind kind;
  // Leading terms come first, in the table's order: the bytes a student compares, where they
  // differ, how the program ended. The others follow in key order.
  bool leads = false;
  // False for terms the terminal view shows elsewhere (the proof, the seed in the repro line,
  // the proxy command as "by hand") or leaves to the full report (which peer, how a read ended).
  bool in_terminal = true;
  std::string_view meaning;
};

// Every term, leading ones first.
const std::vector<EvidenceTerm>& evidence_vocabulary();
// The term of `key`, or nullptr when the vocabulary lacks it.
const EvidenceTerm* evidence_term(std::string_view key);

// One entry of a result's evidence as a view walks it.
struct EvidenceItem {
  std::string key;
  std::string label;
  EvidenceKind kind = EvidenceKind::value;
  bool in_terminal = true;
  const nlohmann::json* value = nullptr;
};
// The entries of `evidence` in view order. A key the vocabulary lacks (a report written by
// another version) is shown as a value under its own name, after the others.
std::vector<EvidenceItem> evidence_items(const nlohmann::json& evidence);

// Whether `value` has the shape `kind` promises; "" when it does, else what is wrong.
std::string evidence_shape_error(EvidenceKind kind, const nlohmann::json& value);
// Every problem of a result's evidence (keys missing from the vocabulary, values of the wrong
// shape), one line each: for tests.
std::vector<std::string> evidence_problems(const nlohmann::json& evidence);

}  // namespace sockgrade::report
