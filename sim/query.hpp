// The device search language of EPMM's v2 API, as far as the product relies on it:
//   "field"="value" | field="value", combined with AND, OR and parentheses (AND binds tighter).
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace epmm_sim {

struct QueryError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct QueryNode {
    enum class Kind { match_all, equals, all_of, any_of };
    Kind kind = Kind::match_all;
    std::string field;                // equals
    std::string value;                // equals
    std::vector<QueryNode> children;  // all_of, any_of
};

// Parses `text`; an empty text matches everything. Throws QueryError on a syntax error or a
// field for which `is_field` is false.
QueryNode parse_query(std::string_view text, const std::function<bool(std::string_view)>& is_field);

// Evaluates `query`; `equals(field, value)` tells whether one device field has that value.
bool query_matches(const QueryNode& query,
                   const std::function<bool(const std::string&, const std::string&)>& equals);

}  // namespace epmm_sim
