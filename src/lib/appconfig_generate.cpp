// Generating Duo Mobile's managed configuration: the iOS spec file and the Android values.
#include "tectl/appconfig.hpp"
#include "tectl/error.hpp"
#include "tectl/files.hpp"

#include <pugixml.hpp>

#include <sstream>

namespace tectl::appconfig {

namespace {

constexpr std::string_view identifier_label = "Trusted Endpoint Identifier";
constexpr std::string_view configuration_key_label = "Trusted Endpoints Configuration Key";

void require_platform(const Integration& integration, Platform wanted) {
    if (integration.platform == wanted)
        return;
    if (wanted == Platform::ios && integration.platform == Platform::android) {
        throw Error(ErrorKind::usage,
                    "integration '" + integration.name +
                        "' is an Android integration; AppConfig spec files are for iOS",
                    "Android devices take two values in the App Catalog entry instead: run "
                    "'tectl appconfig generate " +
                        integration.id + "' to print them");
    }
    if (wanted == Platform::android && integration.platform == Platform::ios) {
        throw Error(ErrorKind::usage,
                    "integration '" + integration.name +
                        "' is an iOS integration; it takes a spec file, not Android values",
                    "run 'tectl appconfig generate " + integration.id +
                        " -o app_config_spec.xml' and upload the file in EPMM");
    }
    throw Error(ErrorKind::usage,
                "integration '" + integration.name + "' has a platform tectl cannot configure",
                "create an android or ios integration");
}

void require_configuration_key(const Integration& integration) {
    if (is_configuration_key(integration.config_key))
        return;
    throw Error(ErrorKind::failure,
                "integration '" + integration.name +
                    "' has a malformed configuration key (expected DPK and 16 upper-case "
                    "letters and digits)",
                "the state file may have been edited by hand; restore it or recreate the "
                "integration");
}

// A field of the presentation section, labelled and described in the default locale.
void add_field(pugi::xml_node presentation, std::string_view key, std::string_view label,
               const std::string& description) {
    auto field = presentation.append_child("field");
    field.append_attribute("keyName") = std::string(key).c_str();
    field.append_attribute("type") = "input";
    auto label_language = field.append_child("label").append_child("language");
    label_language.append_attribute("value") = "en-US";
    label_language.text() = std::string(label).c_str();
    auto description_language = field.append_child("description").append_child("language");
    description_language.append_attribute("value") = "en-US";
    description_language.text() = description.c_str();
}

void add_string_key(pugi::xml_node dict, std::string_view key, std::string_view value) {
    auto element = dict.append_child("string");
    element.append_attribute("keyName") = std::string(key).c_str();
    element.append_child("defaultValue").append_child("value").text() = std::string(value).c_str();
}

}  // namespace

bool is_configuration_key(std::string_view text) {
    if (text.size() != 19 || text.substr(0, 3) != "DPK")
        return false;
    for (char c : text.substr(3)) {
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

std::string generate_spec_file(const Integration& integration) {
    require_platform(integration, Platform::ios);
    require_configuration_key(integration);
    if (integration.spec_version < 1 || integration.spec_version > 99999) {
        throw Error(ErrorKind::failure,
                    "integration '" + integration.name + "' has spec version " +
                        std::to_string(integration.spec_version) +
                        ", outside the AppConfig range 1 to 99999",
                    "the state file may have been edited by hand; restore it");
    }

    pugi::xml_document doc;
    auto declaration = doc.append_child(pugi::node_declaration);
    declaration.append_attribute("version") = "1.0";
    declaration.append_attribute("encoding") = "UTF-8";

    auto root = doc.append_child("managedAppConfiguration");
    root.append_child("version").text() = integration.spec_version;
    root.append_child("bundleId").text() = std::string(ios_bundle_id).c_str();

    auto dict = root.append_child("dict");
    add_string_key(dict, identifier_key, device_uuid_token);
    add_string_key(dict, configuration_key_key, integration.config_key);

    auto presentation = root.append_child("presentation");
    presentation.append_attribute("defaultLocale") = "en-US";
    add_field(presentation, identifier_key, identifier_label,
              "EPMM fills in each device's Device UUID here; keep the default value.");
    add_field(presentation, configuration_key_key, configuration_key_label,
              "The Trusted Endpoints configuration key of the Duo integration '" +
                  integration.name + "' (" + integration.id + ").");

    std::ostringstream out;
    doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
    std::string xml = out.str();
    if (xml.empty() || xml.back() != '\n')
        xml += '\n';
    return xml;
}

std::vector<ManagedValue> android_values(const Integration& integration) {
    require_platform(integration, Platform::android);
    require_configuration_key(integration);
    return {
        {std::string(identifier_label), std::string(identifier_key),
         std::string(device_uuid_token)},
        {std::string(configuration_key_label), std::string(configuration_key_key),
         integration.config_key},
    };
}

void write_spec_file(const std::filesystem::path& path, std::string_view xml) {
    write_file_atomic(path, xml, 0644);
}

}  // namespace tectl::appconfig
