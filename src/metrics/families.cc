#include "metrics/families.h"

namespace metrics {

prometheus::MetricFamily& AddFamily(std::vector<prometheus::MetricFamily>* out, std::string name,
                                    std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  out->push_back(std::move(family));
  return out->back();
}

void AddSample(prometheus::MetricFamily* family, const Labels& labels, double value) {
  prometheus::ClientMetric metric;
  for (const auto& [name, label_value] : labels) metric.label.push_back({name, label_value});
  if (family->type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family->metric.push_back(std::move(metric));
}

void AddSingle(std::vector<prometheus::MetricFamily>* out, std::string name, std::string help,
               prometheus::MetricType type, double value) {
  AddSample(&AddFamily(out, std::move(name), std::move(help), type), {}, value);
}

}  // namespace metrics
