"""spark-submit entry point: land staged batches (a JSON list of extract results) in bronze."""
import argparse
import json

from suizhi.runtime import land_batches

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("batches", help="path of a JSON file listing the batches to land")
    args = parser.parse_args()
    with open(args.batches, encoding="utf-8") as fh:
        print(land_batches(json.load(fh)))
