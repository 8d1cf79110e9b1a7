// How much load a traced run puts on a server.
#pragma once

namespace servertest {

// A small fixed count for the strace run (strace slows a server tenfold), a larger one for the
// counts, and concurrent clients for the I/O model.
enum class Load { kStrace, kCounts, kModel };

// A suite's sizes for the three loads: requests, and clients at once for kModel (the counts
// loads use one client, so that nothing overlaps and per-request counts stay exact).
struct LoadSizes {
    int strace;
    int counts;
    int model;
    int model_clients;
};

struct ClientShape {
    int requests;
    int clients;
};

inline ClientShape shape(Load load, const LoadSizes &sizes) {
    switch (load) {
        case Load::kStrace:
            return {sizes.strace, 1};
        case Load::kCounts:
            return {sizes.counts, 1};
        case Load::kModel:
            break;
    }
    return {sizes.model, sizes.model_clients};
}

}  // namespace servertest
