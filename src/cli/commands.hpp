// One setup function per subcommand; each adds its CLI::App, binds options to a struct and
// installs a callback that calls the library and renders the result.
#pragma once

#include "context.hpp"

namespace tectl::cli {

void setup_create(CLI::App& app, Context& ctx);
void setup_configure(CLI::App& app, Context& ctx);
void setup_list(CLI::App& app, Context& ctx);
void setup_show(CLI::App& app, Context& ctx);
void setup_test(CLI::App& app, Context& ctx);
void setup_appconfig(CLI::App& app, Context& ctx);
void setup_search(CLI::App& app, Context& ctx);
void setup_sync(CLI::App& app, Context& ctx);
void setup_enable(CLI::App& app, Context& ctx);
void setup_disable(CLI::App& app, Context& ctx);
void setup_delete(CLI::App& app, Context& ctx);
void setup_completion(CLI::App& app, Context& ctx);

}  // namespace tectl::cli
