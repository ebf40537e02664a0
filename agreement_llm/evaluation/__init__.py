"""The eval harness: gold files, scoring, cassette replay, reports. Nothing in the core
library imports this package; it needs the `eval` extra (scipy, vcrpy, pyyaml).

Its public names, for notebooks and scripts:

    from agreement_llm.evaluation import load_gold_dir, run_eval
    run = run_eval(cassettes=Path("cassettes"), gold_dir=..., articles_dir=...)
"""

from agreement_llm.errors import require

for module in ("scipy", "vcr", "yaml"):
    require(module, "eval")

from agreement_llm.evaluation.analysis import ERROR_CLASSES, ErrorSummary, error_summary  # noqa: E402
from agreement_llm.evaluation.gold import GoldFile, load_gold_dir  # noqa: E402
from agreement_llm.evaluation.report import write_reports  # noqa: E402
from agreement_llm.evaluation.suite import (  # noqa: E402
    EvalRun,
    RunResult,
    VersionRun,
    recorded_models,
    recorded_prompts,
    run_eval,
)
from agreement_llm.frames import records_to_frames  # noqa: E402

__all__ = [
    "ERROR_CLASSES",
    "ErrorSummary",
    "EvalRun",
    "GoldFile",
    "RunResult",
    "VersionRun",
    "error_summary",
    "load_gold_dir",
    "recorded_models",
    "recorded_prompts",
    "records_to_frames",
    "run_eval",
    "write_reports",
]
