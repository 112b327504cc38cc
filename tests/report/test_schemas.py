"""The report reads the schema versions its producers write."""

from helpseek.analysis import SCHEMA as ANALYSIS_SCHEMA
from helpseek.invite.funnel import SCHEMA as INVITE_SCHEMA
from helpseek.report import FUNNEL_SCHEMA, RESULTS_SCHEMA


def test_report_reads_the_schema_the_analysis_and_invite_stats_write() -> None:
    assert RESULTS_SCHEMA == ANALYSIS_SCHEMA
    assert FUNNEL_SCHEMA == INVITE_SCHEMA
