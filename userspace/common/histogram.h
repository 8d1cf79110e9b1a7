// A latency histogram with bounded relative error, in the manner of HdrHistogram.
//
// Values are grouped log-linearly: every power-of-two range [2^e, 2^(e+1)) is split into
// 128 equal sub-buckets, so a recorded value is known to within 1/128 (< 0.8%) of itself;
// values below 128 are exact. Memory is fixed (about 60 KB) whatever is recorded, two
// histograms merge by adding counts, and percentiles come from one walk over the buckets.
#pragma once

#include <cstdint>
#include <vector>

namespace iophase {

class Histogram {
  public:
    Histogram();

    void record(std::uint64_t value);
    void merge(const Histogram &other);

    std::uint64_t count() const { return count_; }
    std::uint64_t min() const { return count_ ? min_ : 0; }
    std::uint64_t max() const { return max_; }
    double mean() const;

    // The value at percentile p (0..100): the smallest recorded value (to within the bucket
    // resolution) that at least p% of the values do not exceed. 0 when nothing was recorded.
    std::uint64_t percentile(double p) const;

  private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
    long double sum_ = 0;  // long double: no overflow for any realistic run
};

}  // namespace iophase
