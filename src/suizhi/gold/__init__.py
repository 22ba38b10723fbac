"""The gold layer: topic datasets, monitoring and early-warning indicators, alerts, district
figures, vital-sign items and the operation analysis reports (period, topic and domain), all
derived from silver and conf/."""
