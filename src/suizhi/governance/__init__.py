"""Data governance and security: grading, protection in silver, retention, lineage, audit, roles."""
