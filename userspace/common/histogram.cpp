#include "common/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace iophase {

namespace {

constexpr int kSubBucketBits = 7;
constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;  // 128
// Values below kSubBuckets map to themselves; each power of two from 2^7 to 2^63 adds one
// group of kSubBuckets.
constexpr std::size_t kBucketCount = (64 - kSubBucketBits + 1) * kSubBuckets;

std::size_t bucket_of(std::uint64_t value) {
    if (value < kSubBuckets) {
        return static_cast<std::size_t>(value);
    }
    const int exponent = std::bit_width(value) - 1;  // >= kSubBucketBits
    const int shift = exponent - kSubBucketBits;
    const std::uint64_t sub = (value >> shift) - kSubBuckets;  // 0..127
    return static_cast<std::size_t>((shift + 1) * kSubBuckets + sub);
}

// The lowest value and the width of a bucket.
std::uint64_t bucket_low(std::size_t bucket) {
    if (bucket < kSubBuckets) {
        return bucket;
    }
    const int shift = static_cast<int>(bucket / kSubBuckets) - 1;
    const std::uint64_t sub = bucket % kSubBuckets;
    return (kSubBuckets + sub) << shift;
}

std::uint64_t bucket_width(std::size_t bucket) {
    if (bucket < kSubBuckets) {
        return 1;
    }
    return std::uint64_t{1} << (bucket / kSubBuckets - 1);
}

}  // namespace

Histogram::Histogram() : counts_(kBucketCount, 0) {}

void Histogram::record(std::uint64_t value) {
    ++counts_[bucket_of(value)];
    ++count_;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    sum_ += static_cast<long double>(value);
}

void Histogram::merge(const Histogram &other) {
    for (std::size_t i = 0; i < kBucketCount; ++i) {
        counts_[i] += other.counts_[i];
    }
    count_ += other.count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

double Histogram::mean() const {
    return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

std::uint64_t Histogram::percentile(double p) const {
    if (count_ == 0) {
        return 0;
    }
    p = std::clamp(p, 0.0, 100.0);
    // The rank (1-based) of the wanted value in sorted order.
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    if (rank == count_) {
        return max_;  // known exactly
    }
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBucketCount; ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            // The middle of the bucket halves the worst-case error; the true extremes are
            // known exactly, so never report beyond them.
            const std::uint64_t middle = bucket_low(i) + (bucket_width(i) - 1) / 2;
            return std::clamp(middle, min_, max_);
        }
    }
    return max_;
}

}  // namespace iophase
