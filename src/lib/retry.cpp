#include "tectl/retry.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace tectl::http {

bool retryable_status(long status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
}

std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy,
                                                     const Attempt& attempt, double random) {
    using std::chrono::milliseconds;

    if (attempt.method != "GET" && attempt.method != "HEAD")
        return std::nullopt;
    if (attempt.number >= policy.max_attempts)
        return std::nullopt;
    bool worth_it = attempt.failure ? *attempt.failure == FailureReason::connect
                                    : retryable_status(attempt.status);
    if (!worth_it)
        return std::nullopt;

    // base * 2^(n-1), computed in double so a large attempt number cannot overflow.
    double exponential = static_cast<double>(policy.base_delay.count()) *
                         std::pow(2.0, static_cast<double>(std::max(attempt.number, 1) - 1));
    double capped = std::min(exponential, static_cast<double>(policy.max_delay.count()));
    double unit = std::clamp(random, 0.0, 1.0);
    auto delay = milliseconds(static_cast<milliseconds::rep>(capped / 2 + unit * capped / 2));

    if (attempt.retry_after) {
        auto asked = std::chrono::duration_cast<milliseconds>(*attempt.retry_after);
        // Waiting less than the server asked would not honour it; waiting longer stalls the
        // command, so a long Retry-After ends the retries and the caller reports it.
        if (asked > policy.max_retry_after)
            return std::nullopt;
        delay = std::max(delay, asked);
    }
    return delay;
}

namespace {

// Reads an HTTP date token by token; each step fails (returns false) at the first mismatch.
class DateReader {
  public:
    explicit DateReader(std::string_view text) : text_(text) {}

    bool done() const { return text_.empty(); }

    bool literal(std::string_view expected) {
        if (!text_.starts_with(expected))
            return false;
        text_.remove_prefix(expected.size());
        return true;
    }

    // Exactly `width` digits; with `space_padded`, a leading space may stand for a zero ("  6").
    bool number(int width, int& out, bool space_padded = false) {
        if (text_.size() < static_cast<std::size_t>(width))
            return false;
        out = 0;
        for (int i = 0; i < width; ++i) {
            char c = text_[static_cast<std::size_t>(i)];
            if (space_padded && i == 0 && c == ' ')
                continue;
            if (c < '0' || c > '9')
                return false;
            out = out * 10 + (c - '0');
        }
        text_.remove_prefix(static_cast<std::size_t>(width));
        return true;
    }

    // "Sun" or "Sunday" (only the spelling is checked: the date itself decides the weekday).
    bool day_name(bool long_form) {
        static constexpr std::string_view names[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                     "Friday", "Saturday", "Sunday"};
        for (auto name : names)
            if (literal(long_form ? name : name.substr(0, 3)))
                return true;
        return false;
    }

    bool month(unsigned& out) {
        static constexpr std::string_view names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        for (unsigned i = 0; i < 12; ++i)
            if (literal(names[i])) {
                out = i + 1;
                return true;
            }
        return false;
    }

    bool time_of_day(int& hour, int& minute, int& second) {
        return number(2, hour) && literal(":") && number(2, minute) && literal(":") &&
               number(2, second);
    }

  private:
    std::string_view text_;
};

struct DateParts {
    int year = 0;
    unsigned month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
};

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate, what servers send today).
bool read_imf_fixdate(std::string_view text, DateParts& d) {
    DateReader r(text);
    return r.day_name(false) && r.literal(", ") && r.number(2, d.day) && r.literal(" ") &&
           r.month(d.month) && r.literal(" ") && r.number(4, d.year) && r.literal(" ") &&
           r.time_of_day(d.hour, d.minute, d.second) && r.literal(" GMT") && r.done();
}

// "Sunday, 06-Nov-94 08:49:37 GMT" (RFC 850); a two-digit year is taken as 1970 to 2069.
bool read_rfc850_date(std::string_view text, DateParts& d) {
    DateReader r(text);
    int yy = 0;
    bool ok = r.day_name(true) && r.literal(", ") && r.number(2, d.day) && r.literal("-") &&
              r.month(d.month) && r.literal("-") && r.number(2, yy) && r.literal(" ") &&
              r.time_of_day(d.hour, d.minute, d.second) && r.literal(" GMT") && r.done();
    d.year = yy < 70 ? 2000 + yy : 1900 + yy;
    return ok;
}

// "Sun Nov  6 08:49:37 1994" (C's asctime).
bool read_asctime_date(std::string_view text, DateParts& d) {
    DateReader r(text);
    return r.day_name(false) && r.literal(" ") && r.month(d.month) && r.literal(" ") &&
           r.number(2, d.day, true) && r.literal(" ") &&
           r.time_of_day(d.hour, d.minute, d.second) && r.literal(" ") && r.number(4, d.year) &&
           r.done();
}

// Whole seconds: a clock's nanoseconds would overflow for dates past 2262.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text) {
    DateParts d;
    if (!read_imf_fixdate(text, d) && !read_rfc850_date(text, d) && !read_asctime_date(text, d))
        return std::nullopt;
    using namespace std::chrono;
    year_month_day date{year{d.year}, month{d.month}, day{static_cast<unsigned>(d.day)}};
    if (!date.ok() || d.hour > 23 || d.minute > 59 || d.second > 60)
        return std::nullopt;
    return sys_seconds{sys_days{date}} + hours{d.hour} + minutes{d.minute} + seconds{d.second};
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
        value.remove_prefix(1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
        value.remove_suffix(1);
    if (value.empty())
        return std::nullopt;
    if (auto when = parse_http_date(value)) {
        // Rounded up: `when` is a whole second, so this is the time to it, started seconds counted.
        auto wait = *when - std::chrono::floor<std::chrono::seconds>(now);
        return std::max(wait, std::chrono::seconds(0));
    }
    if (value.size() > 9)
        return std::nullopt;
    long long seconds = 0;
    for (char c : value) {
        if (c < '0' || c > '9')
            return std::nullopt;
        seconds = seconds * 10 + (c - '0');
    }
    return std::chrono::seconds(seconds);
}

}  // namespace tectl::http
