#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "tectl/appconfig.hpp"
#include "tectl/error.hpp"

#include <pugixml.hpp>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>

using namespace tectl;
using namespace tectl::appconfig;

namespace {

// The public AppConfig schema beside the project; TECTL_APPCONFIG_XSD overrides the location
// (for a checkout that is not next to ../shared, such as a git worktree).
std::filesystem::path schema_location() {
    if (const char* path = std::getenv("TECTL_APPCONFIG_XSD"))
        return path;
    return TECTL_SOURCE_DIR "/../shared/reference/appconfig/appconfigschema.xsd";
}

const std::filesystem::path schema_path = schema_location();

Integration ios_integration() {
    Integration in;
    in.id = "DI0123456789ABCDEFGH";
    in.name = "ios-prod";
    in.platform = Platform::ios;
    in.config_key = "DPK0W0KLPJLOGSKHTDD";
    in.spec_version = 1;
    return in;
}

Integration android_integration() {
    Integration in = ios_integration();
    in.id = "DIANDROID0123456789A";
    in.name = "android-prod";
    in.platform = Platform::android;
    return in;
}

// Runs xmllint against the public AppConfig schema; returns its exit code and output.
test::RunResult validate_with_xmllint(const std::string& xml) {
    test::TempDir dir;
    auto file = dir / "app_config_spec.xml";
    test::write_file(file, xml);
    return test::run(
        {"/usr/bin/xmllint", "--noout", "--schema", schema_path.string(), file.string()});
}

}  // namespace

TEST_CASE("the iOS spec file names Duo Mobile, its two keys and their defaults", "[appconfig]") {
    std::string xml = generate_spec_file(ios_integration());

    pugi::xml_document doc;
    REQUIRE(doc.load_string(xml.c_str()));
    auto root = doc.child("managedAppConfiguration");
    REQUIRE(root);
    CHECK(std::string(root.child_value("version")) == "1");
    CHECK(std::string(root.child_value("bundleId")) == "com.duosecurity.DuoMobile");

    auto identifier = root.child("dict").find_child_by_attribute("string", "keyName",
                                                                 "trustedEndpointIdentifier");
    REQUIRE(identifier);
    CHECK(std::string(identifier.child("defaultValue").child_value("value")) == "$DEVICE_UUID$");
    auto key = root.child("dict").find_child_by_attribute("string", "keyName",
                                                          "trustedEndpointConfigurationKey");
    REQUIRE(key);
    CHECK(std::string(key.child("defaultValue").child_value("value")) == "DPK0W0KLPJLOGSKHTDD");

    auto presentation = root.child("presentation");
    CHECK(std::string(presentation.attribute("defaultLocale").value()) == "en-US");
    std::set<std::string> labelled;
    for (auto field : presentation.children("field")) {
        labelled.insert(field.attribute("keyName").value());
        CHECK_FALSE(std::string(field.child("label").child_value("language")).empty());
    }
    CHECK(labelled ==
          std::set<std::string>{"trustedEndpointIdentifier", "trustedEndpointConfigurationKey"});
}

TEST_CASE("the iOS spec file is UTF-8 with a declaration and no byte-order mark", "[appconfig]") {
    std::string xml = generate_spec_file(ios_integration());
    CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);
    CHECK(xml.find('\0') == std::string::npos);
    for (unsigned char c : xml)
        CHECK(c < 0x80);  // all ASCII here, so UTF-8 trivially
}

TEST_CASE("the same integration always gives the same spec file bytes", "[appconfig]") {
    auto in = ios_integration();
    std::string first = generate_spec_file(in);
    CHECK(generate_spec_file(in) == first);
    Integration copy = in;
    CHECK(generate_spec_file(copy) == first);

    // A different key or version must change the bytes.
    copy.config_key = "DPKAAAAAAAAAAAAAAAA";
    CHECK(generate_spec_file(copy) != first);
}

TEST_CASE("the spec file version is the integration's spec_version", "[appconfig]") {
    auto in = ios_integration();
    in.spec_version = 42;
    std::string xml = generate_spec_file(in);
    CHECK(xml.find("<version>42</version>") != std::string::npos);

    in.spec_version = 0;
    CHECK_THROWS_AS(generate_spec_file(in), Error);
    in.spec_version = 100000;
    CHECK_THROWS_AS(generate_spec_file(in), Error);
}

TEST_CASE("markup characters in the integration name are escaped in the spec file", "[appconfig]") {
    auto in = ios_integration();
    in.name = "R&D <pilot> \"blue\"";
    std::string xml = generate_spec_file(in);
    CHECK(xml.find("R&amp;D &lt;pilot&gt;") != std::string::npos);
    CHECK(xml.find("R&D") == std::string::npos);

    pugi::xml_document doc;
    REQUIRE(doc.load_string(xml.c_str()));
    CHECK(check_spec_file(xml).empty());
}

TEST_CASE("a generated spec file passes tectl's own check", "[appconfig]") {
    auto in = ios_integration();
    for (int version : {1, 7, 99999}) {
        in.spec_version = version;
        std::string xml = generate_spec_file(in);
        auto findings = check_spec_file(xml, &in);
        for (const auto& f : findings)
            UNSCOPED_INFO(f.code << " line " << f.line << ": " << f.message);
        CHECK(findings.empty());
    }
}

TEST_CASE(
    "generated spec files are valid against the AppConfig schema (xmllint; skipped "
    "without ../shared)",
    "[appconfig][xmllint]") {
    if (!std::filesystem::exists(schema_path)) {
        WARN("SKIPPED: " << schema_path << " is absent, so the schema check cannot run");
        return;
    }
    auto in = ios_integration();
    for (int version : {1, 12345, 99999}) {
        in.spec_version = version;
        in.name = version == 1 ? "plain" : "R&D <pilot>";
        auto result = validate_with_xmllint(generate_spec_file(in));
        INFO(result.err);
        CHECK(result.exit_code == 0);
    }
}

TEST_CASE(
    "xmllint rejects a broken spec file, so the schema test can fail (skipped without "
    "../shared)",
    "[appconfig][xmllint]") {
    if (!std::filesystem::exists(schema_path)) {
        WARN("SKIPPED: " << schema_path << " is absent, so the schema check cannot run");
        return;
    }
    std::string xml = generate_spec_file(ios_integration());
    xml.replace(xml.find("<version>1</version>"), 20, "<version>1.0</version>");
    CHECK(validate_with_xmllint(xml).exit_code != 0);
}

TEST_CASE("generated spec files follow the README's schema rules", "[appconfig]") {
    std::string xml = generate_spec_file(ios_integration());
    CHECK(xml.rfind("\xEF\xBB\xBF", 0) == std::string::npos);

    pugi::xml_document doc;
    REQUIRE(doc.load_string(xml.c_str()));
    auto root = doc.document_element();
    CHECK(std::string(root.name()) == "managedAppConfiguration");

    // No namespace on any element.
    CHECK_FALSE(root.attribute("xmlns"));
    for (auto node : root.select_nodes("descendant-or-self::*")) {
        CHECK(std::string(node.node().name()).find(':') == std::string::npos);
        CHECK_FALSE(node.node().attribute("xmlns"));
    }

    // Children in schema order.
    std::vector<std::string> children;
    for (auto child : root.children())
        children.push_back(child.name());
    CHECK(children == std::vector<std::string>{"version", "bundleId", "dict", "presentation"});

    // version an integer 1..99999, bundleId matching the schema's pattern.
    CHECK(
        std::regex_match(std::string(root.child_value("version")), std::regex("[1-9][0-9]{0,4}")));
    CHECK(std::regex_match(std::string(root.child_value("bundleId")),
                           std::regex("([a-zA-Z0-9]+[\\.+\\-])+([a-zA-Z0-9])+")));

    // Unique keyNames; every presentation field names one of them.
    std::set<std::string> keys;
    int key_count = 0;
    for (auto key : root.child("dict").children()) {
        keys.insert(key.attribute("keyName").value());
        ++key_count;
        CHECK(std::string(key.first_child().name()) == "defaultValue");
    }
    CHECK(keys.size() == static_cast<std::size_t>(key_count));
    auto presentation = root.child("presentation");
    CHECK(std::string(presentation.attribute("defaultLocale").value()) == "en-US");
    for (auto field : presentation.children("field")) {
        CHECK(keys.count(field.attribute("keyName").value()) == 1);
        CHECK(std::string(field.attribute("type").value()) == "input");
        CHECK(std::string(field.first_child().name()) == "label");
        CHECK(std::string(field.child("label").child("language").attribute("value").value()) ==
              "en-US");
    }
}

TEST_CASE("an Android integration gives the two App Catalog values", "[appconfig]") {
    auto values = android_values(android_integration());
    REQUIRE(values.size() == 2);
    CHECK(values[0] == ManagedValue{"Trusted Endpoint Identifier", "trustedEndpointIdentifier",
                                    "$DEVICE_UUID$"});
    CHECK(values[1] == ManagedValue{"Trusted Endpoints Configuration Key",
                                    "trustedEndpointConfigurationKey", "DPK0W0KLPJLOGSKHTDD"});
}

TEST_CASE("asking for the other platform's configuration is a usage error", "[appconfig]") {
    try {
        generate_spec_file(android_integration());
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        CHECK(std::string(e.what()).find("Android") != std::string::npos);
        CHECK_FALSE(e.hint().empty());
    }
    try {
        android_values(ios_integration());
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        CHECK(std::string(e.what()).find("iOS") != std::string::npos);
    }
    auto unknown = ios_integration();
    unknown.platform = static_cast<Platform>(99);
    CHECK_THROWS_AS(generate_spec_file(unknown), Error);
    CHECK_THROWS_AS(android_values(unknown), Error);
}

TEST_CASE("a malformed configuration key in the record is refused", "[appconfig]") {
    auto in = ios_integration();
    in.config_key = "dpk0w0klpjlogskhtdd";
    CHECK_THROWS_AS(generate_spec_file(in), Error);
    auto android = android_integration();
    android.config_key = "";
    CHECK_THROWS_AS(android_values(android), Error);
}

TEST_CASE("the spec file is written completely, replacing an old one", "[appconfig]") {
    test::TempDir dir;
    auto path = dir / "app_config_spec.xml";
    test::write_file(path, "old content");
    std::string xml = generate_spec_file(ios_integration());
    write_spec_file(path, xml);
    CHECK(test::read_file(path) == xml);
    auto perms = std::filesystem::status(path).permissions();
    CHECK((perms & std::filesystem::perms::all) == static_cast<std::filesystem::perms>(0644));

    // No temporary file is left behind.
    int entries = 0;
    for (auto& entry : std::filesystem::directory_iterator(dir.path())) {
        (void)entry;
        ++entries;
    }
    CHECK(entries == 1);

    // A directory that does not exist is an error naming the path; nothing is created.
    auto missing = dir / "no-such-dir" / "app_config_spec.xml";
    try {
        write_spec_file(missing, xml);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("no-such-dir") != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(missing));
}
