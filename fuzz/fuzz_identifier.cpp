// Device identifiers as support staff paste them. A Device UUID comes out canonical and
// classifies again as itself; every other kind says what it is.
#include "harness.hpp"

#include "tectl/identifier.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tectl;
    auto input = fuzz::text(data, size);

    fuzz::expect_only_errors([&] {
        Identifier id = classify_identifier(input);
        fuzz::require(id.input == input, "the input was not kept as given");
        fuzz::require(!to_string(id.kind).empty(), "a kind without a name");
        if (id.kind == IdentifierKind::device_uuid) {
            fuzz::require(is_canonical_device_uuid(id.value), "a Device UUID not canonical");
            Identifier again = classify_identifier(id.value);
            fuzz::require(again.kind == IdentifierKind::device_uuid && again.value == id.value &&
                              again.notes.empty(),
                          "a canonical Device UUID classified differently");
        } else {
            fuzz::require(!id.message.empty(), "a non-UUID without a message");
        }
    });
    return 0;
}
