"""spark-submit entry point: build silver from every landed batch not yet counted."""
from suizhi.runtime import build_silver_tables

if __name__ == "__main__":
    print(build_silver_tables())
