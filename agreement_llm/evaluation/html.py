"""report.html: one self-contained page (inline CSS and script, no network) rendered from
report.json's data: the matrix, per-field F1, comparisons, error classes, costs, the prompts,
and each article with gold and predicted spans side by side, filterable."""

from __future__ import annotations

import html
import json
from typing import Any

from agreement_llm.display import highlight
from agreement_llm.evaluation.analysis import ERROR_CLASSES, explain
from agreement_llm.evaluation.scoring import FIELDS
from agreement_llm.evaluation.suite import EvalRun
from agreement_llm.grounding import Match, ground

__all__ = ["render_html"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1500px}
h1{margin:0 0 .2em}.meta{color:#555;margin:0 0 1em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:3px 8px;
vertical-align:top}th{background:#f0f0f0;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ci{color:#666;font-size:.85em}.scroll{overflow-x:auto;max-width:100%}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.8em}
.article{white-space:pre-wrap;border:1px solid #ddd;padding:.8em;background:#fafafa;
font-size:.85em;max-height:26em;overflow:auto}
mark.exact{background:#c8f0c8}mark.fuzzy{background:#f5e6a8}mark.gold{background:#dbe6fd}
.tp{color:#176117}.fn{color:#b00020;font-weight:bold}.fp{color:#c05800;font-weight:bold}
.fpfn{color:#8a2be2;font-weight:bold}details{margin:.5em 0}summary{cursor:pointer}
details.art{border-top:1px solid #ddd;padding-top:.3em}
.legend span{margin-right:1em}.filters{background:#f4f4f8;padding:.6em;border-radius:4px}
.filters label{margin-right:1em}pre.raw{white-space:pre-wrap;background:#fff4f4;
border:1px solid #e0b0b0;padding:.6em;font-size:.8em;max-height:20em;overflow:auto}
pre.prompt{white-space:pre-wrap;background:#f7f7f7;padding:.6em;font-size:.8em}
.bad{background:#fde8e8}.good{background:#e6f6e6}
@media (max-width:900px){.pair{grid-template-columns:1fr}body{margin:.6em}}
"""

_SCRIPT = """
const arts=[...document.querySelectorAll('details.art')];
function apply(){
  const how=document.getElementById('filter').value;
  const a=document.getElementById('colA').value,b=document.getElementById('colB').value;
  let shown=0;
  for(const el of arts){
    const f1=JSON.parse(el.dataset.f1),failed=el.dataset.failed.split('|').filter(Boolean);
    const regressed=el.dataset.regressed.split('|').filter(Boolean);
    let on=true;
    if(how==='failures')on=failed.length>0;
    else if(how==='regressions')on=regressed.length>0;
    else if(how==='differences')on=Math.abs((f1[a]??0)-(f1[b]??0))>1e-9;
    el.hidden=!on;if(on)shown++;
  }
  document.getElementById('shown').textContent=shown+' of '+arts.length+' articles shown';
  location.hash='filter='+how+(how==='differences'?'&a='+encodeURIComponent(a)+'&b='+
    encodeURIComponent(b):'');
}
const p=new URLSearchParams(location.hash.slice(1));
if(p.get('filter'))document.getElementById('filter').value=p.get('filter');
if(p.get('a'))document.getElementById('colA').value=p.get('a');
if(p.get('b'))document.getElementById('colB').value=p.get('b');
for(const id of ['filter','colA','colB'])document.getElementById(id).onchange=apply;
apply();
"""
_LABEL = {"tp": "match", "fn": "missed", "fp": "false", "fp+fn": "wrong"}


def _e(value: object) -> str:
    return html.escape(str(value))


def _f1_cell(entry: dict[str, Any]) -> str:
    if not (entry["tp"] or entry["fp"] or entry["fn"]):
        return '<td class="num">-</td>'
    low, high = entry.get("f1_interval") or (0.0, 0.0)
    return (
        f'<td class="num" title="P {entry["precision"]:.2f} R {entry["recall"]:.2f}">'
        f'{entry["f1"]:.2f} <span class="ci">[{low:.2f}, {high:.2f}]</span></td>'
    )


def _usd(value: float | None) -> str:
    return "no price" if value is None else f"${value:.4f}"


def _matrix(data: dict[str, Any]) -> str:
    columns = {(c["model"], c["prompt"]): c for c in data["columns"]}
    prompts = list(data["prompts"])
    head = "".join(f"<th>{_e(m)}</th>" for m in data["models"])
    rows = []
    for p in prompts:
        cells = []
        for m in data["models"]:
            c = columns.get((m, p))
            if c is None:
                cells.append('<td class="ci">not recorded</td>')
                continue
            low, high = c["micro"]["f1_interval"] or (0.0, 0.0)
            cells.append(
                f'<td class="num">{c["micro"]["f1"]:.3f} <span class="ci">[{low:.2f}, '
                f'{high:.2f}]</span><br><span class="ci">{c["failed_extractions"]} failed, '
                f"{_usd(c['totals']['cost_usd'])}, {c['totals']['seconds']:.0f} s</span></td>"
            )
        rows.append(f"<tr><th>{_e(p)}</th>{''.join(cells)}</tr>")
    return f'<table id="matrix"><tr><th>version \\ model</th>{head}</tr>{"".join(rows)}</table>'


def _fields(data: dict[str, Any]) -> str:
    cols = data["columns"]
    head = "".join(f"<th>{_e(c['label'])}</th>" for c in cols)
    rows = [
        f"<tr><td>{name}</td>{''.join(_f1_cell(c['fields'][name]) for c in cols)}</tr>"
        for name in FIELDS
        if any(
            c["fields"][name]["tp"] + c["fields"][name]["fn"] + c["fields"][name]["fp"]
            for c in cols
        )
    ]
    rows.append(f"<tr><th>micro</th>{''.join(_f1_cell(c['micro']) for c in cols)}</tr>")
    macro = "".join(f'<td class="num">{c["macro_f1"]:.3f}</td>' for c in cols)
    det = "".join(f'<td class="num">{c["detection"]["f1"]:.2f}</td>' for c in cols)
    failed = "".join(f'<td class="num">{c["failed_extractions"]}</td>' for c in cols)
    rows.append(f"<tr><td>macro F1</td>{macro}</tr><tr><td>detection F1</td>{det}</tr>")
    rows.append(f"<tr><td>failed extractions</td>{failed}</tr>")
    return (
        f'<div class="scroll"><table id="fields"><tr><th>field</th>{head}</tr>'
        f"{''.join(rows)}</table></div>"
    )


def _comparisons(data: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{'version vs parent' if c['kind'] == 'parent' else 'model vs model'}</td>"
        f"<td>{_e(c['newer'])} &minus; {_e(c['older'])}</td>"
        f'<td class="num {"good" if c["low"] > 0 else "bad" if c["high"] < 0 else ""}">'
        f"{c['difference']:+.3f}</td>"
        f'<td class="num">{c["low"]:+.3f} to {c["high"]:+.3f}</td>'
        f'<td class="num">{c["share_worse"]:.1%}</td></tr>'
        for c in data["comparisons"]
    )
    if not rows:
        return "<p>No two columns to compare (a version's parent, or another model, not run).</p>"
    return (
        '<table id="comparisons"><tr><th>what</th><th>micro F1</th><th>difference</th>'
        "<th>95% paired bootstrap CI</th><th>newer worse in</th></tr>"
        f"{rows}</table>"
    )


def _errors(data: dict[str, Any]) -> str:
    cols = data["columns"]
    head = "".join(f"<th>{_e(c['label'])}</th>" for c in cols)
    rows = "".join(
        f'<tr><td title="{_e(explain(name))}">{name}</td>'
        + "".join(f'<td class="num">{c["errors"]["counts"][name]}</td>' for c in cols)
        + "</tr>"
        for name in ERROR_CLASSES
    )
    worst = "".join(
        "<td>"
        + "<br>".join(
            f'<a href="#a-{_e(w["article"])}">{_e(w["article"])}</a> F1 {w["f1"]:.2f}, '
            f"{w['errors']} errors"
            for w in c["errors"]["worst"]
        )
        + "</td>"
        for c in cols
    )
    return (
        f'<div class="scroll"><table id="errors"><tr><th>class</th>{head}</tr>{rows}'
        f"<tr><th>worst articles</th>{worst}</tr></table></div>"
    )


def _prompts(data: dict[str, Any]) -> str:
    parts = []
    for version, p in data["prompts"].items():
        m = p["manifest"]
        files = "".join(
            f'<h4>{_e(name)}</h4><pre class="prompt">{_e(text)}</pre>'
            for name, text in p["files"].items()
        )
        parts.append(
            f"<details><summary><b>{_e(version)}</b> ({_e(m['date'])}, parent "
            f"{_e(m['parent'] or 'none')}, sha256 {_e(p['sha256'][:12])}): "
            f"{_e(m['description'])}</summary><p>settings: <code>"
            f"{_e(json.dumps(m['settings']))}</code></p>{files}</details>"
        )
    return "".join(parts)


def _slot_table(slots: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{_e(s['field'] + ('.' + s['part'] if s.get('part') else ''))}</td>"
        f"<td>{_e(s['gold'] or '')}</td><td>{_e(s['pred'] or '')}</td>"
        f'<td class="{s["outcome"].replace("+", "")}">{_LABEL[s["outcome"]]}</td></tr>'
        for s in slots
        if s["outcome"] != "tp"
    )
    if not rows:
        return '<p class="tp">every slot matches gold</p>'
    return (
        "<table><tr><th>field</th><th>gold</th><th>predicted</th><th>outcome</th></tr>"
        f"{rows}</table>"
    )


def _parents(data: dict[str, Any]) -> dict[str, str]:
    """Each column's parent column (same model, the version's parent), where it was run."""
    labels = {c["label"] for c in data["columns"]}
    out: dict[str, str] = {}
    for c in data["columns"]:
        parent = data["prompts"][c["prompt"]]["manifest"]["parent"]
        if parent and f"{c['model']}/{parent}" in labels:
            out[c["label"]] = f"{c['model']}/{parent}"
    return out


def _article(run: EvalRun, data: dict[str, Any], article_id: str) -> str:
    text = run.articles[article_id].text
    gold = next(g for g in run.golds if g.article_id == article_id)
    cols = data["columns"]
    f1 = {c["label"]: c["articles"][article_id]["f1"] for c in cols}
    failed = [c["label"] for c in cols if c["articles"][article_id]["error"]]
    parents = _parents(data)
    regressed = [lab for lab, par in parents.items() if f1[lab] < f1[par] - 1e-9]
    gold_html = highlight(text, ground(gold.record, text).spans, "gold")
    summary = ", ".join(f"{_e(lab)} {value:.2f}" for lab, value in f1.items())
    parts = [
        f'<details class="art" id="a-{_e(article_id)}" data-f1="{_e(json.dumps(f1))}" '
        f'data-failed="{_e("|".join(failed))}" data-regressed="{_e("|".join(regressed))}">'
        f"<summary><b>{_e(article_id)}</b> — F1 {summary}"
        + (f' <span class="fn">failed: {_e(", ".join(failed))}</span>' if failed else "")
        + (
            f' <span class="fp">worse than parent: {_e(", ".join(regressed))}</span>'
            if regressed
            else ""
        )
        + "</summary>"
    ]
    for vrun, c in zip(run.versions, cols, strict=True):
        art = c["articles"][article_id]
        result = vrun.result(article_id)
        cost = "" if art["cost_usd"] is None else f", {_usd(art['cost_usd'])}"
        seconds = art["recorded_latency_s"]
        parts.append(
            f'<h4>{_e(c["label"])}: F1 {art["f1"]:.2f} <span class="ci">'
            f"{art['prompt_tokens']}/{art['completion_tokens']} tokens, "
            f"{'-' if seconds is None else f'{seconds:.1f}'} s{cost}</span></h4>"
        )
        if result.extraction is not None:
            spans = result.extraction.grounding.spans
            missing = [s for s in spans if s.status is Match.not_found]
            predicted = f'<div class="article">{highlight(text, spans)}</div>'
            if missing:
                predicted += (
                    "<p>Predicted values not in the article: "
                    + "; ".join(f"<code>{_e(s.path)}</code> = {_e(s.value)}" for s in missing)
                    + "</p>"
                )
        else:
            raw = "\n---\n".join(r or "(no output)" for r in art["raw_output"] or [])
            predicted = (
                f'<p class="fn">{_e(art["error"])}</p><p>Raw model output, attempt by '
                f'attempt:</p><pre class="raw">{_e(raw or "(no output)")}</pre>'
            )
        parts.append(
            f'<div class="pair"><div><b>gold</b><div class="article">{gold_html}</div></div>'
            f"<div><b>{_e(c['label'])}</b>{predicted}</div></div>{_slot_table(art['slots'])}"
        )
    parts.append("</details>")
    return "".join(parts)


def _filters(data: dict[str, Any]) -> str:
    options = "".join(f"<option>{_e(c['label'])}</option>" for c in data["columns"])
    last = data["columns"][-1]["label"] if data["columns"] else ""
    options_b = options.replace(
        f"<option>{_e(last)}</option>", f"<option selected>{_e(last)}</option>"
    )
    return (
        '<div class="filters"><label>show <select id="filter">'
        '<option value="all">all articles</option>'
        '<option value="failures">failed extractions</option>'
        '<option value="regressions">worse than the parent version</option>'
        '<option value="differences">F1 differs between two columns</option></select></label>'
        f'<label>column A <select id="colA">{options}</select></label>'
        f'<label>column B <select id="colB">{options_b}</select></label>'
        '<span id="shown"></span></div>'
    )


def render_html(run: EvalRun, data: dict[str, Any]) -> str:
    """The self-contained HTML report."""
    articles = "".join(_article(run, data, g.article_id) for g in run.golds)
    legend = (
        '<p class="legend"><span><mark class="gold">gold value</mark></span>'
        '<span><mark class="exact">predicted, found exactly</mark></span>'
        '<span><mark class="fuzzy">predicted, found fuzzily</mark></span>'
        '<span class="fn">missed</span><span class="fp">false</span>'
        '<span class="fpfn">wrong</span></p>'
    )
    unrecorded = (
        "<p>Not recorded: " + ", ".join(f"{_e(m)}/{_e(v)}" for m, v in data["unrecorded"]) + "</p>"
        if data["unrecorded"]
        else ""
    )
    total = data["total_cost_usd"]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>agreement-llm eval: {_e(', '.join(data['models']))}</title>"
        f"<style>{_CSS}</style></head><body><h1>agreement-llm eval</h1>"
        f'<p class="meta">Run {_e(data["run_at"])} with agreement-llm '
        f"{_e(data['library_version'])}; {len(run.golds)} gold articles; models "
        f"{_e(', '.join(data['models']))}; estimated cost in total {_usd(total)}.</p>"
        f"<h2>Versions &times; models (micro F1)</h2>{_matrix(data)}{unrecorded}"
        f"<h2>F1 per field</h2>{_fields(data)}<h2>Comparisons</h2>{_comparisons(data)}"
        f"<h2>Errors by class</h2>{_errors(data)}<h2>Prompt versions</h2>{_prompts(data)}"
        f"<h2>Articles</h2>{_filters(data)}{legend}{articles}"
        f"<script>{_SCRIPT}</script></body></html>"
    )
