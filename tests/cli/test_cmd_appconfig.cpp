// `tectl appconfig generate` and `tectl appconfig check`, end to end against a temporary state.
#include <catch2/catch.hpp>

#include "support/process.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

using namespace tectl;
using test::TempDir;

namespace {

const std::string key = "DPK0W0KLPJLOGSKHTDD";

std::string create(const TempDir& dir, const std::string& platform, const std::string& name) {
    auto r = test::tectl(dir.path(),
                         {"create", "--platform", platform, "--name", name, "--config-key", key});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out.substr(0, r.out.find('\n'));
}

nlohmann::json json_of(const test::RunResult& r) {
    INFO(r.out << r.err);
    return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("appconfig generate prints the iOS spec file on stdout", "[cli][appconfig]") {
    TempDir dir;
    create(dir, "ios", "ios-prod");
    auto r = test::tectl(dir.path(), {"appconfig", "generate", "ios-prod"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<managedAppConfiguration>", 0) ==
          0);
    CHECK(r.out.find("<value>" + key + "</value>") != std::string::npos);
    CHECK(r.out.find("<value>$DEVICE_UUID$</value>") != std::string::npos);
    CHECK(r.out.back() == '\n');
    CHECK(r.out.substr(r.out.size() - 2) != "\n\n");

    // The same state gives the same bytes.
    CHECK(test::tectl(dir.path(), {"appconfig", "generate", "ios-prod"}).out == r.out);
}

TEST_CASE("appconfig generate -o writes the file that stdout would show", "[cli][appconfig]") {
    TempDir dir;
    create(dir, "ios", "ios-prod");
    auto file = dir / "app_config_spec.xml";
    auto r = test::tectl(dir.path(), {"appconfig", "generate", "ios-prod", "-o", file.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.find("Managed App Configurations") != std::string::npos);
    CHECK(test::read_file(file) ==
          test::tectl(dir.path(), {"appconfig", "generate", "ios-prod"}).out);

    // The written file passes check, also against its integration.
    auto check =
        test::tectl(dir.path(), {"appconfig", "check", file.string(), "--integration", "ios-prod"});
    CHECK(check.exit_code == 0);
    CHECK(check.out.find("ready to upload") != std::string::npos);
}

TEST_CASE("appconfig generate --dry-run -o writes nothing", "[cli][appconfig]") {
    TempDir dir;
    create(dir, "ios", "ios-prod");
    auto file = dir / "app_config_spec.xml";
    auto r = test::tectl(dir.path(),
                         {"--dry-run", "appconfig", "generate", "ios-prod", "-o", file.string()});
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("dry run") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(file));
}

TEST_CASE("appconfig generate --json for iOS", "[cli][appconfig]") {
    TempDir dir;
    std::string id = create(dir, "ios", "ios-prod");
    auto doc = json_of(test::tectl(dir.path(), {"--json", "appconfig", "generate", id}));
    CHECK(doc["platform"] == "ios");
    CHECK(doc["file"].is_null());
    CHECK(doc["version"] == 1);
    CHECK(doc["xml"].get<std::string>().find("<value>" + key + "</value>") != std::string::npos);

    auto file = dir / "spec.xml";
    auto written = json_of(
        test::tectl(dir.path(), {"--json", "appconfig", "generate", id, "-o", file.string()}));
    CHECK(written["file"] == file.string());
    CHECK(written["xml"] == test::read_file(file));
}

TEST_CASE("appconfig generate for Android gives the two App Catalog values", "[cli][appconfig]") {
    TempDir dir;
    create(dir, "android", "android-prod");
    auto text = test::tectl(dir.path(), {"appconfig", "generate", "android-prod"});
    INFO(text.err);
    REQUIRE(text.exit_code == 0);
    CHECK(text.out.find("Trusted Endpoint Identifier") != std::string::npos);
    CHECK(text.out.find("$DEVICE_UUID$") != std::string::npos);
    CHECK(text.out.find("Trusted Endpoints Configuration Key") != std::string::npos);
    CHECK(text.out.find(key) != std::string::npos);

    auto doc =
        json_of(test::tectl(dir.path(), {"--json", "appconfig", "generate", "android-prod"}));
    CHECK(doc["platform"] == "android");
    REQUIRE(doc["values"].size() == 2);
    CHECK(doc["values"][0] == nlohmann::json{{"label", "Trusted Endpoint Identifier"},
                                             {"key", "trustedEndpointIdentifier"},
                                             {"value", "$DEVICE_UUID$"}});
    CHECK(doc["values"][1]["label"] == "Trusted Endpoints Configuration Key");
    CHECK(doc["values"][1]["value"] == key);

    // A spec file makes no sense for Android.
    auto with_file = test::tectl(
        dir.path(), {"appconfig", "generate", "android-prod", "-o", (dir / "x.xml").string()});
    CHECK(with_file.exit_code == 2);
    CHECK(with_file.err.find("Android") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "x.xml"));
}

TEST_CASE("appconfig generate for an unknown integration is not found", "[cli][appconfig]") {
    TempDir dir;
    auto r = test::tectl(dir.path(), {"appconfig", "generate", "nope"});
    CHECK(r.exit_code == 3);
}

TEST_CASE("appconfig check reports problems with lines and exits 1", "[cli][appconfig]") {
    TempDir dir;
    auto file = dir / "app_config_spec.xml";
    test::write_file(file,
                     "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n"
                     "<managedAppConfiguration>\n"
                     "  <version>1.0</version>\n"
                     "  <bundleId>com.duosecurity.DuoMobile</bundleId>\n"
                     "  <dict>\n"
                     "    <string keyName=\"trustedEndpointIdentifier\">\n"
                     "      <defaultValue><value>{{deviceid}}</value></defaultValue>\n"
                     "    </string>\n"
                     "    <string keyName=\"trustedEndpointConfigurationKey\">\n"
                     "      <defaultValue><value>" +
                         key +
                         "</value></defaultValue>\n"
                         "    </string>\n"
                         "  </dict>\n"
                         "</managedAppConfiguration>\n");

    auto text = test::tectl(dir.path(), {"appconfig", "check", file.string()});
    CHECK(text.exit_code == 1);
    CHECK(text.out.find(file.string() + ":1: bom:") != std::string::npos);
    CHECK(text.out.find(file.string() + ":3: version:") != std::string::npos);
    CHECK(text.out.find(file.string() + ":7: identifier-placeholder:") != std::string::npos);
    CHECK(text.out.find("Intune") != std::string::npos);
    CHECK(text.out.find("3 problems") != std::string::npos);

    auto r = test::tectl(dir.path(), {"--json", "appconfig", "check", file.string()});
    CHECK(r.exit_code == 1);
    auto doc = json_of(r);
    CHECK(doc["ok"] == false);
    CHECK(doc["file"] == file.string());
    REQUIRE(doc["problems"].size() == 3);
    CHECK(doc["problems"][2]["line"] == 7);
    CHECK(doc["problems"][2]["code"] == "identifier-placeholder");
    CHECK_FALSE(doc["problems"][2]["hint"].get<std::string>().empty());
}

TEST_CASE("appconfig check --integration compares the configuration key", "[cli][appconfig]") {
    TempDir dir;
    create(dir, "ios", "ios-prod");
    create(dir, "android", "android-prod");
    auto file = dir / "app_config_spec.xml";
    auto xml = test::tectl(dir.path(), {"appconfig", "generate", "ios-prod"}).out;
    xml.replace(xml.find(key), key.size(), "DPKAAAAAAAAAAAAAAAA");
    test::write_file(file, xml);

    CHECK(test::tectl(dir.path(), {"appconfig", "check", file.string()}).exit_code == 0);
    auto r = test::tectl(
        dir.path(), {"--json", "appconfig", "check", file.string(), "--integration", "ios-prod"});
    CHECK(r.exit_code == 1);
    auto doc = json_of(r);
    REQUIRE(doc["problems"].size() == 1);
    CHECK(doc["problems"][0]["code"] == "config-key-mismatch");

    auto android = test::tectl(
        dir.path(), {"appconfig", "check", file.string(), "--integration", "android-prod"});
    CHECK(android.exit_code == 2);
    auto unknown =
        test::tectl(dir.path(), {"appconfig", "check", file.string(), "--integration", "nope"});
    CHECK(unknown.exit_code == 3);
}

TEST_CASE("appconfig check exits 2 when the file cannot be read", "[cli][appconfig]") {
    TempDir dir;
    auto missing = test::tectl(dir.path(), {"appconfig", "check", (dir / "nope.xml").string()});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("no such file") != std::string::npos);

    auto big = dir / "big.xml";
    test::write_file(big, std::string(1024 * 1024 + 1, ' '));
    auto r = test::tectl(dir.path(), {"--json", "appconfig", "check", big.string()});
    CHECK(r.exit_code == 2);
    CHECK(json_of(r)["error"]["message"].get<std::string>().find("1 MiB") != std::string::npos);
}
