"""Reading article files: an optional `SOURCE:`/`TITLE:` header, then the article text."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

from agreement_llm.errors import InputError

__all__ = [
    "ARTICLE_SUFFIXES",
    "Article",
    "html_to_text",
    "looks_like_html",
    "parse_article",
    "read_article",
    "read_articles",
]

ARTICLE_SUFFIXES = (".txt", ".html", ".htm")


@dataclass(frozen=True)
class Article:
    """An article: its id, its text, and the metadata its file carried."""

    article_id: str
    text: str
    source: str | None = None
    title: str | None = None


def parse_article(raw: str, article_id: str) -> Article:
    """Split a file's content into header metadata and the article text."""
    lines = raw.splitlines(keepends=True)
    meta: dict[str, str] = {}
    i = 0
    while i < len(lines) and i < 2:
        key, sep, value = lines[i].partition(":")
        if sep and key.strip().upper() in ("SOURCE", "TITLE"):
            meta[key.strip().upper()] = value.strip()
            i += 1
        else:
            break
    if meta and i < len(lines) and not lines[i].strip():
        i += 1
    text = "".join(lines[i:]) if meta else raw
    title = meta.get("TITLE")
    if title == "[no headline in retrieved text]":
        title = None
    return Article(article_id=article_id, text=text, source=meta.get("SOURCE"), title=title)


def read_article(path: str | Path) -> Article:
    """Read an article file as UTF-8; the id is the file's stem.

    An HTML page is read as its visible text (scripts, styles and markup dropped).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    data = p.read_bytes()
    if b"\x00" in data:
        raise InputError(f"{p}: binary file, not text")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    article = parse_article(raw, p.stem)
    if looks_like_html(article.text):
        text, title = html_to_text(article.text)
        if not text.strip():
            raise InputError(f"{p}: an HTML page with no visible text")
        return Article(p.stem, text, article.source, article.title or title)
    return article


def read_articles(*paths: str | Path) -> list[Article]:
    """Read article files and folders (every .txt, .html and .htm inside, sorted) in order.

    An article's id is its file's stem; files that share a stem are told apart by their path
    within the folder they were found in (`2024/report.txt`, `2025/report.txt`).
    """
    found: list[tuple[Path, str]] = []  # each file, and its name within its folder
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
            )
            if not inside:
                kinds = ", ".join(ARTICLE_SUFFIXES)
                raise InputError(f"{path}: no articles in this folder ({kinds})")
            found += [(p, p.relative_to(path).as_posix()) for p in inside]
        else:
            found.append((path, path.name))
    articles = [read_article(p) for p, _ in found]
    stems = Counter(a.article_id for a in articles)
    return [
        replace(a, article_id=name) if stems[a.article_id] > 1 else a
        for a, (_, name) in zip(articles, found, strict=True)
    ]


_SKIP = {"script", "style", "noscript", "template", "svg", "head"}
_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "title",
}
_HTML_START = re.compile(r"^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.I)


def looks_like_html(text: str) -> bool:
    """True when `text` starts like an HTML document."""
    return _HTML_START.match(text[:2000]) is not None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _SKIP:
            self._skip += 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIP and self._skip:
            self._skip -= 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data)


def html_to_text(page: str) -> tuple[str, str | None]:
    """The visible text of an HTML page, paragraphs on their own lines, and its <title>."""
    parser = _Text()
    parser.feed(page)
    parser.close()
    lines = [
        re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n")
    ]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    title = " ".join("".join(parser.title).split()) or None
    return text + "\n", title
