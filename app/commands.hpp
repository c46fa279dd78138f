// One function per `dsr` command; each gets the arguments after its name.
#pragma once

#include <string>
#include <vector>

namespace dsr::app {

int workflows_check_command(const std::vector<std::string>& args);
int serve_command(const std::vector<std::string>& args);
int sla_due_command(const std::vector<std::string>& args);
int audit_verify_command(const std::vector<std::string>& args);
int token_create_command(const std::vector<std::string>& args);
int init_command(const std::vector<std::string>& args);
int config_show_command(const std::vector<std::string>& args);
int backup_command(const std::vector<std::string>& args);
int restore_command(const std::vector<std::string>& args);
int log_key_command(const std::vector<std::string>& args);
int token_list_command(const std::vector<std::string>& args);
int token_revoke_command(const std::vector<std::string>& args);
int staff_add_command(const std::vector<std::string>& args);
int staff_list_command(const std::vector<std::string>& args);
int staff_remove_command(const std::vector<std::string>& args);
int package_verify_command(const std::vector<std::string>& args);
int report_sla_command(const std::vector<std::string>& args);
int retention_run_command(const std::vector<std::string>& args);
int key_rotate_master_command(const std::vector<std::string>& args);
int key_rotate_signing_command(const std::vector<std::string>& args);
int key_rotate_log_command(const std::vector<std::string>& args);

}  // namespace dsr::app
