// state.json as found on disk (hand-edited, truncated, from another version). What parses must
// survive the way back: written as tectl writes it and parsed again, it is the same state.
#include "harness.hpp"

#include "tectl/state.hpp"

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tectl;
    auto input = fuzz::text(data, size);

    fuzz::expect_only_errors([&] {
        StateDoc doc = parse_state(input);
        nlohmann::json written = {{"schema_version", doc.schema_version},
                                  {"integrations", doc.integrations}};
        StateDoc again =
            parse_state(written.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
        fuzz::require(again.integrations == doc.integrations,
                      "a state file changed on its way through tectl");
    });
    return 0;
}
