"""The gold layer: topic datasets, monitoring and early-warning indicators, alerts,
vital-sign items and the operation analysis reports, all derived from silver and conf/."""
