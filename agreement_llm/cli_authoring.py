"""The authoring commands: `prompts` (list, new, default, pin, examples) and `gold` (new,
check)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import click

from agreement_llm.cli_support import gold_paths, project_path, user_errors
from agreement_llm.prompts import (
    default_version,
    list_prompts,
    load_prompt,
    new_version,
    pin_versions,
    set_default_version,
    write_examples,
)

__all__ = ["gold_group", "prompts_group"]


@click.group("prompts", invoke_without_command=True)
@click.pass_context
def prompts_group(ctx: click.Context) -> None:
    """List the prompt versions, oldest first (the default is marked); or a subcommand."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(prompts_list_cmd)


@prompts_group.command("list")
def prompts_list_cmd() -> None:
    """List the prompt versions: id, date, hash, description, parent; the default is marked."""
    with user_errors():
        default = load_prompt().id
        for p in list_prompts():
            m = p.manifest
            parent = f" (from {m.parent})" if m.parent else ""
            mark = "\tdefault" if m.id == default else ""
            click.echo(f"{m.id}\t{m.date}\t{p.sha256[:12]}\t{m.description}{parent}{mark}")


@prompts_group.command("new")
@click.argument("version")
@click.option("--from", "parent", required=True, help="The version to start from.")
@click.option("-m", "--message", required=True, help="Why: the new version's description.")
def prompts_new_cmd(version: str, parent: str, message: str) -> None:
    """Scaffold VERSION from a parent: its files copied, parent and date set."""
    with user_errors():
        folder = new_version(version, parent, message)
    click.echo(f"created {folder} from {parent}; edit it, then record it with:")
    click.echo(f"  agreement-llm eval --model MODEL --prompts {version} --record")


@prompts_group.command("examples")
@click.argument("version")
@click.option("--most", default=4, show_default=True, help="Agreements shown per example.")
@gold_paths
def prompts_examples_cmd(version: str, most: int, gold_dir: Path, articles_dir: Path) -> None:
    """Write VERSION's worked examples (`examples.json`) from every gold file with an agreement
    (an article is never its own example). Refused for a recorded (pinned) version."""
    from agreement_llm.articles import read_article
    from agreement_llm.examples import Example, text_key, words_of
    from agreement_llm.steps import example_answer

    with user_errors():
        from agreement_llm.evaluation.gold import load_gold

        examples = []
        for path in sorted(gold_dir.glob("*.json")):
            gold = load_gold(path)
            if not gold.record.agreements:
                continue
            text = read_article(articles_dir / f"{gold.article_id}.txt").text
            examples.append(
                Example(
                    article_id=gold.article_id,
                    text_sha256=text_key(text),
                    words=words_of(text),
                    answer=example_answer(gold.record, most),
                )
            )
        target = write_examples(version, examples)
    click.echo(f"wrote {len(examples)} examples to {target}")


@prompts_group.command("default")
@click.argument("version", required=False)
def prompts_default_cmd(version: str | None) -> None:
    """Show the version `extract` uses by default, or make VERSION the default."""
    with user_errors():
        if version is not None:
            set_default_version(version)
            click.echo(f"default prompt version: {version}")
            return
        prompt = load_prompt()
        how = "prompts/DEFAULT" if default_version() else "the newest; no prompts/DEFAULT"
        click.echo(f"{prompt.id}\t({how})")


@prompts_group.command("pin")
@click.argument("versions", nargs=-1)
@click.option(
    "--cassettes",
    type=click.Path(path_type=Path),
    default=lambda: project_path("cassettes"),
    show_default="cassettes",
)
def prompts_pin_cmd(versions: tuple[str, ...], cassettes: Path) -> None:
    """Pin the hash of VERSIONS (default: every version with cassettes) in prompts/PINNED.json."""
    with user_errors():
        chosen = list(versions)
        if not chosen:
            from agreement_llm.evaluation.suite import recorded_models, recorded_prompts

            found = {v for m in recorded_models(cassettes) for v in recorded_prompts(cassettes, m)}
            chosen = [p.id for p in list_prompts() if p.id in found]
        pins = pin_versions(chosen)
    for version in chosen:
        click.echo(f"pinned {version} {pins[version][:12]}")


@click.group("gold")
def gold_group() -> None:
    """Work with the gold set."""


@gold_group.command("new")
@click.argument("article", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--from",
    "results",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="A results.jsonl whose record of this article pre-fills the skeleton.",
)
@gold_paths
def gold_new_cmd(article: Path, results: Path | None, gold_dir: Path, articles_dir: Path) -> None:
    """Write a gold skeleton for ARTICLE (every field written out) for a person to correct."""
    from agreement_llm.articles import read_article
    from agreement_llm.models import ArticleRecord
    from agreement_llm.results import read_results

    with user_errors():
        text = read_article(article)
        record, origin = ArticleRecord(), "empty"
        if results is not None:
            rows = [r for r in read_results(results) if r.article_id == text.article_id]
            ok = [r for r in rows if r.extraction is not None]
            if not ok:
                raise click.ClickException(
                    f"{results}: no extracted record of article {text.article_id!r}"
                )
            assert ok[-1].extraction is not None
            record = ok[-1].extraction.record
            origin = f"pre-filled from {ok[-1].model} with prompt {ok[-1].prompt_version}"
    target = gold_dir / f"{text.article_id}.json"
    if target.exists():
        raise click.ClickException(f"{target} exists already; edit it instead")
    copy = articles_dir / article.name
    if not copy.exists():
        articles_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(article, copy)
        click.echo(f"copied the article to {copy}")
    gold_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "article_id": text.article_id,
        "record": record.model_dump(mode="json"),
        "notes": f"TODO: correct every field against the article ({origin}).",
    }
    target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(f"wrote {target} ({origin}); correct it, then run: agreement-llm gold check")


@gold_group.command("check")
@gold_paths
def gold_check_cmd(gold_dir: Path, articles_dir: Path) -> None:
    """Check every gold file: valid, explicit, grounded in its article. Exit 1 on problems."""
    with user_errors():
        from agreement_llm.evaluation.gold import check_gold_dir, gold_stats, load_gold

    files, problems = check_gold_dir(gold_dir, articles_dir)
    for problem in problems:
        click.echo(str(problem))
    bad = {p.file for p in problems}
    golds = [load_gold(f) for f in files if f.name not in bad]
    stats = gold_stats(golds)
    people = ", ".join(f"{n} {role}" for role, n in stats["people"].items()) or "none"
    click.echo(
        f"{stats['articles']} articles, {stats['agreements']} agreements, "
        f"{stats['parties']} parties, people: {people}; {stats['slots']} slots"
    )
    if problems:
        click.echo(f"{len(problems)} problems in {len(bad)} files", err=True)
        sys.exit(1)
    if not files:
        raise click.ClickException(f"no gold files in {gold_dir}")
    click.echo(f"{len(files)} gold files OK")
