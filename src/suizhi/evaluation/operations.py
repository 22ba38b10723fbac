"""The operator's own records (silver.operation_record) as the evaluation counts them: the
dataset, and the kinds of record that are support sessions, inspections and outages.

The kinds are the values the contract declares for its `kind` column
(schemas/operation_record.yaml); the simulator draws the operator's calendar with them.
"""
from __future__ import annotations

DATASET = "operation_record"
SUPPORT, MONTHLY, WEEKLY, OUTAGE = "重大活动保障", "月度巡检", "周巡检", "场地故障"
