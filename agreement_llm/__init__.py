"""agreement-llm: news articles about agreements between organizations in, validated and
source-grounded records out.

    from agreement_llm import extract
    record = extract(article_text)

Many articles: `extract_many` (and `aextract_many`); the trace of one: `extract_with_details`.
The record's parts (`Agreement`, `Party`, ...) are in `agreement_llm.models`.
"""

from agreement_llm.articles import Article, read_article, read_articles
from agreement_llm.batch import BatchOptions, BatchResult, aextract_many, extract_many
from agreement_llm.batch_api import (
    BatchApiOptions,
    BatchApiReport,
    batch_status,
    collect_batch,
    submit_batch,
)
from agreement_llm.config import Endpoint, local_endpoint, resolve_endpoint
from agreement_llm.errors import AgreementLLMError, ConfigError, InputError
from agreement_llm.extract import (
    Extraction,
    aextract_with_details,
    extract,
    extract_with_details,
)
from agreement_llm.frames import Frames, to_frames
from agreement_llm.llm import Attempt, ExtractionError, Usage
from agreement_llm.models import (
    Agreement,
    AgreementKind,
    ArticleRecord,
    Money,
    PartialDate,
    Party,
    Person,
    Role,
    Sector,
    Status,
)
from agreement_llm.progress import BatchSummary
from agreement_llm.results import ResultCache, ResultRow, read_results
from agreement_llm.retry import RetryPolicy

__all__ = [
    "Agreement",
    "AgreementKind",
    "AgreementLLMError",
    "Article",
    "ArticleRecord",
    "Attempt",
    "BatchApiOptions",
    "BatchApiReport",
    "BatchOptions",
    "BatchResult",
    "BatchSummary",
    "ConfigError",
    "Endpoint",
    "Extraction",
    "ExtractionError",
    "Frames",
    "InputError",
    "Money",
    "PartialDate",
    "Party",
    "Person",
    "ResultCache",
    "ResultRow",
    "RetryPolicy",
    "Role",
    "Sector",
    "Status",
    "Usage",
    "aextract_many",
    "aextract_with_details",
    "batch_status",
    "collect_batch",
    "extract",
    "extract_many",
    "extract_with_details",
    "local_endpoint",
    "read_article",
    "read_articles",
    "read_results",
    "resolve_endpoint",
    "submit_batch",
    "to_frames",
]
__version__ = "0.1.0"
