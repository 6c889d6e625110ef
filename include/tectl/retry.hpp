// When to send an HTTP request again, and how long to wait first. A pure policy: the caller
// supplies the random number and does the sleeping, so tests need neither luck nor time.
//
// Only idempotent requests (GET, HEAD) are retried, only after a failed TCP connect or a 429,
// 502, 503 or 504, never after a 401 or 403 (repeated bad passwords lock EPMM accounts). The wait
// is an exponential backoff capped at max_delay, with jitter in [half, full]; a Retry-After
// (seconds or a date) is waited at least, and one longer than max_retry_after ends the retries.
#pragma once

#include "tectl/http.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace tectl::http {

struct RetryPolicy {
    int max_attempts = 4;  // the first attempt included
    std::chrono::milliseconds base_delay{500};
    std::chrono::milliseconds max_delay{8000};
    std::chrono::milliseconds max_retry_after{30000};
};

// What one attempt came to: a status, or a transport failure.
struct Attempt {
    std::string_view method = "GET";
    int number = 1;                        // 1 for the first attempt
    long status = 0;                       // 0 when no response arrived
    std::optional<FailureReason> failure;  // set when no response arrived
    std::optional<std::chrono::seconds> retry_after;
};

// True for the statuses worth another try: 429, 502, 503, 504.
bool retryable_status(long status);

// The wait before the next attempt, or nullopt when there must be none. `random` is in [0, 1).
std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy,
                                                     const Attempt& attempt, double random);

// Retry-After as the wait it asks for: the seconds form ("120"), or an HTTP date ("Wed, 21 Oct
// 2015 07:28:00 GMT", and the two obsolete forms HTTP still requires a client to read) less
// `now`, and zero for a date already past; nullopt for garbage and negatives.
std::optional<std::chrono::seconds> parse_retry_after(
    std::string_view value,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace tectl::http
