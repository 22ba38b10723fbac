"""The bench's stage profile: commits counted from the lake's logs, stage totals, growth."""
from __future__ import annotations

from suizhi.stage_profile import Cost, Profile, delta_commits


def test_commits_are_the_commit_files_of_every_delta_log(tmp_path):
    for table, versions in (("bronze/a", 3), ("silver/b", 2), ("ledger/batches", 1)):
        log = tmp_path / table / "_delta_log"
        log.mkdir(parents=True)
        for v in range(versions):
            (log / f"{v:020d}.json").write_text("{}")
        (log / f"{0:020d}.checkpoint.parquet").write_text("")  # a checkpoint is not a commit
        (log / "_last_checkpoint").write_text("{}")
        (log / f"{0:020d}.crc").write_text("")
    (tmp_path / "bronze" / "a" / "part-0.json").write_text("{}")  # data beside the log is not counted
    assert delta_commits(tmp_path) == 6


def test_the_table_sums_each_stage_and_growth_compares_seconds_per_row():
    profile = Profile(spark=None, lake_root="")
    profile.costs = [Cost("silver", "2021-01", 10.0, 1000, 31, 300, 900, 200),
                     Cost("silver", "2021-02", 12.0, 1000, 31, 290, 950, 210),
                     Cost("silver", "2021-03", 26.0, 2000, 31, 310, 990, 220)]
    total = profile.table().splitlines()[-1].split()
    assert total[:7] == ["silver", "all", "48.0", "4,000", "83", "93", "900"]
    assert total[7:] == ["990", "220"]
    assert profile.growth("silver") == ("silver: 2021-03 26.0 s for 2,000 rows against 2021-01 10.0 s for 1,000: "
                                        "1.30x per row")
    assert profile.growth("gold") is None


def test_a_part_of_a_stage_is_split_off_with_its_seconds():
    profile = Profile(spark=None, lake_root="")
    gold = Cost("gold", "2021-01", 9.0, 500, 4, 20, 1000, 300)
    profile.costs.append(gold)
    profile.split(gold, "reports", 2.5)
    assert [(c.stage, c.seconds, c.rows, c.commits, c.jobs) for c in profile.costs] == [
        ("gold", 6.5, 500, 4, 20), ("reports", 2.5, 500, 0, 0)]
