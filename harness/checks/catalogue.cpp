#include "checks/catalogue.hpp"

namespace sockgrade::checks {

const Catalogue& builtin_checks() {
  static const Catalogue all([] {
    std::vector<CheckDef> v;
    for (auto group : {basic_checks, connect_accept_checks, partial_io_checks, sigpipe_checks, shutdown_checks, resources_checks,
                       concurrency_checks, client_checks, daytime_client_checks, unix_checks, udp_checks,
                       udp_client_checks, executable_name_checks}) {
      auto g = group();
      v.insert(v.end(), g.begin(), g.end());
    }
    return v;
  }());
  return all;
}

const CheckDef* find_check(std::string_view id) { return builtin_checks().find(id); }

Result<void> validate_lab_checks(const lab::LabSpec& lab) { return builtin_checks().validate(lab); }

}  // namespace sockgrade::checks
