"""The project's own exceptions: each message names what a data engineer must fix."""


class SuizhiError(Exception):
    """Base of every error the pipeline raises on purpose."""


class ConfigError(SuizhiError):
    """A file under conf/ or schemas/ is missing, unreadable or invalid."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class SourceError(SuizhiError):
    """A departmental source could not be read; the message names the system and file."""


class RejectedFile(SourceError):
    """A dropped file cannot be decoded or parsed; it was moved to the rejected folder."""


class SchemaDrift(RejectedFile):
    """A source's columns differ from its contract in a way the contract's drift policy refuses."""


class SourceMismatch(SourceError):
    """What was fetched disagrees with the source's own count for the interval."""


class ConservationError(SuizhiError):
    """The ledger does not balance: rows read, landed and accounted for disagree."""


class EvaluationError(SuizhiError):
    """The measures handed to scoring do not fit conf/evaluation/<year>.yaml (unknown tally, wrong unit)."""


class LakeError(SuizhiError):
    """A lake table is not in the state a job expects (written concurrently, for example)."""


class QualityError(SuizhiError):
    """A fail-action rule or a failing score threshold stopped the run; names dataset, system and rule."""


class GovernanceError(SuizhiError):
    """Personal data cannot be protected as conf/governance.yaml says (no key, a policy gap)."""
