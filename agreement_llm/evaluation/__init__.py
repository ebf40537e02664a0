"""The eval harness: gold files, scoring, cassette replay, reports. Nothing in the core
library imports this package; it needs the `eval` extra (scipy, vcrpy, pyyaml)."""

from agreement_llm.errors import require

for module in ("scipy", "vcr", "yaml"):
    require(module, "eval")
