"""Data quality: suites as data (expectations/), rules on Spark, quarantine, scores, scorecard."""
