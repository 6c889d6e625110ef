#include "query.hpp"

#include <cctype>

namespace epmm_sim {

namespace {

class Parser {
  public:
    Parser(std::string_view text, const std::function<bool(std::string_view)>& is_field)
        : text_(text), is_field_(is_field) {}

    QueryNode parse() {
        skip_space();
        if (pos_ == text_.size())
            return {};
        QueryNode node = disjunction();
        skip_space();
        if (pos_ != text_.size())
            fail("unexpected text");
        return node;
    }

  private:
    QueryNode disjunction() {
        QueryNode first = conjunction();
        if (!keyword("OR"))
            return first;
        QueryNode node{QueryNode::Kind::any_of, {}, {}, {std::move(first)}};
        do {
            node.children.push_back(conjunction());
        } while (keyword("OR"));
        return node;
    }

    QueryNode conjunction() {
        QueryNode first = primary();
        if (!keyword("AND"))
            return first;
        QueryNode node{QueryNode::Kind::all_of, {}, {}, {std::move(first)}};
        do {
            node.children.push_back(primary());
        } while (keyword("AND"));
        return node;
    }

    QueryNode primary() {
        skip_space();
        if (peek() == '(') {
            ++pos_;
            if (++depth_ > 32)
                fail("parentheses nested too deeply");
            QueryNode inner = disjunction();
            skip_space();
            if (peek() != ')')
                fail("missing ')'");
            ++pos_;
            --depth_;
            return inner;
        }
        QueryNode node{QueryNode::Kind::equals, field_name(), {}, {}};
        if (!is_field_(node.field))
            fail("unknown field '" + node.field + "'");
        skip_space();
        if (peek() != '=')
            fail("expected '='");
        ++pos_;
        skip_space();
        if (peek() != '"')
            fail("expected a quoted value");
        node.value = quoted();
        return node;
    }

    std::string field_name() {
        if (peek() == '"')
            return quoted();
        std::size_t start = pos_;
        while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                       text_[pos_] == '.' || text_[pos_] == '_')) {
            ++pos_;
        }
        if (start == pos_)
            fail("expected a field name");
        return std::string(text_.substr(start, pos_ - start));
    }

    // A double-quoted string; a backslash escapes the next character.
    std::string quoted() {
        ++pos_;
        std::string out;
        while (pos_ < text_.size() && text_[pos_] != '"') {
            if (text_[pos_] == '\\' && pos_ + 1 < text_.size())
                ++pos_;
            out.push_back(text_[pos_++]);
        }
        if (pos_ == text_.size())
            fail("unterminated string");
        ++pos_;
        return out;
    }

    // Consumes AND or OR (any case) when it stands as a word at the current position.
    bool keyword(std::string_view word) {
        skip_space();
        if (text_.size() - pos_ < word.size())
            return false;
        for (std::size_t i = 0; i < word.size(); ++i) {
            if (std::toupper(static_cast<unsigned char>(text_[pos_ + i])) != word[i])
                return false;
        }
        std::size_t end = pos_ + word.size();
        if (end < text_.size() && !std::isspace(static_cast<unsigned char>(text_[end])) &&
            text_[end] != '(' && text_[end] != '"') {
            return false;
        }
        pos_ = end;
        return true;
    }

    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
            ++pos_;
    }

    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

    [[noreturn]] void fail(const std::string& what) const {
        throw QueryError("invalid query at character " + std::to_string(pos_ + 1) + ": " + what);
    }

    std::string_view text_;
    const std::function<bool(std::string_view)>& is_field_;
    std::size_t pos_ = 0;
    int depth_ = 0;
};

}  // namespace

QueryNode parse_query(std::string_view text,
                      const std::function<bool(std::string_view)>& is_field) {
    return Parser(text, is_field).parse();
}

bool query_matches(const QueryNode& query,
                   const std::function<bool(const std::string&, const std::string&)>& equals) {
    switch (query.kind) {
        case QueryNode::Kind::match_all:
            return true;
        case QueryNode::Kind::equals:
            return equals(query.field, query.value);
        case QueryNode::Kind::all_of:
            for (const auto& child : query.children) {
                if (!query_matches(child, equals))
                    return false;
            }
            return true;
        case QueryNode::Kind::any_of:
            for (const auto& child : query.children) {
                if (query_matches(child, equals))
                    return true;
            }
            return false;
    }
    return false;
}

}  // namespace epmm_sim
