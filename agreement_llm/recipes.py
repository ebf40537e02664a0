"""Recipes: how a prompt version obtains a record from the model.

- `single`: one call whose answer is the whole `ArticleRecord` (versions v1 and v2).
- `stepwise`: small calls with small schemas (the agreements, then the people at the
  signing), each sent as the same system prompt and article followed by a one-line cue, so a
  server that keeps the longest common prefix (llama.cpp) processes the instructions once per
  server and the article once per article. The record is then assembled in code by the spec's
  rules (`agreement_llm.assembly`).
"""

from __future__ import annotations

from typing import Any

import openai

from agreement_llm import documents, rules
from agreement_llm.assembly import assemble
from agreement_llm.config import Endpoint
from agreement_llm.errors import InputError
from agreement_llm.examples import choose, render
from agreement_llm.llm import Attempt, BeforeRequest, call_model
from agreement_llm.models import (
    ArticleRecord,
)
from agreement_llm.persons import people_as_parties
from agreement_llm.prompts import Prompt, Step
from agreement_llm.retry import RetryPolicy
from agreement_llm.steps import (
    STEP_MODELS,
    AgreementsAnswer,
    PeopleAnswer,
    SignsForAnswer,
)

__all__ = ["run_stepwise", "unreported"]


def unreported(
    text: str,
    answer: AgreementsAnswer,
    one_by_one: bool = False,
    named: bool = False,
    whole: bool = False,
    earlier: bool = False,
) -> list[str]:
    """The article's sentences that report several documents (`rules.several_documents`) and
    that none of the answer's agreements came from: where a small model lists one agreement
    of a forum's or a list's many. With `one_by_one`, in an article that reports several
    documents, also the sentences that tell one of them (`rules.one_document_signed`). With
    `named`, also a sentence that signs a document it names with parties none of the answer's
    agreements has (`documents.names_new_parties`: "the Agreement among A, B and C"). With
    `whole`, sentences are not cut at abbreviations (`rules.sentences(past_abbreviations=)`).
    With `earlier`, also a sentence that tells of a document signed before the article's event
    (`documents.earlier_document`: "since the signing of the preceding round of ... agreement")."""
    sentences = rules.sentences(text, past_abbreviations=whole)
    candidates = [s for s in sentences if rules.names_a_document(s)]
    reported = {
        rules.best_sentence(
            [
                *(p.name for p in a.parties),
                *(p.short_name or "" for p in a.parties),
                a.title or "",
                a.evidence,
            ],
            candidates,
        )
        for a in answer.agreements
    }
    many = one_by_one and any(rules.several_documents(s) for s in candidates)
    known = [n for a in answer.agreements for p in a.parties for n in (p.name, p.short_name) if n]
    return [
        s
        for s in candidates
        if s not in reported
        and (
            rules.several_documents(s)
            or (many and rules.one_document_signed(s))
            or (named and documents.names_new_parties(s, known))
            or (earlier and documents.earlier_document(s))
        )
    ]


async def run_stepwise(
    text: str,
    *,
    client: openai.OpenAI | openai.AsyncOpenAI,
    endpoint: Endpoint,
    prompt: Prompt,
    policy: RetryPolicy,
    before_request: BeforeRequest | None = None,
) -> tuple[ArticleRecord, list[Attempt], list[str]]:
    """Run a stepwise prompt version's steps in order and assemble the record; return it with
    every attempt of every step and the notes of the rules. The people step is skipped when
    the model found no agreement. Raises `ExtractionError` (with all attempts) like one call."""
    attempts: list[Attempt] = []
    agreements = AgreementsAnswer(agreements=[])
    people: PeopleAnswer | None = None
    asked: list[str] = []  # the sentences the `sentences` step asked about
    signs_for: SignsForAnswer | None = None

    async def ask(step: Step) -> Any:
        messages = prompt.render(text, system_in_user=endpoint.system_in_user, step=step)
        answer, _ = await call_model(
            messages,
            STEP_MODELS[step.name],
            client=client,
            endpoint=endpoint,
            prompt=prompt,
            policy=policy,
            max_tokens=step.max_tokens,
            step=step.name,
            attempts=attempts,
            before_request=before_request,
        )
        return answer

    for n, step in enumerate(prompt.manifest.steps):
        if step.name == "people" and not agreements.agreements:
            continue
        if step.name == "sentences":  # step 1 again for each sentence of several documents
            one_by_one = "documents_one_by_one" in prompt.manifest.rules
            named = "documents_named_with_parties" in prompt.manifest.rules
            whole = "sentences_past_abbreviations" in prompt.manifest.rules
            before = "earlier_documents" in prompt.manifest.rules
            for sentence in unreported(text, agreements, one_by_one, named, whole, before):
                cue = step.cue.replace("{sentence}", sentence)
                more: AgreementsAnswer = await ask(step.model_copy(update={"cue": cue}))
                said = [a.model_copy(update={"evidence": sentence}) for a in more.agreements]
                agreements = AgreementsAnswer(agreements=[*agreements.agreements, *said])
                asked.append(sentence)
            continue
        if n == 0 and prompt.manifest.examples:  # worked examples open the first step's cue
            if not prompt.examples:
                raise InputError(
                    f"prompt version {prompt.id} asks for worked examples and has none: "
                    f"agreement-llm prompts examples {prompt.id}"
                )
            shown = render(choose(prompt.examples, text, prompt.manifest.examples))
            step = step.model_copy(update={"cue": shown + step.cue})
        if step.name == "signs_for":  # the people written as parties: whom they sign for
            persons = people_as_parties(agreements, people, text, prompt.manifest.rules)
            if persons:
                cue = step.cue.replace("{people}", "; ".join(persons))
                signs_for = await ask(step.model_copy(update={"cue": cue}))
            continue
        answer = await ask(step)
        if isinstance(answer, AgreementsAnswer):
            agreements = answer
        elif isinstance(answer, PeopleAnswer):
            people = answer
    record, notes = assemble(agreements, people, text, prompt.manifest.rules, asked, signs_for)
    return record, attempts, notes
