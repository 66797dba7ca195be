// Small builders for prometheus-cpp MetricFamily values, for collectors that
// produce their families fresh on every scrape (streams come and go, so
// there are no label sets to remove from a long-lived prometheus::Registry).
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <utility>
#include <vector>

namespace metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

prometheus::MetricFamily& AddFamily(std::vector<prometheus::MetricFamily>* out, std::string name,
                                    std::string help, prometheus::MetricType type);
// Appends one sample (a counter or gauge value, by the family's type).
void AddSample(prometheus::MetricFamily* family, const Labels& labels, double value);
// A family with one unlabelled sample.
void AddSingle(std::vector<prometheus::MetricFamily>* out, std::string name, std::string help,
               prometheus::MetricType type, double value);

}  // namespace metrics
