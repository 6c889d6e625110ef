// A spec file an admin is about to upload: any bytes at all. The check reports findings; it must
// not crash, and each finding has a code, a message and a line that exists.
#include "harness.hpp"

#include "tectl/appconfig.hpp"
#include "tectl/integration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tectl;
    auto input = fuzz::text(data, size);
    // Lines end at LF, CRLF or a lone CR, as XML parsers count them.
    int lines = 1;
    for (std::size_t i = 0; i < input.size(); ++i)
        lines += input[i] == '\n' ||
                 (input[i] == '\r' && (i + 1 == input.size() || input[i + 1] != '\n'));

    static const Integration expected = [] {
        Integration i;
        i.id = "DI0123456789ABCDEFGH";
        i.name = "fuzz";
        i.platform = Platform::ios;
        i.config_key = "DPK0123456789ABCDEF";
        return i;
    }();

    for (const Integration* against : {static_cast<const Integration*>(nullptr), &expected}) {
        fuzz::expect_only_errors([&] {
            for (const auto& finding : appconfig::check_spec_file(input, against)) {
                fuzz::require(!finding.code.empty() && !finding.message.empty(),
                              "a finding without a code or message");
                fuzz::require(finding.line >= 0 && finding.line <= lines,
                              "a finding on a line the file does not have");
            }
        });
    }
    return 0;
}
