#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "common/histogram.h"

namespace iophase {
namespace {

// The value at percentile p of sorted data, with the same rank rule as Histogram.
std::uint64_t oracle(const std::vector<std::uint64_t> &sorted, double p) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

void expect_close(std::uint64_t actual, std::uint64_t expected, double p) {
    const double error = std::abs(static_cast<double>(actual) - static_cast<double>(expected));
    EXPECT_LE(error, static_cast<double>(expected) * 0.01 + 0.5)
        << "p" << p << ": got " << actual << ", exact " << expected;
}

TEST(Histogram, EmptyReportsZeros) {
    const Histogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.percentile(50), 0u);
    EXPECT_EQ(h.percentile(100), 0u);
    EXPECT_EQ(h.max(), 0u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.mean(), 0.0);
}

TEST(Histogram, SmallValuesAreExact) {
    Histogram h;
    for (std::uint64_t v = 0; v < 100; ++v) {
        h.record(v);
    }
    EXPECT_EQ(h.percentile(50), 49u);
    EXPECT_EQ(h.percentile(1), 0u);
    EXPECT_EQ(h.percentile(100), 99u);
    EXPECT_DOUBLE_EQ(h.mean(), 49.5);
}

TEST(Histogram, PercentilesMatchSortedOracleOnRandomData) {
    std::mt19937_64 random(12345);
    // Log-uniform latencies from 100 ns to 10 s: every bucket group gets exercised.
    std::uniform_real_distribution<double> exponent(2.0, 10.0);
    std::vector<std::uint64_t> values(200'000);
    Histogram h;
    long double sum = 0;
    for (auto &v : values) {
        v = static_cast<std::uint64_t>(std::pow(10.0, exponent(random)));
        h.record(v);
        sum += v;
    }
    std::sort(values.begin(), values.end());
    for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        expect_close(h.percentile(p), oracle(values, p), p);
    }
    EXPECT_EQ(h.count(), values.size());
    EXPECT_EQ(h.max(), values.back());
    EXPECT_EQ(h.min(), values.front());
    EXPECT_NEAR(h.mean(), static_cast<double>(sum / values.size()), 1e-6 * h.mean());
}

TEST(Histogram, HugeValuesDoNotOverflow) {
    Histogram h;
    h.record(UINT64_MAX);
    h.record(std::uint64_t{1} << 63);
    EXPECT_EQ(h.max(), UINT64_MAX);
    expect_close(h.percentile(50), std::uint64_t{1} << 63, 50);
    EXPECT_EQ(h.percentile(100), UINT64_MAX);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
    std::mt19937_64 random(7);
    std::lognormal_distribution<double> latency(10.0, 1.5);
    Histogram a;
    Histogram b;
    Histogram all;
    for (int i = 0; i < 50'000; ++i) {
        const auto v = static_cast<std::uint64_t>(latency(random));
        (i % 3 == 0 ? a : b).record(v);
        all.record(v);
    }
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_EQ(a.max(), all.max());
    EXPECT_EQ(a.min(), all.min());
    EXPECT_NEAR(a.mean(), all.mean(), 1e-9 * all.mean());
    for (double p : {50.0, 90.0, 99.0, 99.9}) {
        EXPECT_EQ(a.percentile(p), all.percentile(p)) << "p" << p;
    }
}

TEST(Histogram, MergeWithEmptyKeepsValues) {
    Histogram a;
    a.record(1000);
    a.record(3000);
    const Histogram empty;
    a.merge(empty);
    EXPECT_EQ(a.count(), 2u);
    EXPECT_EQ(a.min(), 1000u);
    Histogram b;
    b.merge(a);
    EXPECT_EQ(b.count(), 2u);
    EXPECT_EQ(b.min(), 1000u);
    EXPECT_EQ(b.max(), 3000u);
}

}  // namespace
}  // namespace iophase
