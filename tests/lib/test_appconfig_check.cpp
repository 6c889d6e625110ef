// Each case writes one small spec file, reads it back as `tectl appconfig check` does, and asserts
// the finding's code and line. Line numbers refer to `valid_spec` below unless a case says so.
#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "tectl/appconfig.hpp"
#include "tectl/error.hpp"

#include <cstdlib>
#include <filesystem>
#include <sstream>

using namespace tectl;
using namespace tectl::appconfig;

namespace {

// 1 declaration, 2 root, 3 version, 4 bundleId, 5 dict, 6-8 identifier (value on 7),
// 9-11 configuration key (value on 10), 12 /dict, 13 presentation, 14-15 fields.
const std::string valid_spec = R"(<?xml version="1.0" encoding="UTF-8"?>
<managedAppConfiguration>
  <version>1</version>
  <bundleId>com.duosecurity.DuoMobile</bundleId>
  <dict>
    <string keyName="trustedEndpointIdentifier">
      <defaultValue><value>$DEVICE_UUID$</value></defaultValue>
    </string>
    <string keyName="trustedEndpointConfigurationKey">
      <defaultValue><value>DPK0W0KLPJLOGSKHTDD</value></defaultValue>
    </string>
  </dict>
  <presentation defaultLocale="en-US">
    <field keyName="trustedEndpointIdentifier" type="input"/>
    <field keyName="trustedEndpointConfigurationKey" type="input"/>
  </presentation>
</managedAppConfiguration>
)";

// `valid_spec` with the first occurrence of `from` replaced by `to`.
std::string with(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}
std::string spec_with(const std::string& from, const std::string& to) {
    return with(valid_spec, from, to);
}

std::vector<Finding> check_file(const std::string& bytes, const Integration* expected = nullptr) {
    test::TempDir dir;
    auto path = dir / "app_config_spec.xml";
    test::write_file(path, bytes);
    return check_spec_file(read_spec_file(path), expected);
}

// "code@line" for every finding, in order, for compact and exact assertions.
std::string summary(const std::vector<Finding>& findings) {
    std::string out;
    for (const auto& f : findings) {
        out += (out.empty() ? "" : " ") + f.code + "@" + std::to_string(f.line);
    }
    return out;
}

const Finding& only(const std::vector<Finding>& findings, const std::string& code) {
    for (const auto& f : findings) {
        if (f.code == code)
            return f;
    }
    FAIL("no finding " << code << " in: " << summary(findings));
    throw;  // unreachable; FAIL throws
}

bool mentions(const Finding& f, const std::string& text) {
    return f.message.find(text) != std::string::npos || f.hint.find(text) != std::string::npos;
}

Integration ios_integration() {
    Integration in;
    in.id = "DI0123456789ABCDEFGH";
    in.name = "ios-prod";
    in.platform = Platform::ios;
    in.config_key = "DPK0W0KLPJLOGSKHTDD";
    return in;
}

std::string utf16(const std::string& ascii, bool little_endian, bool bom) {
    std::string out;
    if (bom)
        out += little_endian ? "\xFF\xFE" : "\xFE\xFF";
    for (char c : ascii) {
        if (little_endian) {
            out += c;
            out += '\0';
        } else {
            out += '\0';
            out += c;
        }
    }
    return out;
}

// Whether xmllint also rejects the file against the public schema; nullopt without the schema.
std::optional<bool> schema_rejects(const std::string& bytes) {
    std::filesystem::path xsd =
        TECTL_SOURCE_DIR "/../shared/reference/appconfig/appconfigschema.xsd";
    if (const char* path = std::getenv("TECTL_APPCONFIG_XSD"))
        xsd = path;
    if (!std::filesystem::exists(xsd))
        return std::nullopt;
    test::TempDir dir;
    auto file = dir / "spec.xml";
    test::write_file(file, bytes);
    return test::run({"/usr/bin/xmllint", "--noout", "--schema", xsd.string(), file.string()})
               .exit_code != 0;
}

// For the schema rules: tectl's finding must agree with the independent validator.
void require_schema_rejects(const std::string& bytes) {
    auto rejects = schema_rejects(bytes);
    if (!rejects) {
        WARN("schema file absent: the cross-check with xmllint was skipped");
        return;
    }
    CHECK(*rejects);
}

}  // namespace

TEST_CASE("check: a correct spec file has no findings", "[appconfig][check]") {
    CHECK(summary(check_file(valid_spec)) == "");
    auto in = ios_integration();
    CHECK(summary(check_file(valid_spec, &in)) == "");
    auto rejects = schema_rejects(valid_spec);
    if (rejects)
        CHECK_FALSE(*rejects);
}

TEST_CASE("check: xsi:noNamespaceSchemaLocation on the root is allowed", "[appconfig][check]") {
    auto spec = spec_with("<managedAppConfiguration>",
                          "<managedAppConfiguration xmlns:xsi=\"http://www.w3.org/2001/"
                          "XMLSchema-instance\" xsi:noNamespaceSchemaLocation=\"x.xsd\">");
    CHECK(summary(check_file(spec)) == "");
}

// ---- files that are not a spec file at all ----

TEST_CASE("check: an empty file", "[appconfig][check]") {
    CHECK(summary(check_file("")) == "empty@0");
    CHECK(summary(check_file("  \n\n")) == "empty@0");
}

TEST_CASE("check: text that is not XML", "[appconfig][check]") {
    CHECK(summary(check_file("this is not xml\n")) == "not-xml@1");

    auto json = check_file("{\n  \"trustedEndpointIdentifier\": \"$DEVICE_UUID$\"\n}\n");
    CHECK(summary(json) == "not-xml@1");
    CHECK(mentions(json[0], "JSON"));
}

TEST_CASE("check: XML that is not well-formed gives the line of the fault", "[appconfig][check]") {
    CHECK(summary(check_file(spec_with("</dict>", "</dikt>"))) == "not-xml@12");
    CHECK(summary(check_file(spec_with("<version>1</version>", "<version>1</version>\n</x>"))) ==
          "not-xml@4");
}

TEST_CASE("check: a bare ampersand", "[appconfig][check]") {
    auto spec = spec_with("<field keyName=\"trustedEndpointIdentifier\" type=\"input\"/>",
                          "<field keyName=\"trustedEndpointIdentifier\" type=\"input\">"
                          "<label><language value=\"en-US\">R&D</language></label></field>");
    auto findings = check_file(spec);
    CHECK(summary(findings) == "not-xml@14");
    CHECK(mentions(findings[0], "&amp;"));
    require_schema_rejects(spec);
    // An escaped one is fine.
    CHECK(summary(check_file(with(spec, "R&D", "R&amp;D"))) == "");
}

TEST_CASE("check: an HTML page saved instead of the file", "[appconfig][check]") {
    std::string page =
        "\n\n<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
        "<title>Duo Admin Panel</title></head>\n<body><p>Sign in</p></body>\n</html>\n";
    auto findings = check_file(page);
    CHECK(summary(findings) == "html@3");
    CHECK(mentions(findings[0], "Download the App Config XML spec"));

    CHECK(summary(check_file("<html><body>spec</body></html>")) == "html@1");
}

TEST_CASE("check: a plist of values instead of a spec file, with its values checked too",
          "[appconfig][check]") {
    std::string plist = R"(<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>trustedEndpointIdentifier</key>
  <string>$UDID</string>
  <key>trustedEndpointConfigurationKey</key>
  <string>DPK0W0KLPJLOGSKHTDD</string>
</dict>
</plist>
)";
    auto findings = check_file(plist);
    CHECK(summary(findings) == "plist@3 identifier-placeholder@6");
    CHECK(mentions(findings[0], "managedAppConfiguration"));
    CHECK(mentions(findings[1], "Jamf Pro"));

    // A bare <dict> of pairs, as pasted into some consoles.
    CHECK(summary(check_file("<dict>\n<key>trustedEndpointIdentifier</key>\n"
                             "<string>$DEVICE_UUID$</string>\n</dict>\n")) == "plist@1");
}

TEST_CASE("check: plist pairs pasted into the spec's dict", "[appconfig][check]") {
    auto spec = spec_with(R"(    <string keyName="trustedEndpointIdentifier">
      <defaultValue><value>$DEVICE_UUID$</value></defaultValue>
    </string>)",
                          R"(    <key>trustedEndpointIdentifier</key>
    <string>$DEVICE_UUID</string>
    <key>x</key>)");
    auto findings = check_file(spec);
    // The field for the identifier now names no AppConfig key, which the schema rejects too.
    CHECK(summary(findings) == "plist@6 identifier-near-miss@7 presentation-key@14");
    require_schema_rejects(spec);
}

// ---- encodings ----

TEST_CASE("check: a UTF-8 byte-order mark", "[appconfig][check]") {
    CHECK(summary(check_file("\xEF\xBB\xBF" + valid_spec)) == "bom@1");
}

TEST_CASE("check: UTF-16 in either byte order, with or without a byte-order mark",
          "[appconfig][check]") {
    for (bool little : {true, false}) {
        for (bool bom : {true, false}) {
            auto findings = check_file(utf16(valid_spec, little, bom));
            INFO("little-endian " << little << ", byte-order mark " << bom);
            CHECK(summary(findings) == "utf16@1");
            CHECK(mentions(findings[0], little ? "little-endian" : "big-endian"));
        }
    }
}

TEST_CASE("check: problems inside a UTF-16 file keep their line numbers", "[appconfig][check]") {
    auto spec = spec_with("<value>$DEVICE_UUID$</value>", "<value>{{deviceid}}</value>");
    CHECK(summary(check_file(utf16(spec, true, true))) == "utf16@1 identifier-placeholder@7");
}

TEST_CASE("check: a NUL byte", "[appconfig][check]") {
    auto spec = spec_with("<bundleId>", std::string("<bundleId>\0", 11));
    auto findings = check_file(spec);
    CHECK(summary(findings) == "nul@4");
    CHECK(mentions(findings[0], "NUL"));
}

TEST_CASE("check: bytes that are not UTF-8", "[appconfig][check]") {
    auto spec = spec_with("<field keyName=\"trustedEndpointIdentifier\" type=\"input\"/>",
                          "<field keyName=\"trustedEndpointIdentifier\" type=\"input\">"
                          "<label><language value=\"en-US\">Caf\xE9</language></label></field>");
    CHECK(summary(check_file(spec)) == "not-utf8@14");
}

TEST_CASE("check: a declaration naming another encoding", "[appconfig][check]") {
    auto spec = spec_with("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"");
    CHECK(summary(check_file(spec)) == "encoding@1");
}

// ---- schema rules ----

TEST_CASE("check: elements out of order", "[appconfig][check]") {
    auto spec =
        spec_with("  <version>1</version>\n  <bundleId>com.duosecurity.DuoMobile</bundleId>",
                  "  <bundleId>com.duosecurity.DuoMobile</bundleId>\n  <version>1</version>");
    auto findings = check_file(spec);
    CHECK(summary(findings) == "element-order@4");
    CHECK(mentions(findings[0], "version, bundleId, dict, presentation, license"));
    require_schema_rejects(spec);
}

TEST_CASE("check: a missing, a repeated and an unknown root child", "[appconfig][check]") {
    auto missing = spec_with("  <version>1</version>\n", "");
    CHECK(summary(check_file(missing)) == "missing-element@2");
    require_schema_rejects(missing);

    auto repeated =
        spec_with("  <version>1</version>\n", "  <version>1</version>\n  <version>2</version>\n");
    CHECK(summary(check_file(repeated)) == "duplicate-element@4");
    require_schema_rejects(repeated);

    auto unknown =
        spec_with("  <version>1</version>\n", "  <version>1</version>\n  <name>Duo</name>\n");
    CHECK(summary(check_file(unknown)) == "unknown-element@4");
    require_schema_rejects(unknown);
}

TEST_CASE("check: a version that is not an integer from 1 to 99999", "[appconfig][check]") {
    for (std::string bad : {"1.0", "0", "100000", "-1", "v2", ""}) {
        INFO("version " << bad);
        auto spec = spec_with("<version>1</version>", "<version>" + bad + "</version>");
        CHECK(summary(check_file(spec)) == "version@3");
        require_schema_rejects(spec);
    }
    CHECK(summary(check_file(spec_with("<version>1</version>", "<version>99999</version>"))) == "");
}

TEST_CASE("check: a bundle id that breaks the schema's pattern", "[appconfig][check]") {
    auto spec = spec_with("com.duosecurity.DuoMobile", "com.duo_security.DuoMobile");
    CHECK(summary(check_file(spec)) == "bundle-id@4 duo-bundle-id@4");
    require_schema_rejects(spec);

    auto spaced = spec_with("com.duosecurity.DuoMobile", " com.duosecurity.DuoMobile ");
    CHECK(summary(check_file(spaced)) == "bundle-id@4");
    require_schema_rejects(spaced);
}

TEST_CASE("check: a duplicate keyName", "[appconfig][check]") {
    auto spec = spec_with("  </dict>", R"(    <string keyName="trustedEndpointIdentifier"/>
  </dict>)");
    auto findings = check_file(spec);
    CHECK(summary(findings) == "duplicate-key@12");
    CHECK(mentions(findings[0], "line 6"));
    require_schema_rejects(spec);
}

TEST_CASE("check: a presentation field naming a key that is not in dict", "[appconfig][check]") {
    auto spec = spec_with("<field keyName=\"trustedEndpointIdentifier\"",
                          "<field keyName=\"trustedEndpointIdentifer\"");
    auto findings = check_file(spec);
    CHECK(summary(findings) == "presentation-key@14");
    CHECK(mentions(findings[0], "did you mean 'trustedEndpointIdentifier'"));
    require_schema_rejects(spec);
}

TEST_CASE("check: a namespace on the root", "[appconfig][check]") {
    auto spec = spec_with("<managedAppConfiguration>",
                          "<managedAppConfiguration xmlns=\"http://www.appconfig.org/spec\">");
    CHECK(summary(check_file(spec)) == "namespace@2");
    require_schema_rejects(spec);

    auto prefixed =
        spec_with("<managedAppConfiguration>", "<ac:managedAppConfiguration xmlns:ac=\"urn:x\">");
    prefixed = with(prefixed, "</managedAppConfiguration>", "</ac:managedAppConfiguration>");
    CHECK(summary(check_file(prefixed)) == "namespace@2");
    require_schema_rejects(prefixed);
}

TEST_CASE("check: a wrong root element", "[appconfig][check]") {
    auto spec = spec_with("<managedAppConfiguration>", "<managedAppConfig>");
    spec = with(spec, "</managedAppConfiguration>", "</managedAppConfig>");
    CHECK(summary(check_file(spec)) == "root@2");
    require_schema_rejects(spec);
}

TEST_CASE("check: a locale written with an underscore", "[appconfig][check]") {
    auto spec = spec_with("defaultLocale=\"en-US\"", "defaultLocale=\"en_US\"");
    auto findings = check_file(spec);
    CHECK(summary(findings) == "locale@13");
    CHECK(mentions(findings[0], "'en-US'"));
    require_schema_rejects(spec);
}

TEST_CASE("check: a field type the schema does not know", "[appconfig][check]") {
    auto spec = spec_with("type=\"input\"", "type=\"text\"");
    CHECK(summary(check_file(spec)) == "field-type@14");
    require_schema_rejects(spec);
}

TEST_CASE("check: a presentation without fields", "[appconfig][check]") {
    auto spec = spec_with(R"(    <field keyName="trustedEndpointIdentifier" type="input"/>
    <field keyName="trustedEndpointConfigurationKey" type="input"/>
)",
                          "");
    CHECK(summary(check_file(spec)) == "presentation-empty@13");
    require_schema_rejects(spec);
}

TEST_CASE("check: defaultValue after constraint, and two values in a scalar",
          "[appconfig][check]") {
    auto order = spec_with("      <defaultValue><value>$DEVICE_UUID$</value></defaultValue>",
                           "      <constraint/>\n      <defaultValue><value>$DEVICE_UUID$</value>"
                           "</defaultValue>");
    CHECK(summary(check_file(order)) == "element-order@8");
    require_schema_rejects(order);

    auto two =
        spec_with("<value>$DEVICE_UUID$</value>", "<value>$DEVICE_UUID$</value><value>x</value>");
    CHECK(summary(check_file(two)) == "value-count@7");
    require_schema_rejects(two);
}

TEST_CASE("check: an element dict does not allow", "[appconfig][check]") {
    auto spec = spec_with("  </dict>", "    <text keyName=\"x\"/>\n  </dict>");
    CHECK(summary(check_file(spec)) == "unknown-element@12");
    require_schema_rejects(spec);
}

TEST_CASE("check: an empty dict, a key without keyName, an attribute keys do not take",
          "[appconfig][check]") {
    auto dict_start = valid_spec.find("  <dict>");
    auto dict_end = valid_spec.find("  </dict>\n") + 10;
    auto empty =
        valid_spec.substr(0, dict_start) + "  <dict>\n  </dict>\n" + valid_spec.substr(dict_end);
    CHECK(summary(check_file(empty)) ==
          "empty-dict@5 presentation-key@8 presentation-key@9 missing-key@0 missing-key@0");
    require_schema_rejects(empty);

    auto nameless = spec_with("  </dict>", "    <string/>\n  </dict>");
    CHECK(summary(check_file(nameless)) == "missing-keyname@12");
    require_schema_rejects(nameless);

    auto attribute = spec_with("<string keyName=\"trustedEndpointIdentifier\">",
                               "<string keyName=\"trustedEndpointIdentifier\" type=\"text\">");
    CHECK(summary(check_file(attribute)) == "unknown-attribute@6");
    require_schema_rejects(attribute);
}

// ---- Duo Mobile's rules ----

TEST_CASE("check: one of Duo's keys declared as another type", "[appconfig][check]") {
    auto spec = spec_with(R"(    <string keyName="trustedEndpointConfigurationKey">
      <defaultValue><value>DPK0W0KLPJLOGSKHTDD</value></defaultValue>
    </string>)",
                          R"(    <integer keyName="trustedEndpointConfigurationKey">
      <defaultValue><value>DPK0W0KLPJLOGSKHTDD</value></defaultValue>
    </integer>)");
    auto findings = check_file(spec);
    CHECK(summary(findings) == "key-type@9");
    CHECK(mentions(findings[0], "<string>"));
}

TEST_CASE("check: Duo Mobile's Android package name used as the iOS bundle id",
          "[appconfig][check]") {
    auto findings = check_file(spec_with("com.duosecurity.DuoMobile", "com.duosecurity.duomobile"));
    CHECK(summary(findings) == "duo-bundle-id@4");
    CHECK(mentions(findings[0], "Android package"));
    CHECK(mentions(findings[0], "com.duosecurity.DuoMobile"));
}

TEST_CASE("check: another app's bundle id", "[appconfig][check]") {
    auto findings = check_file(spec_with("com.duosecurity.DuoMobile", "com.example.Other"));
    CHECK(summary(findings) == "duo-bundle-id@4");
}

TEST_CASE("check: a missing key", "[appconfig][check]") {
    auto spec = spec_with(R"(    <string keyName="trustedEndpointConfigurationKey">
      <defaultValue><value>DPK0W0KLPJLOGSKHTDD</value></defaultValue>
    </string>
)",
                          "");
    auto findings = check_file(spec);
    // The presentation field now names a key that is gone, too.
    CHECK(summary(findings) == "presentation-key@12 missing-key@0");
    CHECK(mentions(only(findings, "missing-key"), "trustedEndpointConfigurationKey"));
}

TEST_CASE("check: a key name in the wrong case", "[appconfig][check]") {
    auto spec = spec_with("<string keyName=\"trustedEndpointIdentifier\">",
                          "<string keyName=\"TrustedEndpointIdentifier\">");
    auto findings = check_file(spec);
    CHECK(summary(findings) == "misspelt-key@6 presentation-key@14");
    CHECK(mentions(findings[0], "case-sensitive"));
    CHECK(mentions(findings[0], "'trustedEndpointIdentifier'"));
}

TEST_CASE("check: a misspelt key name, with the value still checked", "[appconfig][check]") {
    auto spec = spec_with("<string keyName=\"trustedEndpointConfigurationKey\">",
                          "<string keyName=\"trustedEndpointsConfigurationKey\">");
    spec = with(spec, "DPK0W0KLPJLOGSKHTDD", "DPK0W0KLPJLOGSKHTD");
    auto findings = check_file(spec);
    CHECK(summary(findings) == "misspelt-key@9 config-key-shape@10 presentation-key@15");
    CHECK(mentions(findings[0], "should be 'trustedEndpointConfigurationKey'"));
}

TEST_CASE("check: other MDMs' placeholders as the identifier, named with their MDM",
          "[appconfig][check]") {
    struct Case {
        std::string value;
        std::string named;
    };
    for (const auto& c : std::vector<Case>{{"{{deviceid}}", "Microsoft Intune"},
                                           {"%deviceid%", "MaaS360"},
                                           {"$UDID", "Jamf Pro"},
                                           {"{DeviceUid}", "Workspace ONE"},
                                           {"${deviceUUID}", "another MDM's placeholder syntax"}}) {
        INFO(c.value);
        auto findings =
            check_file(spec_with("<value>$DEVICE_UUID$</value>", "<value>" + c.value + "</value>"));
        CHECK(summary(findings) == "identifier-placeholder@7");
        if (!findings.empty()) {
            CHECK(mentions(findings[0], c.named));
            CHECK(mentions(findings[0], "$DEVICE_UUID$"));
        }
    }
}

TEST_CASE("check: near misses of $DEVICE_UUID$, named as such", "[appconfig][check]") {
    struct Case {
        std::string value;
        std::string why;
    };
    for (const auto& c : std::vector<Case>{{"$DEVICE_UUID", "trailing '$' is missing"},
                                           {"DEVICE_UUID$", "leading '$' is missing"},
                                           {"$device_uuid$", "upper case"},
                                           {"DEVICE_UUID", "both '$' signs are missing"},
                                           {"$DEVICE-UUID$", "written '"},
                                           {"$$DEVICE_UUID$$", "extra '$'"},
                                           {"$DEVICE_UDID$", "a letter or two"},
                                           {" $DEVICE_UUID$\n", "spaces or line breaks"}}) {
        INFO("'" << c.value << "'");
        auto findings =
            check_file(spec_with("<value>$DEVICE_UUID$</value>", "<value>" + c.value + "</value>"));
        CHECK(summary(findings) == "identifier-near-miss@7");
        if (!findings.empty())
            CHECK(mentions(findings[0], c.why));
    }
}

TEST_CASE("check: a fixed UUID, another EPMM variable, or a variable element as the identifier",
          "[appconfig][check]") {
    auto literal = check_file(spec_with("<value>$DEVICE_UUID$</value>",
                                        "<value>4b1c2d3e-0000-4a5b-9c8d-112233445566</value>"));
    CHECK(summary(literal) == "identifier-literal@7");

    auto other =
        check_file(spec_with("<value>$DEVICE_UUID$</value>", "<value>$DEVICE_SN$</value>"));
    CHECK(summary(other) == "identifier-placeholder@7");

    auto variable = check_file(spec_with("<value>$DEVICE_UUID$</value>",
                                         "\n        <deviceVariable>UDID</deviceVariable>"));
    CHECK(summary(variable) == "identifier-variable@8");

    auto empty = check_file(spec_with("<value>$DEVICE_UUID$</value>", "<value></value>"));
    CHECK(summary(empty) == "missing-value@7");

    auto no_default = check_file(
        spec_with("      <defaultValue><value>$DEVICE_UUID$</value></defaultValue>\n", ""));
    CHECK(summary(no_default) == "missing-value@6");
}

TEST_CASE("check: a configuration key of the wrong shape", "[appconfig][check]") {
    struct Case {
        std::string value;
        std::string why;
    };
    for (const auto& c : std::vector<Case>{{"DPK0W0KLPJLOGSKHTD", "18 characters"},
                                           {"XPK0W0KLPJLOGSKHTDD", "does not start with DPK"},
                                           {"dpk0w0klpjlogskhtdd", "lower case"},
                                           {"DPK0W0KLPJ-OGSKHTDD", "other than upper-case"},
                                           {"$CONFIG_KEY$", "placeholder"},
                                           {" DPK0W0KLPJLOGSKHTDD", "spaces"}}) {
        INFO(c.value);
        auto findings = check_file(
            spec_with("<value>DPK0W0KLPJLOGSKHTDD</value>", "<value>" + c.value + "</value>"));
        CHECK(summary(findings) == "config-key-shape@10");
        if (!findings.empty())
            CHECK(mentions(findings[0], c.why));
    }
}

TEST_CASE("check: a configuration key that is not the integration's", "[appconfig][check]") {
    auto spec = spec_with("DPK0W0KLPJLOGSKHTDD", "DPKAAAAAAAAAAAAAAAA");
    CHECK(summary(check_file(spec)) == "");  // nothing to compare with

    auto in = ios_integration();
    auto findings = check_file(spec, &in);
    CHECK(summary(findings) == "config-key-mismatch@10");
    CHECK(mentions(findings[0], "DPK0W0KLPJLOGSKHTDD"));
    CHECK(mentions(findings[0], "tectl appconfig generate DI0123456789ABCDEFGH"));
}

TEST_CASE("check: several problems are all reported, in line order", "[appconfig][check]") {
    auto spec = "\xEF\xBB\xBF" + spec_with("<version>1</version>", "<version>1.0</version>");
    spec = with(spec, "com.duosecurity.DuoMobile", "com.duosecurity.duomobile");
    spec = with(spec, "<value>$DEVICE_UUID$</value>", "<value>$UDID</value>");
    CHECK(summary(check_file(spec)) == "bom@1 version@3 duo-bundle-id@4 identifier-placeholder@7");
}

TEST_CASE("check: every finding says what to do", "[appconfig][check]") {
    auto spec = spec_with("<version>1</version>", "<version>1.0</version>");
    spec = with(spec, "<value>$DEVICE_UUID$</value>", "<value>%deviceid%</value>");
    for (const auto& f : check_file(spec)) {
        CHECK_FALSE(f.message.empty());
        CHECK_FALSE(f.hint.empty());
    }
}

TEST_CASE("check: an Android integration cannot be the expected one", "[appconfig][check]") {
    auto in = ios_integration();
    in.platform = Platform::android;
    try {
        check_spec_file(valid_spec, &in);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
    }
}

TEST_CASE("read_spec_file refuses what it cannot read, and files over 1 MiB",
          "[appconfig][check]") {
    test::TempDir dir;
    auto expect_usage = [](const std::filesystem::path& path, const std::string& says) {
        try {
            read_spec_file(path);
            FAIL("no error for " << path);
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::usage);
            CHECK(std::string(e.what()).find(says) != std::string::npos);
            CHECK_FALSE(e.hint().empty());
        }
    };
    expect_usage(dir / "missing.xml", "no such file");
    expect_usage(dir.path(), "directory");

    auto big = dir / "big.xml";
    test::write_file(big, std::string(max_spec_file_bytes + 1, ' '));
    expect_usage(big, "1 MiB");

    auto limit = dir / "limit.xml";
    test::write_file(limit, std::string(max_spec_file_bytes, ' '));
    CHECK(read_spec_file(limit).size() == max_spec_file_bytes);
}

TEST_CASE("check: every truncation of a spec file is reported and none crashes",
          "[appconfig][check]") {
    auto complete = valid_spec.rfind('>') + 1;
    for (std::size_t length = 0; length < complete; ++length) {
        INFO("first " << length << " bytes");
        CHECK_FALSE(check_spec_file(valid_spec.substr(0, length)).empty());
    }
    CHECK(check_spec_file(valid_spec.substr(0, complete)).empty());
}
