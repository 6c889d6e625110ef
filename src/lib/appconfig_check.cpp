// Checking a spec file before an admin uploads it to EPMM.
//
// The checker reads the raw bytes first (encoding, byte-order mark, NUL bytes), then recognises
// the wrong kinds of file people save by mistake (an HTML page, a plist of values), then applies
// the AppConfig schema's rules and finally what Duo Mobile needs. It keeps going after a problem
// where it can, so an admin sees every problem of a file at once.
#include "appconfig_text.hpp"
#include "tectl/appconfig.hpp"
#include "tectl/error.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <climits>
#include <fstream>
#include <map>
#include <regex>
#include <set>

namespace tectl::appconfig {

using namespace detail;

namespace {

const std::vector<std::string> root_order = {"version", "bundleId", "dict", "presentation",
                                             "license"};
const std::set<std::string> key_elements = {"string", "stringArray", "integer", "integerArray",
                                            "float",  "floatArray",  "date",    "boolean"};
const std::set<std::string> field_types = {"input",  "select",   "multiselect", "checkbox",
                                           "hidden", "datetime", "list"};

bool is_language_tag(std::string_view text) {
    static const std::regex pattern("[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*");
    return std::regex_match(text.begin(), text.end(), pattern);
}

bool is_uuid_like(std::string_view text) {
    static const std::regex pattern(
        "\\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\\}?");
    return std::regex_match(text.begin(), text.end(), pattern);
}

std::string in_quotes(std::string_view text) {
    return "'" + std::string(text) + "'";
}

// A value found for one of Duo Mobile's two keys, wherever it was found.
struct KeyValue {
    std::string text;
    int line = 0;
};

class Checker {
  public:
    explicit Checker(const Integration* expected) : expected_(expected) {}

    std::vector<Finding> run(std::string_view bytes);

  private:
    // The last resort for most problems, naming the integration when the caller gave one.
    std::string generate_hint() const {
        return "generate a correct file with 'tectl appconfig generate " +
               (expected_ ? expected_->id : std::string("ID")) + " -o app_config_spec.xml'";
    }
    void add(int line, std::string code, std::string message, std::string hint) {
        findings_.push_back({line, std::move(code), std::move(message), std::move(hint)});
    }
    int line(pugi::xml_node node) const {
        auto offset = node.offset_debug();
        return offset < 0 ? 0 : lines_->line_of(static_cast<std::size_t>(offset));
    }

    bool decode(std::string_view bytes);
    bool recognise_html();
    void check_ampersands();
    bool parse();
    void check_declaration();
    void check_plist(pugi::xml_node dict, int line_of_plist);
    void check_namespaces(pugi::xml_node root);
    void check_root_order(pugi::xml_node root);
    void check_version(pugi::xml_node root);
    void check_bundle_id(pugi::xml_node root);
    void check_dict(pugi::xml_node root);
    void check_key_element(pugi::xml_node key);
    void check_presentation(pugi::xml_node root);
    void check_field(pugi::xml_node field);
    void check_duo_keys(pugi::xml_node root);
    void check_identifier(const KeyValue& value);
    void check_configuration_key(const KeyValue& value);
    std::optional<KeyValue> value_of(pugi::xml_node key, std::string_view name);

    const Integration* expected_;
    std::vector<Finding> findings_;
    std::string text_;
    std::optional<LineMap> lines_;
    pugi::xml_document doc_;
    // keyName -> the first key element with that name
    std::map<std::string, pugi::xml_node> keys_;
    // Duo's keys written as plist <key>/<string> pairs inside the spec's <dict>
    std::map<std::string, KeyValue> plist_pairs_;
};

std::vector<Finding> Checker::run(std::string_view bytes) {
    if (decode(bytes) && !recognise_html() && parse()) {
        check_declaration();
        auto root = doc_.document_element();
        std::string name = root.name();

        if (name == "plist" || name == "dict") {
            check_plist(name == "plist" ? root.child("dict") : root, line(root));
        } else {
            auto local = name.substr(name.find(':') == std::string::npos ? 0 : name.find(':') + 1);
            if (local != "managedAppConfiguration") {
                add(line(root), "root",
                    "the root element is <" + name + ">, not <managedAppConfiguration>",
                    "an AppConfig spec file starts with <managedAppConfiguration>; " +
                        generate_hint());
            }
            check_ampersands();
            check_namespaces(root);
            check_root_order(root);
            check_version(root);
            check_bundle_id(root);
            check_dict(root);
            check_presentation(root);
            check_duo_keys(root);
        }
    }

    std::stable_sort(findings_.begin(), findings_.end(), [](const Finding& a, const Finding& b) {
        return (a.line == 0 ? INT_MAX : a.line) < (b.line == 0 ? INT_MAX : b.line);
    });
    return std::move(findings_);
}

// Turns the bytes into UTF-8 text for the parser; false when there is nothing to parse.
bool Checker::decode(std::string_view bytes) {
    if (trim(bytes).empty()) {
        add(0, "empty", "the file is empty", "download the spec file again or " + generate_hint());
        return false;
    }

    auto utf16 = detect_utf16(bytes);
    if (utf16.order != Utf16::none) {
        std::string order = utf16.order == Utf16::little_endian ? "little-endian" : "big-endian";
        add(1, "utf16",
            "the file is UTF-16 (" + order + (utf16.bom ? ", with" : ", without") +
                " a byte-order mark); EPMM expects UTF-8",
            "save it as UTF-8 without a byte-order mark (for example 'iconv -f UTF-16 -t UTF-8'), "
            "or " +
                generate_hint());
        text_ = utf16_to_utf8(bytes.substr(utf16.bom ? 2 : 0), utf16.order);
    } else {
        text_ = std::string(bytes);
        if (text_.rfind("\xEF\xBB\xBF", 0) == 0) {
            add(1, "bom", "the file starts with a UTF-8 byte-order mark",
                "save it as UTF-8 without a byte-order mark (an editor's \"UTF-8\" rather than "
                "\"UTF-8 with BOM\"), or " +
                    generate_hint());
            text_.erase(0, 3);
        }
    }
    lines_.emplace(text_);

    // Removing NUL bytes keeps every line where it was, so later findings stay accurate.
    auto nul = text_.find('\0');
    if (nul != std::string::npos) {
        auto count = std::count(text_.begin(), text_.end(), '\0');
        add(lines_->line_of(nul), "nul",
            "the file contains " + std::to_string(count) + " NUL byte" + (count > 1 ? "s" : "") +
                " (the first here); XML cannot contain them",
            "the file is damaged or in another encoding; download it again or " + generate_hint());
        text_.erase(std::remove(text_.begin(), text_.end(), '\0'), text_.end());
        lines_.emplace(text_);
    }

    if (auto bad = first_invalid_utf8(text_)) {
        add(lines_->line_of(*bad), "not-utf8",
            "the file is not valid UTF-8 (probably saved as Latin-1 or Windows-1252)",
            "save it as UTF-8 without a byte-order mark, or " + generate_hint());
    }
    return true;
}

bool Checker::recognise_html() {
    std::string head = to_lower(std::string_view(text_).substr(0, 64 * 1024));
    if (head.find("<managedappconfiguration") != std::string::npos)
        return false;
    for (const char* marker : {"<!doctype html", "<html"}) {
        auto at = head.find(marker);
        if (at == std::string::npos)
            continue;
        add(lines_->line_of(at), "html",
            "this is an HTML page, not a spec file (a web page saved instead of the download?)",
            "use the \"Download the App Config XML spec\" link itself rather than saving the "
            "page, or " +
                generate_hint());
        return true;
    }
    return false;
}

bool Checker::parse() {
    unsigned options = pugi::parse_default | pugi::parse_declaration | pugi::parse_doctype;
    auto result = doc_.load_buffer(text_.data(), text_.size(), options, pugi::encoding_utf8);
    if (!result) {
        auto lower = to_lower(text_);
        if (lower.find("<plist") != std::string::npos ||
            lower.find("<!doctype plist") != std::string::npos) {
            add(lines_->line_of(lower.find("plist")), "plist",
                "this is a property list (plist), not an AppConfig spec file, and it is not "
                "well-formed XML either: " +
                    std::string(result.description()),
                "EPMM's Managed App Configurations needs an AppConfig spec file; " +
                    generate_hint());
            return false;
        }
        std::string message = "the file is not well-formed XML: ";
        message += result.description();
        auto first = trim(text_);
        if (!first.empty() && (first.front() == '{' || first.front() == '['))
            message += " (it looks like JSON)";
        // Plain text parses as character data up to the end; its first line is more useful.
        std::size_t at = result.status == pugi::status_no_document_element
                             ? text_.find_first_not_of(" \t\r\n")
                             : static_cast<std::size_t>(std::max<std::ptrdiff_t>(result.offset, 0));
        add(lines_->line_of(at), "not-xml", message,
            "download the spec file again or " + generate_hint());
        return false;
    }

    int elements = 0;
    for (auto node : doc_.children()) {
        if (node.type() != pugi::node_element)
            continue;
        if (++elements == 2) {
            add(line(node), "not-xml",
                "the file has a second top-level element <" + std::string(node.name()) +
                    ">; XML allows only one",
                "keep one <managedAppConfiguration> element, or " + generate_hint());
            return false;
        }
    }
    if (elements == 0) {
        add(0, "not-xml", "the file holds no XML element",
            "download the spec file again or " + generate_hint());
        return false;
    }
    return true;
}

void Checker::check_declaration() {
    for (auto node : doc_.children()) {
        if (node.type() == pugi::node_doctype) {
            std::string doctype = to_lower(node.value());
            if (doctype.rfind("plist", 0) == 0 &&
                doc_.document_element().name() != std::string("plist")) {
                add(line(node), "plist", "the file declares a plist DOCTYPE",
                    "remove the DOCTYPE line; an AppConfig spec file has none");
            }
        }
        if (node.type() != pugi::node_declaration)
            continue;
        auto encoding = node.attribute("encoding");
        if (!encoding)
            continue;
        std::string name = to_lower(encoding.value());
        if (name != "utf-8" && name != "utf8") {
            add(line(node), "encoding",
                "the XML declaration says encoding=\"" + std::string(encoding.value()) +
                    "\"; the file must be UTF-8",
                "save the file as UTF-8 and write encoding=\"UTF-8\" in the declaration");
        }
    }
}

// A plist of values (what Jamf Pro and others take) instead of a spec file. Its values are
// checked too, so the admin learns everything that needs fixing in one run.
void Checker::check_plist(pugi::xml_node dict, int line_of_plist) {
    add(line_of_plist, "plist",
        "this is a property list of values (<plist>/<dict> with <key> and <string>), not an "
        "AppConfig spec file",
        "EPMM's Managed App Configurations needs an AppConfig spec file with root "
        "<managedAppConfiguration>; " +
            generate_hint());

    for (auto key = dict.child("key"); key; key = key.next_sibling("key")) {
        std::string name(trim(key.text().get()));
        auto value = key.next_sibling();
        KeyValue kv{value.text().get(), value ? line(value) : line(key)};
        if (name == identifier_key)
            check_identifier(kv);
        if (name == configuration_key_key)
            check_configuration_key(kv);
    }
}

// pugixml accepts a bare '&'; the schema validator EPMM uses does not.
void Checker::check_ampersands() {
    static const std::regex entity("&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);");
    std::size_t i = 0;
    while ((i = text_.find_first_of("&<", i)) != std::string::npos) {
        if (text_.compare(i, 4, "<!--") == 0) {
            auto end = text_.find("-->", i);
            if (end == std::string::npos)
                return;
            i = end + 3;
            continue;
        }
        if (text_.compare(i, 9, "<![CDATA[") == 0) {
            auto end = text_.find("]]>", i);
            if (end == std::string::npos)
                return;
            i = end + 3;
            continue;
        }
        if (text_[i] == '&') {
            auto rest = std::string_view(text_).substr(i, 12);
            std::cmatch match;
            if (!std::regex_search(rest.begin(), rest.end(), match, entity,
                                   std::regex_constants::match_continuous)) {
                add(lines_->line_of(i), "not-xml", "a bare '&' that is not an entity reference",
                    "write '&amp;' for a literal '&'");
                return;
            }
        }
        ++i;
    }
}

void Checker::check_namespaces(pugi::xml_node root) {
    for (auto attribute : root.attributes()) {
        std::string name = attribute.name();
        if (name == "xmlns") {
            add(line(root), "namespace",
                "the root element declares the namespace \"" + std::string(attribute.value()) +
                    "\"; the AppConfig schema has no namespace",
                "remove the xmlns attribute (xsi:noNamespaceSchemaLocation may stay)");
        }
    }

    int reported = 0;
    for (auto node : root.select_nodes("descendant-or-self::*")) {
        std::string name = node.node().name();
        if (name.find(':') == std::string::npos || reported++ > 0)
            continue;
        add(line(node.node()), "namespace",
            "the element <" + name + "> has a namespace prefix; the AppConfig schema has none",
            "remove the prefix from element names");
    }
}

void Checker::check_root_order(pugi::xml_node root) {
    std::set<std::string> seen;
    int last = -1;
    std::string last_name;
    for (auto child : root.children()) {
        if (child.type() != pugi::node_element)
            continue;
        std::string name = child.name();
        auto it = std::find(root_order.begin(), root_order.end(), name);
        if (it == root_order.end()) {
            add(line(child), "unknown-element",
                "<" + name + "> is not allowed in <managedAppConfiguration>",
                "only version, bundleId, dict, presentation and license may appear there");
            continue;
        }
        int index = static_cast<int>(it - root_order.begin());
        if (seen.count(name)) {
            add(line(child), "duplicate-element", "<" + name + "> appears more than once",
                "keep one <" + name + "> element");
        } else if (index < last) {
            add(line(child), "element-order", "<" + name + "> comes after <" + last_name + ">",
                "the schema requires the order version, bundleId, dict, presentation, license");
        }
        seen.insert(name);
        if (index > last) {
            last = index;
            last_name = name;
        }
    }
    for (const char* required : {"version", "bundleId", "dict"}) {
        if (!seen.count(required)) {
            add(line(root), "missing-element",
                "<managedAppConfiguration> has no <" + std::string(required) + "> element",
                "add it (the order is version, bundleId, dict, presentation, license), or " +
                    generate_hint());
        }
    }
}

void Checker::check_version(pugi::xml_node root) {
    auto version = root.child("version");
    if (!version)
        return;
    std::string text(trim(version.text().get()));
    static const std::regex integer("\\+?[0-9]+");
    bool in_range = false;
    if (std::regex_match(text, integer)) {
        auto digits = text.substr(text.find_first_not_of("+0") == std::string::npos
                                      ? text.size()
                                      : text.find_first_not_of("+0"));
        in_range = !digits.empty() && digits.size() <= 5;
    }
    if (!in_range) {
        add(line(version), "version",
            "<version> is " + in_quotes(text) + "; it must be an integer from 1 to 99999",
            "write a whole number such as 1 (not 1.0); raise it each time the file changes");
    }
}

void Checker::check_bundle_id(pugi::xml_node root) {
    auto bundle = root.child("bundleId");
    if (!bundle)
        return;
    std::string raw = bundle.text().get();
    static const std::regex pattern("([a-zA-Z0-9]+[\\.+\\-])+([a-zA-Z0-9])+");
    if (!std::regex_match(raw, pattern)) {
        add(line(bundle), "bundle-id",
            "<bundleId> " + in_quotes(raw) +
                " is not a valid bundle id (letters and digits separated by '.', '+' or '-', "
                "no spaces or '_')",
            "write <bundleId>" + std::string(ios_bundle_id) + "</bundleId>");
    }
    std::string value(trim(raw));
    if (value == ios_bundle_id)
        return;
    if (value == android_package) {
        add(line(bundle), "duo-bundle-id",
            "<bundleId> is " + in_quotes(value) +
                ", Duo Mobile's Android package name; the iOS bundle id differs in case",
            "write <bundleId>" + std::string(ios_bundle_id) + "</bundleId>");
    } else {
        add(line(bundle), "duo-bundle-id",
            "<bundleId> is " + in_quotes(value) + ", not Duo Mobile's iOS bundle id " +
                std::string(ios_bundle_id),
            "write <bundleId>" + std::string(ios_bundle_id) +
                "</bundleId>, or check this file is the one for Duo Mobile");
    }
}

void Checker::check_dict(pugi::xml_node root) {
    auto dict = root.child("dict");
    if (!dict)
        return;
    int key_count = 0;
    bool plist_reported = false;
    for (auto child : dict.children()) {
        if (child.type() != pugi::node_element)
            continue;
        std::string name = child.name();
        if (name == "key") {
            // A plist fragment pasted into the spec's dict.
            if (!plist_reported) {
                add(line(child), "plist",
                    "<dict> holds plist <key>/<string> pairs instead of AppConfig key elements",
                    "write each key as <string keyName=\"...\"><defaultValue><value>...</value>"
                    "</defaultValue></string>, or " +
                        generate_hint());
                plist_reported = true;
            }
            std::string key_name(trim(child.text().get()));
            auto value = child.next_sibling();
            plist_pairs_[key_name] = {value.text().get(), value ? line(value) : line(child)};
            continue;
        }
        // The element after a plist <key> is that pair's value, not an AppConfig key.
        auto previous = child.previous_sibling();
        while (previous && previous.type() != pugi::node_element)
            previous = previous.previous_sibling();
        if (previous && std::string(previous.name()) == "key" && !child.attribute("keyName"))
            continue;
        if (!key_elements.count(name)) {
            add(line(child), "unknown-element", "<" + name + "> is not allowed in <dict>",
                "use string, stringArray, integer, integerArray, float, floatArray, date or "
                "boolean elements, each with a keyName attribute");
            continue;
        }
        ++key_count;
        check_key_element(child);
    }
    if (key_count == 0 && !plist_reported) {
        add(line(dict), "empty-dict", "<dict> holds no key elements",
            "add Duo Mobile's two keys, or " + generate_hint());
    }
}

void Checker::check_key_element(pugi::xml_node key) {
    auto key_name = key.attribute("keyName");
    if (!key_name) {
        add(line(key), "missing-keyname",
            "<" + std::string(key.name()) + "> has no keyName attribute",
            "add keyName=\"...\" naming the key Duo Mobile reads");
    } else {
        std::string name = key_name.value();
        auto [it, inserted] = keys_.emplace(name, key);
        if (!inserted) {
            add(line(key), "duplicate-key",
                "keyName " + in_quotes(name) + " appears again (first on line " +
                    std::to_string(line(it->second)) + ")",
                "each keyName must be unique: remove one of them");
        }
    }
    for (auto attribute : key.attributes()) {
        std::string name = attribute.name();
        if (name != "keyName" && name.rfind("xsi:", 0) != 0 && name.rfind("xmlns", 0) != 0) {
            add(line(key), "unknown-attribute",
                "<" + std::string(key.name()) + "> has an attribute " + in_quotes(name) +
                    " the schema does not allow",
                "remove it; a key element takes only keyName");
        }
    }

    bool seen_constraint = false, seen_default = false;
    for (auto child : key.children()) {
        if (child.type() != pugi::node_element)
            continue;
        std::string name = child.name();
        if (name == "constraint") {
            seen_constraint = true;
        } else if (name == "defaultValue") {
            if (seen_constraint) {
                add(line(child), "element-order", "<defaultValue> comes after <constraint>",
                    "inside a key, <defaultValue> comes before <constraint>");
            }
            if (seen_default) {
                add(line(child), "duplicate-element", "<defaultValue> appears more than once",
                    "keep one <defaultValue>");
            }
            seen_default = true;
            bool scalar = std::string(key.name()).find("Array") == std::string::npos;
            int values = 0;
            for (auto value : child.children()) {
                if (value.type() == pugi::node_element)
                    ++values;
            }
            if (scalar && values > 1) {
                add(line(child), "value-count",
                    "the <defaultValue> of a <" + std::string(key.name()) + "> holds " +
                        std::to_string(values) + " elements; a single value is allowed",
                    "keep one <value>");
            }
        } else {
            add(line(child), "unknown-element",
                "<" + name + "> is not allowed in <" + std::string(key.name()) + ">",
                "a key element holds only <defaultValue> and <constraint>");
        }
    }
}

void Checker::check_presentation(pugi::xml_node root) {
    auto presentation = root.child("presentation");
    if (!presentation)
        return;
    auto locale = presentation.attribute("defaultLocale");
    if (!locale) {
        add(line(presentation), "locale", "<presentation> has no defaultLocale attribute",
            "add defaultLocale=\"en-US\"");
    } else if (!is_language_tag(locale.value())) {
        std::string value = locale.value();
        std::string suggestion = value;
        std::replace(suggestion.begin(), suggestion.end(), '_', '-');
        add(line(presentation), "locale",
            "defaultLocale " + in_quotes(value) + " is not a language tag",
            "write a tag such as " + in_quotes(is_language_tag(suggestion) ? suggestion : "en-US") +
                " (a hyphen, not an underscore)");
    }

    int fields = 0;
    for (auto child : presentation.children()) {
        if (child.type() != pugi::node_element)
            continue;
        std::string name = child.name();
        if (name == "field") {
            ++fields;
            check_field(child);
        } else if (name == "fieldGroup") {
            ++fields;
            for (auto field : child.children("field"))
                check_field(field);
        } else {
            add(line(child), "unknown-element", "<" + name + "> is not allowed in <presentation>",
                "<presentation> holds only <field> and <fieldGroup> elements");
        }
    }
    if (fields == 0) {
        add(line(presentation), "presentation-empty", "<presentation> holds no <field>",
            "add a field for each key, or remove <presentation>");
    }
}

void Checker::check_field(pugi::xml_node field) {
    auto key_name = field.attribute("keyName");
    if (!key_name) {
        add(line(field), "missing-keyname", "<field> has no keyName attribute",
            "add keyName naming one of the keys in <dict>");
    } else if (!keys_.count(key_name.value())) {
        std::string name = key_name.value();
        std::string closest;
        std::size_t best = SIZE_MAX;
        for (const auto& [candidate, node] : keys_) {
            auto d = edit_distance(to_lower(name), to_lower(candidate));
            if (d < best) {
                best = d;
                closest = candidate;
            }
        }
        add(line(field), "presentation-key",
            "<field> names keyName " + in_quotes(name) + ", which no key in <dict> has",
            !closest.empty() && best <= std::max<std::size_t>(3, name.size() / 4)
                ? "did you mean " + in_quotes(closest) + "? A field must name a key in <dict>"
                : "make it name a key in <dict>, or remove the field");
    }

    auto type = field.attribute("type");
    if (!type) {
        add(line(field), "field-type", "<field> has no type attribute", "add type=\"input\"");
    } else if (!field_types.count(type.value())) {
        add(line(field), "field-type",
            "<field> type " + in_quotes(type.value()) + " is not one the schema allows",
            "use input, select, multiselect, checkbox, hidden, datetime or list");
    }

    const std::vector<std::string> order = {"label", "description", "options"};
    int last = -1;
    for (auto child : field.children()) {
        if (child.type() != pugi::node_element)
            continue;
        auto it = std::find(order.begin(), order.end(), child.name());
        if (it == order.end()) {
            add(line(child), "unknown-element",
                "<" + std::string(child.name()) + "> is not allowed in <field>",
                "a field holds <label>, <description> and <options>, in that order");
            continue;
        }
        int index = static_cast<int>(it - order.begin());
        if (index <= last) {
            add(line(child), "element-order",
                "<" + std::string(child.name()) + "> is out of place in <field>",
                "a field holds <label>, <description> and <options>, in that order, once each");
        }
        last = std::max(last, index);
        for (auto language : child.children("language")) {
            auto value = language.attribute("value");
            if (value && !is_language_tag(value.value())) {
                add(line(language), "locale",
                    "<language value=" + in_quotes(value.value()) + "> is not a language tag",
                    "write a tag such as 'en-US'");
            }
        }
    }
}

std::optional<KeyValue> Checker::value_of(pugi::xml_node key, std::string_view name) {
    if (std::string(key.name()) != "string") {
        add(line(key), "key-type",
            "key " + in_quotes(name) + " is a <" + std::string(key.name()) +
                ">; Duo Mobile reads a "
                "<string>",
            "declare it as <string keyName=\"" + std::string(name) + "\">");
    }
    auto default_value = key.child("defaultValue");
    if (!default_value) {
        add(line(key), "missing-value", "key " + in_quotes(name) + " has no <defaultValue>",
            "add its default value so the EPMM console fills it in; " + generate_hint());
        return std::nullopt;
    }
    for (const char* variable : {"userVariable", "deviceVariable"}) {
        if (auto node = default_value.child(variable)) {
            add(line(node), name == identifier_key ? "identifier-variable" : "missing-value",
                "key " + in_quotes(name) + " takes its default from <" + variable + ">" +
                    node.text().get() + "</" + variable + ">",
                std::string("the AppConfig variables have no EPMM Device UUID; write ") +
                    (name == identifier_key ? "<value>$DEVICE_UUID$</value>"
                                            : "<value> with the configuration key") +
                    " instead");
            return std::nullopt;
        }
    }
    auto value = default_value.child("value");
    if (!value) {
        add(line(default_value), "missing-value",
            "the <defaultValue> of key " + in_quotes(name) + " has no <value>",
            "add the <value> element; " + generate_hint());
        return std::nullopt;
    }
    return KeyValue{value.text().get(), line(value)};
}

void Checker::check_duo_keys(pugi::xml_node root) {
    auto dict = root.child("dict");
    if (!dict)
        return;

    // Names in <dict> that are not Duo's; misspellings of Duo's keys are looked for among them.
    std::vector<std::string> others;
    for (const auto& [name, node] : keys_) {
        if (name != identifier_key && name != configuration_key_key)
            others.push_back(name);
    }

    for (std::string_view wanted : {identifier_key, configuration_key_key}) {
        std::optional<KeyValue> value;
        auto exact = keys_.find(std::string(wanted));
        if (exact != keys_.end()) {
            value = value_of(exact->second, wanted);
        } else if (auto pair = plist_pairs_.find(std::string(wanted)); pair != plist_pairs_.end()) {
            value = pair->second;
        } else {
            std::string closest;
            std::size_t best = SIZE_MAX;
            for (const auto& name : others) {
                auto d = to_lower(name) == to_lower(wanted) ? 0 : edit_distance(name, wanted);
                if (d < best) {
                    best = d;
                    closest = name;
                }
            }
            if (!closest.empty() && best <= std::max<std::size_t>(3, wanted.size() / 4)) {
                auto node = keys_.at(closest);
                std::string how =
                    to_lower(closest) == to_lower(wanted) ? " (key names are case-sensitive)" : "";
                add(line(node), "misspelt-key",
                    "keyName " + in_quotes(closest) + " should be " + in_quotes(wanted) + how,
                    "write keyName=\"" + std::string(wanted) +
                        "\"; Duo Mobile ignores other names");
                others.erase(std::find(others.begin(), others.end(), closest));
                value = value_of(node, wanted);
            } else {
                add(0, "missing-key", "the file has no key " + in_quotes(wanted),
                    "add <string keyName=\"" + std::string(wanted) + "\"> to <dict>, or " +
                        generate_hint());
            }
        }
        if (!value)
            continue;
        if (wanted == identifier_key) {
            check_identifier(*value);
        } else {
            check_configuration_key(*value);
        }
    }
}

// The identifier must be EPMM's token itself; anything else reaches Duo as literal text or as
// another identifier, and no device would ever be found trusted.
void Checker::check_identifier(const KeyValue& value) {
    const std::string token(device_uuid_token);
    const std::string& raw = value.text;
    if (raw == token)
        return;
    std::string v(trim(raw));
    std::string lower = to_lower(v);
    const std::string fix =
        "write <value>$DEVICE_UUID$</value> exactly (EPMM's token for the "
        "Device UUID)";
    auto placeholder = [&](const std::string& what) {
        add(value.line, "identifier-placeholder",
            "the identifier " + in_quotes(v) + " is " + what + "; EPMM does not replace it", fix);
    };
    auto near_miss = [&](const std::string& what) {
        add(value.line, "identifier-near-miss",
            "the identifier " + in_quotes(raw) + " is a near miss of $DEVICE_UUID$: " + what, fix);
    };

    if (v.empty()) {
        add(value.line, "missing-value", "the identifier has an empty value", fix);
        return;
    }
    if (v == token) {
        near_miss("it has spaces or line breaks around it");
        return;
    }

    auto wrapped = [&](std::string_view open, std::string_view close) {
        return v.size() > open.size() + close.size() && v.rfind(open, 0) == 0 &&
               v.compare(v.size() - close.size(), close.size(), close) == 0;
    };
    if (wrapped("{{", "}}")) {
        placeholder(lower == "{{deviceid}}" ? "Microsoft Intune's device ID token"
                                            : "in Microsoft Intune's {{token}} syntax");
        return;
    }
    if (wrapped("${", "}")) {
        placeholder("in ${...} syntax, which looks like another MDM's placeholder syntax");
        return;
    }
    if (wrapped("{", "}") && !is_uuid_like(v)) {
        placeholder(lower == "{deviceuid}"
                        ? "Workspace ONE UEM's (AirWatch's) device UID lookup value"
                        : "in {...} syntax, like Workspace ONE UEM's (AirWatch's) lookup values");
        return;
    }
    if (wrapped("%", "%")) {
        placeholder(lower == "%deviceid%"
                        ? "IBM MaaS360's device ID attribute"
                        : "in %...% syntax, which looks like another MDM's placeholder syntax");
        return;
    }

    // Near misses: the right name with the wrong case, delimiters or separators.
    std::string core = v;
    core.erase(0, core.find_first_not_of('$') == std::string::npos ? core.size()
                                                                   : core.find_first_not_of('$'));
    while (!core.empty() && core.back() == '$')
        core.pop_back();
    std::string squeezed;
    for (char c : to_upper(core)) {
        if (c != '_' && c != '-' && c != ' ')
            squeezed += c;
    }
    if (squeezed == "DEVICEUUID") {
        std::vector<std::string> what;
        bool leading = v.front() == '$', trailing = v.back() == '$';
        if (!leading && !trailing) {
            what.push_back("both '$' signs are missing");
        } else if (!leading) {
            what.push_back("the leading '$' is missing");
        } else if (!trailing) {
            what.push_back("the trailing '$' is missing");
        }
        if (v.size() - core.size() > 2)
            what.push_back("it has extra '$' signs");
        if (core != "DEVICE_UUID") {
            what.push_back(to_upper(core) == "DEVICE_UUID"
                               ? "EPMM's variables are upper case"
                               : "the name is written " + in_quotes(core) + ", not 'DEVICE_UUID'");
        }
        if (v != raw)
            what.push_back("it has spaces or line breaks around it");
        std::string joined;
        for (const auto& part : what)
            joined += (joined.empty() ? "" : "; ") + part;
        near_miss(joined);
        return;
    }
    if (edit_distance(to_upper(v), token) <= 2) {
        near_miss("it differs by a letter or two (a typo, or a variable for another identifier)");
        return;
    }

    if (v.front() == '$' && v.back() != '$') {
        placeholder(lower == "$udid" ? "Jamf Pro's $UDID variable (the Apple UDID, not the EPMM "
                                       "Device UUID)"
                                     : "in $NAME syntax, which looks like another MDM's variable "
                                       "syntax (Jamf Pro writes variables that way)");
        return;
    }
    if (v.size() > 2 && v.front() == '$' && v.back() == '$') {
        add(value.line, "identifier-placeholder",
            "the identifier " + in_quotes(v) +
                " is written like an EPMM variable but is not $DEVICE_UUID$; Duo looks devices "
                "up by their Device UUID",
            fix);
        return;
    }
    if (is_uuid_like(v)) {
        add(value.line, "identifier-literal",
            "the identifier is the fixed UUID " + in_quotes(v) +
                "; every device would report that one device's identity",
            fix);
        return;
    }
    add(value.line, "identifier-value", "the identifier is " + in_quotes(v) + ", not $DEVICE_UUID$",
        fix);
}

void Checker::check_configuration_key(const KeyValue& value) {
    const std::string& raw = value.text;
    std::string v(trim(raw));
    std::string copy_hint = expected_ ? "write <value>" + expected_->config_key + "</value>"
                                      : "copy the key from 'tectl show ID' or the Duo Admin Panel";
    std::string normalised;

    if (v.empty()) {
        add(value.line, "missing-value", "the configuration key has an empty value", copy_hint);
        return;
    }
    if (is_configuration_key(raw)) {
        normalised = raw;
    } else if (is_configuration_key(v)) {
        add(value.line, "config-key-shape",
            "the configuration key has spaces or line breaks around it", copy_hint);
        normalised = v;
    } else if (is_configuration_key(to_upper(v))) {
        add(value.line, "config-key-shape",
            "the configuration key " + in_quotes(v) + " is in lower case; keys are upper case",
            copy_hint);
        normalised = to_upper(v);
    } else {
        std::string why;
        if (std::string_view("${%<").find(v.front()) != std::string_view::npos) {
            why = "it is a placeholder, not a key";
        } else if (v.rfind("DPK", 0) != 0) {
            why = "it does not start with DPK";
        } else if (v.size() != 19) {
            why = "it has " + std::to_string(v.size()) + " characters, not 19";
        } else {
            why = "it has characters other than upper-case letters and digits";
        }
        add(value.line, "config-key-shape",
            "the configuration key " + in_quotes(v) + " has the wrong shape (" + why +
                "); a key is DPK followed by 16 upper-case letters and digits",
            copy_hint);
        return;
    }

    if (expected_ && normalised != expected_->config_key) {
        add(value.line, "config-key-mismatch",
            "the configuration key is " + normalised + ", but integration '" + expected_->name +
                "' has " + expected_->config_key,
            "the file belongs to another integration or predates a key change; run 'tectl "
            "appconfig generate " +
                expected_->id + " -o app_config_spec.xml'");
    }
}

}  // namespace

std::string read_spec_file(const std::filesystem::path& path) {
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
        throw Error(ErrorKind::usage, "cannot read " + path.string() + ": no such file",
                    "check the path of the spec file");
    }
    if (std::filesystem::is_directory(status)) {
        throw Error(ErrorKind::usage, "cannot read " + path.string() + ": it is a directory",
                    "name the spec file itself, e.g. app_config_spec.xml");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ErrorKind::usage, "cannot read " + path.string() + ": permission denied",
                    "check the file's permissions");
    }
    // Read one byte past the limit so that pipes and special files are bounded too.
    std::string bytes(max_spec_file_bytes + 1, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (in.bad()) {
        throw Error(ErrorKind::usage, "cannot read " + path.string() + ": read error",
                    "check the file and the disk");
    }
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > max_spec_file_bytes) {
        throw Error(ErrorKind::usage,
                    path.string() + " is larger than 1 MiB; a spec file is a few kilobytes",
                    "check that this is the app_config_spec.xml file");
    }
    return bytes;
}

std::vector<Finding> check_spec_file(std::string_view bytes, const Integration* expected) {
    if (expected && expected->platform != Platform::ios) {
        throw Error(ErrorKind::usage,
                    "integration '" + expected->name +
                        "' is an Android integration; spec files are for iOS integrations",
                    "pass an iOS integration with --integration, or leave it out");
    }
    return Checker(expected).run(bytes);
}

}  // namespace tectl::appconfig
