#include <catch2/catch.hpp>

#include "tectl/retry.hpp"

using namespace tectl::http;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

Attempt with_status(long status, int number = 1) {
    Attempt a;
    a.number = number;
    a.status = status;
    return a;
}

Attempt with_failure(FailureReason reason, int number = 1) {
    Attempt a;
    a.number = number;
    a.failure = reason;
    return a;
}

}  // namespace

TEST_CASE("retry: only 429, 502, 503 and 504 are retried", "[retry]") {
    RetryPolicy policy;
    for (long status : {429L, 502L, 503L, 504L}) {
        INFO(status);
        CHECK(retry_delay(policy, with_status(status), 0.5).has_value());
    }
    for (long status : {200L, 400L, 401L, 403L, 404L, 407L, 500L, 501L}) {
        INFO(status);
        CHECK_FALSE(retry_delay(policy, with_status(status), 0.5).has_value());
    }
}

TEST_CASE("retry: of transport failures only a failed connect is retried", "[retry]") {
    RetryPolicy policy;
    CHECK(retry_delay(policy, with_failure(FailureReason::connect), 0.5).has_value());
    for (auto reason : {FailureReason::dns, FailureReason::timeout, FailureReason::tls_unknown_root,
                        FailureReason::tls_name_mismatch, FailureReason::proxy,
                        FailureReason::redirect, FailureReason::too_large}) {
        INFO(reason_name(reason));
        CHECK_FALSE(retry_delay(policy, with_failure(reason), 0.5).has_value());
    }
}

TEST_CASE("retry: requests that are not idempotent are never retried", "[retry]") {
    RetryPolicy policy;
    for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
        Attempt a = with_status(503);
        a.method = method;
        CHECK_FALSE(retry_delay(policy, a, 0.5).has_value());
    }
    Attempt head = with_status(503);
    head.method = "HEAD";
    CHECK(retry_delay(policy, head, 0.5).has_value());
}

TEST_CASE("retry: attempts stop at max_attempts", "[retry]") {
    RetryPolicy policy;
    policy.max_attempts = 3;
    CHECK(retry_delay(policy, with_status(503, 1), 0.5).has_value());
    CHECK(retry_delay(policy, with_status(503, 2), 0.5).has_value());
    CHECK_FALSE(retry_delay(policy, with_status(503, 3), 0.5).has_value());
    policy.max_attempts = 1;
    CHECK_FALSE(retry_delay(policy, with_status(503, 1), 0.5).has_value());
}

TEST_CASE("retry: backoff doubles, stays within jitter bounds and is capped", "[retry]") {
    RetryPolicy policy;
    policy.max_attempts = 100;
    policy.base_delay = milliseconds(500);
    policy.max_delay = milliseconds(8000);

    // Jitter spans [half, full] of the exponential delay.
    CHECK(*retry_delay(policy, with_status(503, 1), 0.0) == milliseconds(250));
    CHECK(*retry_delay(policy, with_status(503, 1), 0.999999) >= milliseconds(499));
    CHECK(*retry_delay(policy, with_status(503, 1), 0.999999) <= milliseconds(500));
    CHECK(*retry_delay(policy, with_status(503, 2), 0.0) == milliseconds(500));
    CHECK(*retry_delay(policy, with_status(503, 3), 0.0) == milliseconds(1000));

    for (int n = 1; n < 60; ++n) {
        for (double r : {0.0, 0.25, 0.5, 0.75, 0.999}) {
            auto d = *retry_delay(policy, with_status(503, n), r);
            INFO("attempt " << n << " random " << r);
            CHECK(d >= milliseconds(125));
            CHECK(d <= policy.max_delay);
        }
    }
    CHECK(*retry_delay(policy, with_status(503, 59), 0.0) == milliseconds(4000));
    // Out-of-range random values are clamped, not trusted.
    CHECK(*retry_delay(policy, with_status(503, 1), 7.0) == milliseconds(500));
    CHECK(*retry_delay(policy, with_status(503, 1), -3.0) == milliseconds(250));
}

TEST_CASE("retry: Retry-After is waited at least, and a long one ends the retries", "[retry]") {
    RetryPolicy policy;
    policy.max_retry_after = milliseconds(30000);

    Attempt a = with_status(429);
    a.retry_after = seconds(3);
    CHECK(*retry_delay(policy, a, 0.0) == milliseconds(3000));
    CHECK(*retry_delay(policy, a, 0.999) == milliseconds(3000));

    a.retry_after = seconds(0);  // shorter than the backoff: the backoff wins
    CHECK(*retry_delay(policy, a, 0.0) == milliseconds(250));

    a.retry_after = seconds(30);
    CHECK(*retry_delay(policy, a, 0.0) == milliseconds(30000));
    a.retry_after = seconds(31);
    CHECK_FALSE(retry_delay(policy, a, 0.0).has_value());

    Attempt unauthorized = with_status(401);
    unauthorized.retry_after = seconds(1);
    CHECK_FALSE(retry_delay(policy, unauthorized, 0.0).has_value());
}

TEST_CASE("retry: Retry-After in seconds", "[retry]") {
    CHECK(parse_retry_after("120") == seconds(120));
    CHECK(parse_retry_after(" 7 ") == seconds(7));
    CHECK(parse_retry_after("0") == seconds(0));
    CHECK_FALSE(parse_retry_after("").has_value());
    CHECK_FALSE(parse_retry_after("-5").has_value());
    CHECK_FALSE(parse_retry_after("1.5").has_value());
    CHECK_FALSE(parse_retry_after("99999999999999999999").has_value());
}

TEST_CASE("retry: Retry-After as an HTTP date, in each of HTTP's three forms", "[retry]") {
    using namespace std::chrono;
    // Wed, 21 Oct 2015 07:28:00 GMT, less 90.5 s.
    auto now = sys_days{year{2015} / October / 21} + hours{7} + minutes{28} - milliseconds{90500};
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == seconds(91));  // rounded up
    CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now) == seconds(91));
    CHECK(parse_retry_after("Wed Oct 21 07:28:00 2015", now) == seconds(91));
    CHECK(parse_retry_after("Wed Oct  1 07:28:00 2015", now) == seconds(0));  // already past
    CHECK(parse_retry_after("  Thu, 22 Oct 2015 07:28:00 GMT ", now) == seconds(86400 + 91));
    CHECK(parse_retry_after("Sat, 01 Jan 2000 00:00:00 GMT", now) == seconds(0));
    CHECK(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) > hours(24 * 365 * 7000));

    CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00", now).has_value());  // no GMT
    CHECK_FALSE(parse_retry_after("Wed, 31 Feb 2015 07:28:00 GMT", now).has_value());
    CHECK_FALSE(parse_retry_after("Wed, 21 Okt 2015 07:28:00 GMT", now).has_value());
    CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 24:00:00 GMT", now).has_value());
    CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28 GMT", now).has_value());
    CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT trailing", now).has_value());
    CHECK_FALSE(parse_retry_after("tomorrow", now).has_value());
}
