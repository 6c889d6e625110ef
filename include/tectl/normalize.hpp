// Normalisers for what admins type: the EPMM host, the API user, the configuration key, the
// integration name. Each either returns a clean value (with the changes it made, so the CLI can
// report them) or throws Error(usage) saying what is wrong and what to type instead.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tectl {

struct NormalizedHost {
    std::string host;                  // lower-case host name or IP literal, no brackets
    std::optional<int> port;           // only when given and not 443
    std::vector<std::string> changes;  // one sentence per change made ("removed the scheme")
};

// Turns "https://Epmm.Example.com:443/mifs/ " into "epmm.example.com". Rejects an empty host,
// a mistyped scheme ("https:/host", which must never become a host named "https"), user
// information, and anything that is not a valid host name or IP address.
NormalizedHost normalize_host(std::string_view input);

// The EPMM API user: its e-mail address, which is also its user name. Trims spaces; rejects
// an empty value, control characters and ':' (HTTP Basic authentication splits at the first
// ':'). Returns the cleaned value; `changes` receives what was changed or looks unusual.
std::string normalize_user(std::string_view input, std::vector<std::string>& changes);

// "DPK" followed by 16 upper-case letters and digits; surrounding spaces are removed.
std::string normalize_config_key(std::string_view input);
bool is_config_key(std::string_view text);

// "DI" followed by 18 upper-case letters and digits.
bool is_integration_id(std::string_view text);

// A name an admin chose: 1 to 64 printable characters, not shaped like an integration id.
std::string normalize_name(std::string_view input);

}  // namespace tectl
