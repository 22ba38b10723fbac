"""spark-submit entry point: tally one year from the ledger and print it as JSON."""
import argparse
import json

from suizhi.runtime import tally_year

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--year", type=int, default=None)
    args = parser.parse_args()
    print(json.dumps(tally_year(args.year), ensure_ascii=False, indent=1))
