"""agreement-llm: news articles about agreements between organizations in, validated and
source-grounded records out.

    from agreement_llm import extract
    record = extract(article_text)
"""

from agreement_llm.config import Endpoint, resolve_endpoint
from agreement_llm.errors import AgreementLLMError, ExtractionError, InputError
from agreement_llm.extract import Extraction, extract, extract_with_details
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
    "extract",
    "extract_with_details",
    "resolve_endpoint",
]
__version__ = "0.1.0"
