// Scenarios that checks of several categories play against a client lab (echo-client,
// daytime-client): the harness is the server (grading::ClientSession) and feeds the client's stdin.
#pragma once

#include <string>

#include "checks/catalogue.hpp"
#include "grading/client_session.hpp"

namespace sockgrade::checks {

// Lines fed one at a time, each echo awaited on stdout before the next: what a user at a
// terminal does. Stdin stays open, so nothing here depends on what the client does at EOF.
// `taken_is_enough`: for checks about something else, a line counts as done once the client has
// read its whole echo from the socket, printed or not (a block-buffered stdout prints later).
Step<void> interactive_lines(Context& ctx, ClientSession& s, int count, const std::string& scene,
                             bool taken_is_enough = false);

// The reply the daytime checks send, the way daytime servers write it (RFC 867).
inline const std::string kDaytimeReply = "Wednesday, November 25, 2026 05:14:07-UTC\r\n";

// The harness as a daytime server: sends `reply` on connect (paced as `base` says), then closes;
// the client must print exactly the reply and exit 0.
Step<void> expect_reply_printed(Context& ctx, const std::string& reply, const ServerPlay& base,
                                const std::string& scene);

}  // namespace sockgrade::checks
