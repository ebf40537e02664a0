"""Reading article files: an optional `SOURCE:`/`TITLE:` header, then the article text."""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

from agreement_llm.errors import InputError

__all__ = [
    "ARTICLE_SUFFIXES",
    "Article",
    "ArticleScan",
    "UnreadableArticle",
    "html_to_text",
    "looks_like_html",
    "parse_article",
    "read_article",
    "read_articles",
    "scan_articles",
    "text_sha256",
]

ARTICLE_SUFFIXES = (".txt", ".html", ".htm")


def text_sha256(text: str) -> str:
    """The hash that identifies an article's text in results and caches."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


@dataclass(frozen=True)
class UnreadableArticle:
    """An article file that could not be read: a batch writes its error row and goes on."""

    article_id: str
    path: Path
    problem: str
    sha256: str


@dataclass(frozen=True)
class ArticleScan:
    """What `scan_articles` found: the articles, and the files that could not be read."""

    articles: list[Article]
    unreadable: list[UnreadableArticle]

    @property
    def summary(self) -> str:
        """One line listing the files that could not be read ("" when none)."""
        if not self.unreadable:
            return ""
        names = "; ".join(u.problem for u in self.unreadable)
        n = len(self.unreadable)
        return f"{n} file{'s' if n != 1 else ''} could not be read: {names}"


_BOMS = (  # UTF-32 first: its little-endian BOM begins with UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _decode(p: Path, data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(f"{p}: not {codec.upper()} text (byte {exc.start})") from None
    if b"\x00" in data:
        raise InputError(f"{p}: binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text (byte {exc.start})") from None


def read_article(path: str | Path) -> Article:
    """Read an article file (UTF-8, or UTF-16/UTF-32 with a byte-order mark); the id is the
    file's stem.

    An HTML page is read as its visible text (scripts, styles and markup dropped).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    raw = _decode(p, p.read_bytes())
    article = parse_article(raw, p.stem)
    if looks_like_html(article.text):
        text, title = html_to_text(article.text)
        if not text.strip():
            raise InputError(f"{p}: an HTML page with no visible text")
        return Article(p.stem, text, article.source, article.title or title)
    return article


def _walk(folder: Path) -> list[Path]:
    """The article files under `folder`, following symlinked folders but never one already
    visited (a link back up would loop)."""
    seen: set[tuple[int, int]] = set()
    found: list[Path] = []
    for here, dirs, files in os.walk(folder, followlinks=True):
        info = os.stat(here)
        if (info.st_dev, info.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs.sort()
        found += [Path(here, f) for f in files if Path(f).suffix.lower() in ARTICLE_SUFFIXES]
    return sorted(p for p in found if p.is_file())


def scan_articles(*paths: str | Path) -> ArticleScan:
    """Read article files and folders (every .txt, .html and .htm inside, sorted, symlinked
    folders followed) in order; a file that cannot be read is listed, not a stop.

    An article's id is its file's stem; files that share a stem are told apart by their path
    within the folder they were found in (`2024/report.txt`, `2025/report.txt`).
    """
    found: list[tuple[Path, str]] = []  # each file, and its name within its folder
    for path in map(Path, paths):
        if path.is_dir():
            inside = _walk(path)
            if not inside:
                kinds = ", ".join(ARTICLE_SUFFIXES)
                raise InputError(f"{path}: no articles in this folder ({kinds})")
            found += [(p, p.relative_to(path).as_posix()) for p in inside]
        else:
            found.append((path, path.name))
    read: list[Article | UnreadableArticle] = []
    for p, _ in found:
        try:
            read.append(read_article(p))
        except InputError as exc:
            data = p.read_bytes() if p.is_file() else b""
            sha = hashlib.sha256(data).hexdigest()
            read.append(UnreadableArticle(p.stem, p, str(exc), sha))
    stems = Counter(a.article_id for a in read)
    named = [
        replace(a, article_id=name) if stems[a.article_id] > 1 else a
        for a, (_, name) in zip(read, found, strict=True)
    ]
    return ArticleScan(
        [a for a in named if isinstance(a, Article)],
        [a for a in named if isinstance(a, UnreadableArticle)],
    )


def read_articles(*paths: str | Path) -> list[Article]:
    """`scan_articles`' articles; `InputError` listing every file that could not be read."""
    scan = scan_articles(*paths)
    if scan.unreadable:
        raise InputError(scan.summary)
    return scan.articles


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
