"""agreement-llm: news articles about agreements between organizations in, validated and
source-grounded records out.

    from agreement_llm import extract
    record = extract(article_text)

Many articles: `extract_many` (and `aextract_many`); the trace of one: `extract_with_details`.
"""

from agreement_llm.batch import BatchOptions, BatchResult, aextract_many, extract_many
from agreement_llm.config import Endpoint, resolve_endpoint
from agreement_llm.errors import AgreementLLMError, ExtractionError, InputError
from agreement_llm.extract import (
    Extraction,
    aextract_with_details,
    extract,
    extract_with_details,
)
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
from agreement_llm.retry import RetryPolicy

__all__ = [
    "Agreement",
    "AgreementKind",
    "AgreementLLMError",
    "ArticleRecord",
    "BatchOptions",
    "BatchResult",
    "Endpoint",
    "Extraction",
    "ExtractionError",
    "InputError",
    "Money",
    "PartialDate",
    "Party",
    "Person",
    "RetryPolicy",
    "Role",
    "Sector",
    "Status",
    "aextract_many",
    "aextract_with_details",
    "extract",
    "extract_many",
    "extract_with_details",
    "resolve_endpoint",
]
__version__ = "0.1.0"
