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

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
        value.remove_prefix(1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
        value.remove_suffix(1);
    if (value.empty() || value.size() > 9)
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
