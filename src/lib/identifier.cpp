#include "tectl/identifier.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace tectl {

namespace {

constexpr std::string_view kWhereUuid =
    "EPMM shows the Device UUID under Devices & Users > Devices > (the device) > Device Details";

bool is_hex(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool is_alnum(char c) {
    return is_alpha(c) || is_digit(c);
}
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool all_of(std::string_view s, bool (*pred)(char)) {
    return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i])
            return false;
    }
    return true;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Invisible characters that ride along in pastes from spreadsheets, chat and web pages.
constexpr std::array<std::string_view, 4> kInvisible = {
    "\xEF\xBB\xBF",  // byte-order mark
    "\xC2\xA0",      // no-break space
    "\xE2\x80\x8B",  // zero-width space
    "\xE2\x80\xAF",  // narrow no-break space
};

// Removes ASCII white space and the invisible characters above from both ends; tells which.
std::string_view trim(std::string_view s, bool& removed_space, bool& removed_invisible) {
    for (bool changed = true; changed;) {
        changed = false;
        while (!s.empty() && is_space(s.front()))
            s.remove_prefix(1), removed_space = changed = true;
        while (!s.empty() && is_space(s.back()))
            s.remove_suffix(1), removed_space = changed = true;
        for (std::string_view mark : kInvisible) {
            if (s.starts_with(mark))
                s.remove_prefix(mark.size()), removed_invisible = changed = true;
            if (s.ends_with(mark))
                s.remove_suffix(mark.size()), removed_invisible = changed = true;
        }
    }
    return s;
}

// The lengths of the hyphen-separated groups, when `s` holds only hex digits and hyphens.
std::vector<std::size_t> hex_groups(std::string_view s) {
    std::vector<std::size_t> groups{0};
    for (char c : s) {
        if (c == '-') {
            groups.push_back(0);
        } else if (is_hex(c)) {
            ++groups.back();
        } else {
            return {};
        }
    }
    return groups;
}

bool uuid_shape(std::string_view s) {
    if (s.size() != 36)
        return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
        if (hyphen ? s[i] != '-' : !is_hex(s[i]))
            return false;
    }
    return true;
}

bool placeholder_name(std::string_view name) {
    while (!name.empty() && name.front() == ' ')
        name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ')
        name.remove_suffix(1);
    if (name.empty() || !(is_alpha(name.front()) || name.front() == '_'))
        return false;
    for (char c : name) {
        if (!(is_alnum(c) || c == '_' || c == '.' || c == '-'))
            return false;
    }
    // A braced UUID such as {ab12cd34-...} starts with a letter too: hex and hyphens only is no
    // placeholder name.
    return !all_of(name, [](char c) { return is_hex(c) || c == '-'; });
}

// $NAME$, $NAME, ${NAME}, $(NAME), {{NAME}}, {NAME}, %NAME%: the syntaxes of EPMM and of other
// MDMs that end up pasted into EPMM's app configuration.
bool is_placeholder(std::string_view s) {
    auto wrapped = [&](std::string_view open, std::string_view close) {
        return s.size() > open.size() + close.size() && s.starts_with(open) && s.ends_with(close) &&
               placeholder_name(s.substr(open.size(), s.size() - open.size() - close.size()));
    };
    return wrapped("${", "}") || wrapped("$(", ")") || wrapped("$", "$") || wrapped("$", "") ||
           wrapped("{{", "}}") || wrapped("{", "}") || wrapped("%", "%");
}

std::string groups_text(const std::vector<std::size_t>& groups) {
    std::string out;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        if (i)
            out += '-';
        out += std::to_string(groups[i]);
    }
    return out;
}

// Explains text that matched no kind, as specifically as its shape allows.
std::string unknown_message(std::string_view s) {
    std::string tail =
        "; a Device UUID has 36 characters, e.g. 3a45b4d5-d2e5-468c-bf4f-149efff463a9 (" +
        std::string(kWhereUuid) + ")";
    if (s.find('@') != std::string_view::npos) {
        return "this looks like an e-mail address (a user, not a device)" + tail;
    }
    if (all_of(s, is_digit)) {
        return "this is a number of " + std::to_string(s.size()) +
               " digits: not an EPMM device id, and an IMEI has 15 digits" + tail;
    }
    if (s.size() == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-') {
        auto bad = std::find_if(s.begin(), s.end(), [](char c) { return !is_hex(c) && c != '-'; });
        if (bad != s.end()) {
            return "this has the shape of a Device UUID but '" + std::string(1, *bad) +
                   "' is not a hex digit (0-9, a-f); check for O typed for 0 or l for 1" + tail;
        }
    }
    auto groups = hex_groups(s);
    if (groups.size() == 5) {
        return "this looks like a Device UUID with a typo: its groups have " + groups_text(groups) +
               " hex digits where 8-4-4-4-12 are expected" + tail;
    }
    if ((s.size() == 8 || s.size() == 12) &&
        all_of(s, [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); })) {
        return "this looks like one group of a Device UUID, not all of it; paste the whole value" +
               tail;
    }
    return "this is not a Device UUID, Apple UDID, IMEI, serial number or EPMM device id" + tail;
}

Identifier make(std::string_view input, std::string value, IdentifierKind kind,
                std::string message) {
    Identifier id;
    id.input = std::string(input);
    id.value = std::move(value);
    id.kind = kind;
    id.message = std::move(message);
    return id;
}

}  // namespace

std::string_view to_string(IdentifierKind kind) {
    switch (kind) {
        case IdentifierKind::device_uuid:
            return "device-uuid";
        case IdentifierKind::apple_udid:
            return "apple-udid";
        case IdentifierKind::imei:
            return "imei";
        case IdentifierKind::invalid_imei:
            return "invalid-imei";
        case IdentifierKind::serial_number:
            return "serial-number";
        case IdentifierKind::epmm_device_id:
            return "epmm-device-id";
        case IdentifierKind::placeholder:
            return "placeholder";
        case IdentifierKind::empty:
            return "empty";
        case IdentifierKind::unknown:
            return "unknown";
    }
    return "unknown";
}

bool is_canonical_device_uuid(std::string_view text) {
    return uuid_shape(text) &&
           std::none_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'F'; });
}

bool luhn_valid(std::string_view digits) {
    if (!all_of(digits, is_digit))
        return false;
    int sum = 0;
    bool twice = false;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        int d = *it - '0';
        if (twice)
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

Identifier classify_identifier(std::string_view input) {
    std::vector<std::string> notes;
    bool removed_space = false;
    bool removed_invisible = false;
    std::string_view s = trim(input, removed_space, removed_invisible);
    if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'' || s.front() == '`') &&
        s.back() == s.front()) {
        s = trim(s.substr(1, s.size() - 2), removed_space, removed_invisible);
        notes.emplace_back("removed quotes");
    }
    if (removed_space)
        notes.insert(notes.begin(), "removed surrounding spaces");
    if (removed_invisible)
        notes.emplace_back(
            "removed invisible characters (byte-order mark, no-break or zero-width space)");

    if (s.empty()) {
        auto id = make(input, "", IdentifierKind::empty, "the identifier is empty");
        id.notes = std::move(notes);
        return id;
    }

    if (is_placeholder(s)) {
        std::string message =
            s == "$DEVICE_UUID$"
                ? "this is the placeholder $DEVICE_UUID$ itself: EPMM did not substitute it, so "
                  "Duo Mobile reported the literal text; check that EPMM installed Duo Mobile on "
                  "this device and delivers its app configuration (trustedEndpointIdentifier = "
                  "$DEVICE_UUID$), then have the user reopen Duo Mobile"
                : "this is a placeholder EPMM does not substitute (" + std::string(s) +
                      "): EPMM replaces only $DEVICE_UUID$, in upper case with a dollar sign on "
                      "each side; set trustedEndpointIdentifier to $DEVICE_UUID$ in Duo Mobile's "
                      "app configuration";
        auto id = make(input, std::string(s), IdentifierKind::placeholder, std::move(message));
        id.notes = std::move(notes);
        return id;
    }

    // A UUID, possibly wrapped: urn:uuid:..., {...}, upper case, or without hyphens.
    {
        std::string_view u = s;
        std::vector<std::string> uuid_notes = notes;
        // Either wrapping may be outside the other; each is removed at most once.
        bool urn = false;
        bool braces = false;
        for (int round = 0; round < 2; ++round) {
            if (!urn && starts_with_nocase(u, "urn:uuid:")) {
                u.remove_prefix(9);
                uuid_notes.emplace_back("removed urn:uuid: prefix");
                urn = true;
            }
            if (!braces && u.size() >= 2 && u.front() == '{' && u.back() == '}') {
                u = u.substr(1, u.size() - 2);
                uuid_notes.emplace_back("removed braces");
                braces = true;
            }
        }
        std::string canonical;
        if (uuid_shape(u)) {
            canonical = std::string(u);
        } else if (u.size() == 32 && all_of(u, is_hex)) {
            canonical = std::string(u.substr(0, 8)) + "-" + std::string(u.substr(8, 4)) + "-" +
                        std::string(u.substr(12, 4)) + "-" + std::string(u.substr(16, 4)) + "-" +
                        std::string(u.substr(20));
            uuid_notes.emplace_back("inserted hyphens");
        }
        if (!canonical.empty()) {
            std::string low = lower(canonical);
            if (low != canonical)
                uuid_notes.emplace_back("converted to lower case");
            auto id = make(input, low, IdentifierKind::device_uuid, "");
            id.notes = std::move(uuid_notes);
            return id;
        }
    }

    auto finish = [&](std::string value, IdentifierKind kind, std::string message) {
        auto id = make(input, std::move(value), kind, std::move(message));
        id.notes = notes;
        return id;
    };

    auto groups = hex_groups(s);
    if ((groups.size() == 2 && groups[0] == 8 && groups[1] == 16) ||
        (groups.size() == 1 && groups[0] == 40)) {
        return finish(std::string(s), IdentifierKind::apple_udid,
                      "this is an Apple UDID (the iPhone's or iPad's hardware id), not EPMM's "
                      "Device UUID; find the device in EPMM by its UDID and search the Device "
                      "UUID instead (" +
                          std::string(kWhereUuid) + ")");
    }

    // IMEIs are often written in groups: 35-209900-176148-1 or 35 209900 176148 1.
    if (std::all_of(s.begin(), s.end(),
                    [](char c) { return is_digit(c) || c == ' ' || c == '-' || c == '/'; })) {
        std::string digits;
        for (char c : s) {
            if (is_digit(c))
                digits += c;
        }
        if (digits.size() == 15) {
            if (digits != s)
                notes.emplace_back("removed separators");
            if (luhn_valid(digits)) {
                return finish(
                    digits, IdentifierKind::imei,
                    "this is an IMEI (the phone's modem id), not EPMM's Device UUID; find "
                    "the device in EPMM by its IMEI and search the Device UUID instead (" +
                        std::string(kWhereUuid) + ")");
            }
            return finish(
                digits, IdentifierKind::invalid_imei,
                "this has the 15 digits of an IMEI but fails the IMEI check digit (Luhn): "
                "probably a mistyped IMEI; in any case search EPMM's Device UUID "
                "instead (" +
                    std::string(kWhereUuid) + ")");
        }
    }

    if (all_of(s, is_digit) && s.size() <= 12 &&
        s.find_first_not_of('0') != std::string_view::npos) {
        return finish(std::string(s), IdentifierKind::epmm_device_id,
                      "this is a number, like EPMM's internal device id (common.id), not the "
                      "Device UUID; open that device in EPMM and search its Device UUID instead (" +
                          std::string(kWhereUuid) + ")");
    }

    bool uuid_fragment = (s.size() == 8 || s.size() == 12) &&
                         all_of(s, [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); });
    if (s.size() >= 8 && s.size() <= 14 && all_of(s, is_alnum) &&
        std::any_of(s.begin(), s.end(), is_alpha) && std::any_of(s.begin(), s.end(), is_digit) &&
        !uuid_fragment) {
        return finish(std::string(s), IdentifierKind::serial_number,
                      "this looks like a serial number, not EPMM's Device UUID; find the device "
                      "in EPMM by its serial number and search the Device UUID instead (" +
                          std::string(kWhereUuid) + ")");
    }

    return finish(std::string(s), IdentifierKind::unknown, unknown_message(s));
}

}  // namespace tectl
