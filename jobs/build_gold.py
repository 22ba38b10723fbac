"""spark-submit entry point: bring the gold tables and the operation reports up to date with silver."""
from suizhi.runtime import build_gold_tables

if __name__ == "__main__":
    print(build_gold_tables())
