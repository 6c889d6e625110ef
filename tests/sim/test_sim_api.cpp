// The simulator's API behaviour, as described in the EPMM reference it stands in for.
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "support/process.hpp"
#include "support/simulator.hpp"

using tectl::test::SimConfig;
using tectl::test::SimCredentials;
using tectl::test::SimOptions;
using tectl::test::Simulator;

namespace {

const std::string kAllFields =
    "common.uuid,common.id,common.status,common.platform,common.model,common.last_connected_at,"
    "common.compliant,common.quarantined,common.imei,common.serial_number,user.user_id,"
    "user.email_address,android.afw_capable,ios.iPhone UDID";

std::map<std::string, std::string> list_params(const std::string& query = "",
                                               const std::string& fields = "common.id") {
    return {{"adminDeviceSpaceId", "1"}, {"fields", fields}, {"query", query}};
}

std::string localized_message(const tectl::test::SimReply& reply) {
    return reply.json().at("messages").at(0).at("localizedMessage").get<std::string>();
}

std::vector<int> ids(const nlohmann::json& body) {
    std::vector<int> out;
    for (const auto& device : body.at("results"))
        out.push_back(device.at("common.id").get<int>());
    return out;
}

}  // namespace

TEST_CASE("sim: ping answers with the configured version for good credentials") {
    Simulator sim(SimConfig().set("vsp_version", "12.1.0.0"));
    auto reply = sim.get("/api/v2/ping");
    REQUIRE(reply.status == 200);
    CHECK(reply.json()["results"]["apiVersion"] == 2.0);
    CHECK(reply.json()["results"]["vspVersion"] == "12.1.0.0");
}

TEST_CASE("sim: a wrong password gives 401 without challenge or JSON, in one request") {
    Simulator sim;
    auto reply = sim.get("/api/v2/ping", SimCredentials{tectl::test::kSimUser, "wrong"});
    CHECK(reply.status == 401);
    CHECK_FALSE(reply.has_header("WWW-Authenticate"));
    CHECK_THROWS(nlohmann::json::parse(reply.body));

    auto log = sim.log_lines();
    REQUIRE(log.size() == 1);
    CHECK(log[0]["status"] == 401);
    CHECK(log[0]["authorization"] == true);
    CHECK(log[0]["path"] == "/api/v2/ping");
    CHECK(tectl::test::read_file(sim.log_file()).find("wrong") == std::string::npos);
}

TEST_CASE("sim: missing credentials give 401 and are logged as absent") {
    Simulator sim;
    CHECK(sim.get("/api/v2/devices/count?adminDeviceSpaceId=1", std::nullopt).status == 401);
    auto log = sim.log_lines();
    REQUIRE(log.size() == 1);
    CHECK(log[0]["authorization"] == false);
}

TEST_CASE("sim: UTF-8 passwords and passwords containing ':' are accepted") {
    Simulator sim(SimConfig().user("jürgen@example.com", "pa:ss wörd", {{1}}));
    CHECK(sim.get("/api/v2/ping", SimCredentials{"jürgen@example.com", "pa:ss wörd"}).status ==
          200);
    CHECK(sim.get("/api/v2/ping", SimCredentials{"jürgen@example.com", "pa"}).status == 401);
}

TEST_CASE("sim: device_spaces/mine lists the user's spaces only") {
    Simulator sim(SimConfig()
                      .space(1, "Global")
                      .space(2, "Sales")
                      .space(3, "Finance")
                      .user("api@example.com", "pw", {{1}, {3, false}}));
    auto reply = sim.get("/api/v2/device_spaces/mine", SimCredentials{"api@example.com", "pw"});
    REQUIRE(reply.status == 200);
    auto results = reply.json()["results"];
    REQUIRE(results.size() == 2);
    CHECK(results[0]["id"] == 1);
    CHECK(results[0]["name"] == "Global");
    CHECK(results[1]["id"] == 3);
    CHECK(results[1]["name"] == "Finance");
}

TEST_CASE("sim: devices come back with every documented field in its documented form") {
    Simulator sim(SimConfig().devices(1, 40));
    auto params = list_params("", kAllFields);
    params["limit"] = "40";
    auto reply = sim.devices(params);
    REQUIRE(reply.status == 200);
    auto body = reply.json();
    REQUIRE(body["results"].size() == 40);

    const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    const std::regex date(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
    const std::set<std::string> statuses{"ACTIVE", "RETIRED", "WIPED", "LOST",
                                         "VERIFICATION_PENDING"};
    std::set<std::string> platforms;
    int expected_id = 1;
    for (const auto& device : body["results"]) {
        CHECK(device.size() == 14);
        CHECK(std::regex_match(device["common.uuid"].get<std::string>(), uuid));
        CHECK(device["common.id"] == expected_id++);
        CHECK(statuses.count(device["common.status"].get<std::string>()) == 1);
        CHECK(std::regex_match(device["common.last_connected_at"].get<std::string>(), date));
        CHECK(device["common.compliant"].is_boolean());
        CHECK(device["common.quarantined"].is_boolean());
        CHECK(std::regex_match(device["common.imei"].get<std::string>(), std::regex(R"(\d{15})")));
        CHECK(device["user.email_address"].get<std::string>().find('@') != std::string::npos);
        const std::string platform = device["common.platform"];
        platforms.insert(platform);
        if (platform == "iOS") {
            CHECK(std::regex_match(device["ios.iPhone UDID"].get<std::string>(),
                                   std::regex("[0-9A-F]{8}-[0-9A-F]{16}")));
            CHECK(device["android.afw_capable"].is_null());
        } else {
            CHECK(platform == "Android");
            CHECK(device["android.afw_capable"].is_boolean());
            CHECK(device["ios.iPhone UDID"].is_null());
        }
    }
    CHECK(platforms.size() == 2);
}

TEST_CASE("sim: only the requested fields are returned") {
    Simulator sim;
    auto reply = sim.devices(list_params("", "common.uuid,common.platform"));
    REQUIRE(reply.status == 200);
    const auto body = reply.json();
    for (const auto& device : body["results"]) {
        CHECK(device.size() == 2);
        CHECK(device.contains("common.uuid"));
        CHECK(device.contains("common.platform"));
    }
}

TEST_CASE("sim: paging follows limit and offset as the index of the first record") {
    Simulator sim(SimConfig().devices(1, 450));
    std::vector<int> seen;
    for (int offset = 0; offset < 450; offset += 200) {
        auto params = list_params();
        params["limit"] = "200";
        params["offset"] = std::to_string(offset);
        auto body = sim.devices(params).json();
        CHECK(body["totalCount"] == 450);
        CHECK(body["resultCount"] == body["results"].size());
        CHECK(body["hasMore"] == (offset + 200 < 450));
        CHECK(body["currentServerTimeMilliseconds"].get<std::int64_t>() > 1700000000000);
        CHECK(body["searchTimeMillis"].is_number_integer());
        for (int id : ids(body))
            seen.push_back(id);
    }
    REQUIRE(seen.size() == 450);
    for (int i = 0; i < 450; ++i)
        CHECK(seen[static_cast<std::size_t>(i)] == i + 1);

    auto params = list_params();
    params["offset"] = "450";
    auto past_end = sim.devices(params).json();
    CHECK(past_end["results"].empty());
    CHECK(past_end["hasMore"] == false);
}

TEST_CASE("sim: the default limit is 50 and sortOrder DESC reverses by common.id") {
    Simulator sim(SimConfig().devices(1, 120));
    auto body = sim.devices(list_params()).json();
    CHECK(body["resultCount"] == 50);

    auto params = list_params();
    params["sortField"] = "common.id";
    params["sortOrder"] = "DESC";
    params["limit"] = "3";
    CHECK(ids(sim.devices(params).json()) == std::vector<int>{120, 119, 118});
}

TEST_CASE("sim: limit above 200 and bad parameters give 400 with a localizedMessage") {
    Simulator sim;
    auto params = list_params();
    params["limit"] = "201";
    auto too_many = sim.devices(params);
    CHECK(too_many.status == 400);
    CHECK(too_many.json()["messages"][0]["messageKey"] == "com.mobileiron.vsp.messages.http.400");
    CHECK(localized_message(too_many).find("200") != std::string::npos);

    params["limit"] = "200";
    CHECK(sim.devices(params).status == 200);

    for (const auto& [name, value] :
         std::vector<std::pair<std::string, std::string>>{{"offset", "-1"},
                                                          {"limit", "ten"},
                                                          {"fields", "common.nonsense"},
                                                          {"fields", ""},
                                                          {"sortField", "common.nonsense"},
                                                          {"sortOrder", "UP"},
                                                          {"adminDeviceSpaceId", "x"}}) {
        auto bad = list_params();
        bad[name] = value;
        auto reply = sim.devices(bad);
        INFO(name << "=" << value);
        CHECK(reply.status == 400);
        CHECK_FALSE(localized_message(reply).empty());
    }
}

TEST_CASE("sim: a missing adminDeviceSpaceId gives 400 naming it") {
    Simulator sim;
    auto reply = sim.devices({{"fields", "common.id"}, {"query", ""}});
    REQUIRE(reply.status == 400);
    CHECK(localized_message(reply).find("adminDeviceSpaceId") != std::string::npos);
}

TEST_CASE("sim: more than 512 fields give 400, 512 are accepted") {
    Simulator sim;
    std::string fields = "common.id";
    for (int i = 1; i < 512; ++i)
        fields += ",common.id";
    CHECK(sim.devices(list_params("", fields)).status == 200);
    CHECK(sim.devices(list_params("", fields + ",common.id")).status == 400);
}

TEST_CASE("sim: the query language handles quoting, AND, OR and parentheses") {
    Simulator sim(
        SimConfig()
            .devices(1, 10)
            .device({{"space", 1}, {"common.platform", "iOS"}, {"common.status", "ACTIVE"}})
            .device({{"space", 1}, {"common.platform", "iOS"}, {"common.status", "RETIRED"}})
            .device({{"space", 1}, {"common.platform", "Android"}, {"common.status", "RETIRED"}}));
    auto count = [&](const std::string& query) {
        auto reply = sim.get("/api/v2/devices/count?adminDeviceSpaceId=1&query=" +
                             tectl::test::url_encode(query));
        REQUIRE(reply.status == 200);
        return reply.json()["totalCount"].get<int>();
    };
    auto matching = [&](const std::string& query) {
        auto reply = sim.devices(list_params(query));
        REQUIRE(reply.status == 200);
        return ids(reply.json());
    };

    CHECK(count("") == 13);
    CHECK(matching("\"common.id\"=\"11\"") == std::vector<int>{11});
    CHECK(matching("common.id=\"12\"") == std::vector<int>{12});
    CHECK(matching("common.id=\"11\" OR common.id=\"13\"") == std::vector<int>{11, 13});
    CHECK(matching("common.id=\"11\" AND common.id=\"13\"").empty());

    const int ios = count("common.platform=\"iOS\"");
    const int retired = count("common.status=\"RETIRED\"");
    const int ios_retired = count("common.platform=\"iOS\" AND common.status=\"RETIRED\"");
    CHECK(ios_retired >= 1);
    CHECK(count("common.platform=\"iOS\" OR common.status=\"RETIRED\"") ==
          ios + retired - ios_retired);
    // AND binds tighter than OR; parentheses change that.
    CHECK(matching("common.id=\"12\" OR common.id=\"13\" AND common.platform=\"iOS\"") ==
          std::vector<int>{12});
    CHECK(matching("(common.id=\"12\" OR common.id=\"13\") AND common.platform=\"Android\"") ==
          std::vector<int>{13});
    CHECK(matching("((common.id=\"12\"))") == std::vector<int>{12});
}

TEST_CASE("sim: queries longer than 255 characters or malformed give 400") {
    Simulator sim;
    std::string query = "common.uuid=\"";
    query += std::string(255 - query.size() - 1, 'a') + "\"";
    REQUIRE(query.size() == 255);
    CHECK(sim.devices(list_params(query)).status == 200);
    CHECK(sim.devices(list_params(query + " ")).status == 400);

    for (const std::string bad :
         {"common.id=12", "common.id=\"12", "(common.id=\"12\"", "common.id=\"1\" AND",
          "nosuch.field=\"1\"", "common.id=\"1\" common.id=\"2\""}) {
        INFO(bad);
        auto reply = sim.devices(list_params(bad));
        CHECK(reply.status == 400);
        CHECK_FALSE(localized_message(reply).empty());
    }
}

TEST_CASE("sim: a planted device is found by UUID in its own space only") {
    const std::string uuid = "3a45b4d5-d2e5-468c-bf4f-149efff463a9";
    Simulator sim(SimConfig()
                      .space(1, "Global")
                      .space(2, "Sales")
                      .user("api@example.com", "pw", {{1}, {2}})
                      .devices(1, 30)
                      .devices(2, 30)
                      .device({{"space", 2}, {"common.uuid", uuid}}));
    SimCredentials api{"api@example.com", "pw"};
    const std::string query = "\"common.uuid\"=\"" + uuid + "\"";
    auto in_sales = sim.devices(
        {{"adminDeviceSpaceId", "2"}, {"fields", "common.uuid,common.id"}, {"query", query}}, api);
    REQUIRE(in_sales.status == 200);
    REQUIRE(in_sales.json()["totalCount"] == 1);
    CHECK(in_sales.json()["results"][0]["common.uuid"] == uuid);
    CHECK(in_sales.json()["results"][0]["common.id"] == 61);

    auto in_global = sim.devices(
        {{"adminDeviceSpaceId", "1"}, {"fields", "common.uuid"}, {"query", query}}, api);
    CHECK(in_global.json()["totalCount"] == 0);
    CHECK(in_global.json()["results"].empty());
}

TEST_CASE("sim: UUIDs match exactly unless uuid_case_insensitive is set") {
    const std::string uuid = "3a45b4d5-d2e5-468c-bf4f-149efff463a9";
    std::string upper = uuid;
    for (auto& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string query = "common.uuid=\"" + upper + "\"";

    Simulator exact(SimConfig().device({{"space", 1}, {"common.uuid", uuid}}));
    CHECK(exact.devices(list_params(query)).json()["totalCount"] == 0);

    Simulator folding(SimConfig()
                          .device({{"space", 1}, {"common.uuid", uuid}})
                          .set("uuid_case_insensitive", true));
    CHECK(folding.devices(list_params(query)).json()["totalCount"] == 1);
}

TEST_CASE("sim: global_space_sees_all shows every space's devices in space 1") {
    Simulator sim(SimConfig()
                      .space(1, "Global")
                      .space(2, "Sales")
                      .user("api@example.com", "pw", {{1}})
                      .devices(1, 5)
                      .devices(2, 7)
                      .global_space_sees_all());
    auto reply = sim.get("/api/v2/devices/count?adminDeviceSpaceId=1&query=",
                         SimCredentials{"api@example.com", "pw"});
    CHECK(reply.json()["totalCount"] == 12);

    Simulator separate(SimConfig()
                           .space(1, "Global")
                           .space(2, "Sales")
                           .user("api@example.com", "pw", {{1}})
                           .devices(1, 5)
                           .devices(2, 7));
    CHECK(separate
              .get("/api/v2/devices/count?adminDeviceSpaceId=1&query=",
                   SimCredentials{"api@example.com", "pw"})
              .json()["totalCount"] == 5);
}

TEST_CASE("sim: a missing role or an unassigned space gives 403, or 401 when configured") {
    auto config = SimConfig()
                      .space(1, "Global")
                      .space(2, "Sales")
                      .user("viewer@example.com", "pw", {{1, false}, {2, true}});
    SimCredentials viewer{"viewer@example.com", "pw"};
    {
        Simulator sim(config);
        CHECK(sim.get("/api/v2/ping", viewer).status == 200);
        auto no_role = sim.devices(list_params(), viewer);
        CHECK(no_role.status == 403);
        CHECK_FALSE(localized_message(no_role).empty());
        CHECK(sim.get("/api/v2/devices/count?adminDeviceSpaceId=1", viewer).status == 403);
        CHECK(sim.get("/api/v2/devices/search_fields?adminDeviceSpaceId=1", viewer).status == 403);
        CHECK(sim.get("/api/v2/devices/count?adminDeviceSpaceId=2", viewer).status == 200);
        CHECK(sim.get("/api/v2/devices/count?adminDeviceSpaceId=9", viewer).status == 403);
    }
    {
        Simulator sim(SimConfig(config).set("forbidden_status", 401).set("forbidden_body", "html"));
        auto reply = sim.devices(list_params(), viewer);
        CHECK(reply.status == 401);
        CHECK(reply.body.find("<html>") != std::string::npos);
    }
}

TEST_CASE("sim: a GDPR user sees personal fields masked, other fields intact") {
    Simulator sim(SimConfig().user("gdpr@example.com", "pw", {{1}}, true));
    auto reply = sim.devices(list_params("", kAllFields), SimCredentials{"gdpr@example.com", "pw"});
    REQUIRE(reply.status == 200);
    const auto body = reply.json();
    for (const auto& device : body["results"]) {
        CHECK(device["user.user_id"] == "*****");
        CHECK(device["user.email_address"] == "*****");
        CHECK(device["common.imei"] == "*****");
        CHECK(device["common.serial_number"] == "*****");
        CHECK(device["common.uuid"].get<std::string>().size() == 36);
    }
}

TEST_CASE("sim: the inventory is determined by the seed") {
    auto uuids = [](std::uint64_t seed) {
        Simulator sim(SimConfig().seed(seed).devices(1, 30));
        auto params = list_params("", "common.uuid,common.imei,common.last_connected_at");
        return sim.devices(params).json()["results"].dump();
    };
    const auto first = uuids(5);
    CHECK(uuids(5) == first);
    CHECK(uuids(6) != first);
}

TEST_CASE("sim: 100000 devices start fast and page cheaply") {
    auto started = std::chrono::steady_clock::now();
    Simulator sim(SimConfig().devices(1, 100000));
    auto params = list_params();
    params["offset"] = "99900";
    params["limit"] = "200";
    auto body = sim.devices(params).json();
    auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(body["totalCount"] == 100000);
    CHECK(body["resultCount"] == 100);
    CHECK(ids(body).back() == 100000);
    CHECK(elapsed < std::chrono::seconds(3));
}

TEST_CASE("sim: search_fields lists the device field names") {
    Simulator sim;
    auto reply = sim.get("/api/v2/devices/search_fields?adminDeviceSpaceId=1");
    REQUIRE(reply.status == 200);
    std::set<std::string> names;
    const auto body = reply.json();
    for (const auto& field : body["results"])
        names.insert(field["name"].get<std::string>());
    CHECK(names.count("common.uuid") == 1);
    CHECK(names.count("ios.iPhone UDID") == 1);
}

TEST_CASE("sim: --prefix serves the API under /rest/api/v2 only") {
    SimOptions options;
    options.prefix = "/rest";
    Simulator sim(SimConfig(), options);
    CHECK(sim.base_url().substr(sim.base_url().size() - 5) == "/rest");
    CHECK(sim.get("/api/v2/ping").status == 200);

    SimOptions plain;
    Simulator without(SimConfig(), plain);
    CHECK(without.get("/rest/api/v2/ping").status == 404);
}

TEST_CASE("sim: --ipv6 listens on ::1") {
    SimOptions options;
    options.ipv6 = true;
    Simulator sim(SimConfig(), options);
    CHECK(sim.base_url().rfind("https://[::1]:", 0) == 0);
    // Asked with the curl command: cpp-httplib 0.11's client reads past the end of the host
    // name when it matches an IPv6 address against the certificate.
    auto r = tectl::test::run(
        {"/usr/bin/curl", "-sS", "-g", "--cacert", sim.ca_file().string(), "-u",
         std::string(tectl::test::kSimUser) + ":" + tectl::test::kSimPassword, "-o", "/dev/null",
         "-w", "%{http_code}", sim.base_url() + "/api/v2/ping"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "200");
}
