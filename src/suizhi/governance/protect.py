"""Protection by policy in silver: keyed pseudonyms, display masks, generalised values,
and free text scanned for identifiers nobody declared.

Raw values exist only in bronze. Dedup is unaffected: silver compares bronze's
`_record_hash`, computed from the raw values, and no business key is changed except by
a deterministic pseudonym.
"""
from __future__ import annotations

import hashlib

from pyspark.sql import Column as SqlColumn
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from suizhi.catalog.models import Contract
from suizhi.governance.policy import Policy
from suizhi.masking import CITIZEN_ID_IN_TEXT, MOBILE_IN_TEXT, mask_column

_BLOCK = 64  # SHA-256 block size in bytes (RFC 2104)
_ADDRESS_DISTRICT = r"^(.*?(?:区|县|县级市))"


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer pads of an HMAC-SHA256 key (RFC 2104)."""
    key = hashlib.sha256(key).digest() if len(key) > _BLOCK else key
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def hmac_sha256(message: SqlColumn, key: bytes) -> SqlColumn:
    """HMAC-SHA256 (RFC 2104) of a string column as lowercase hex, computed by Spark itself.

    Built from Spark's sha2 so no Python worker runs; only the padded key enters the plan,
    which is neither logged nor stored with the Delta commit.
    """
    inner_pad, outer_pad = hmac_pads(key)
    inner = F.unhex(F.sha2(F.concat(F.lit(bytearray(inner_pad)), message.cast("binary")), 256))
    return F.sha2(F.concat(F.lit(bytearray(outer_pad)), inner), 256)


def pseudonym_value(value: str, category: str, key: bytes, length: int) -> str:
    """The Python form of `pseudonymise`, for tests and for looking a person up."""
    import hmac
    message = f"{category}:{value.strip().upper()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:length]


def pseudonymise(column: SqlColumn, category: str, key: bytes, length: int) -> SqlColumn:
    """The same value of the same category gives the same pseudonym in every dataset."""
    normal = F.upper(F.trim(column.cast("string")))
    digest = F.substring(hmac_sha256(F.concat(F.lit(f"{category}:"), normal), key), 1, length)
    return F.when(normal.isNull() | (normal == ""), normal).otherwise(digest)


def generalise(name: str, category: str | None) -> SqlColumn:
    """A coarser value for analysis: birth year, district, carrier prefix, two-decimal coordinate."""
    column = F.col(name)
    if category == "location":
        return F.round(column, 2)
    text = column.cast("string")
    coarse = {
        "citizen_id": F.substring(text, 7, 4),
        "address": F.regexp_extract(text, _ADDRESS_DISTRICT, 1),
        "phone": F.substring(text, 1, 3),
        "plate": F.substring(text, 1, 2),
        "name": F.substring(text, 1, 1),
    }.get(category)
    return mask_column(name, "free_text") if coarse is None else F.when(text.isNull(), text).otherwise(coarse)


def protections(contract: Contract, policy: Policy) -> dict[str, dict]:
    """Per protected column: its category (or grade) and the action silver applies."""
    return {c.name: {"pii": c.pii, "grade": c.classification, "action": policy.action(c)}
            for c in contract.columns if policy.action(c) != "keep"}


def _scan_counts(df: DataFrame, columns: list[str]) -> dict[str, dict[str, int]]:
    if not columns:
        return {}
    sums = df.agg(*[F.sum(F.regexp_count(F.col(c), F.lit(pattern))).alias(f"{c}\u0001{kind}")
                    for c in columns for kind, pattern in (("citizen_ids", CITIZEN_ID_IN_TEXT),
                                                           ("mobiles", MOBILE_IN_TEXT))]).first()
    found: dict[str, dict[str, int]] = {c: {} for c in columns}
    for name, value in sums.asDict().items():
        column, kind = name.split("\u0001")
        found[column][kind] = int(value or 0)
    return found


def protect(df: DataFrame, contract: Contract, policy: Policy, key: bytes) -> tuple[DataFrame, dict]:
    """The rows with every column protected as the policy says, and what was done to them.

    The report names each protected column and its action; a scanned free-text column
    also carries how many undeclared citizen IDs and mobiles were found (and masked).
    """
    plan = protections(contract, policy)
    scanned = [name for name, p in plan.items() if p["action"] == "scan"]
    report = {name: dict(p) for name, p in plan.items()}
    for name, counts in _scan_counts(df, scanned).items():
        report[name].update(counts)
    replaced = {}
    for name, p in plan.items():
        col, category = F.col(name), p["pii"]
        if p["action"] == "pseudonymise":
            replaced[name] = pseudonymise(col, category or "value", key, policy.pseudonym.length)
        elif p["action"] == "mask":
            replaced[name] = mask_column(name, category or "name")
        elif p["action"] == "generalise":
            replaced[name] = generalise(name, category)
        else:
            replaced[name] = mask_column(name, "free_text")
    return df.withColumns({n: c.alias(n) for n, c in replaced.items()}), report


def protect_silver(spark, path: str, contract: Contract, winners: DataFrame) -> tuple[DataFrame, dict, str]:
    """silver's hook before its MERGE: grade the table, protect the rows; the report and the
    grades' signature ride in the commit."""
    from suizhi.governance.grading import ensure_graded_table
    from suizhi.governance.policy import load_policy, pseudonym_key
    from suizhi.settings import project_home
    policy = load_policy(project_home())
    protected, report = protect(winners, contract, policy, pseudonym_key(policy))
    grades = ensure_graded_table(spark, path, contract, protected.schema, policy, "silver",
                                 f"silver.{contract.dataset}: {contract.grain}")
    return protected, report, grades
