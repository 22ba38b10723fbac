"""reports/<year>/evaluation.md: the 自评表 and its deviation analysis as a Markdown summary."""
from __future__ import annotations

from pathlib import Path

from suizhi.evaluation.html_report import TEXT, budget_line, total_line
from suizhi.evaluation.render import narrative


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render_markdown(data: dict) -> str:
    lang = data.get("lang", "zh")
    t, text = TEXT[lang], narrative(data, lang)
    out = [f"# {t['title'].format(year=data['year'])}", "", data["project"]["name"], "",
           f"## {t['table']}", "", "| " + " | ".join(t["headers"]) + " |", "|" + "---|" * len(t["headers"])]
    for r in data["indicators"]:
        score = f"{r['score']:.2f}" if r["score"] is not None else t["not_measured"]
        cells = [r["level1"], r["level2"], r["name"], r["target_text"], r["actual_text"], r["weight"], score,
                 r["deviation_text"]]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    out += ["", budget_line(data, t), "", f"**{total_line(data, t)}**", ""]
    for key in ("achieved", "problems", "fixes"):
        out += [f"## {t[key]}", "", text[key], ""]
    if data.get("read"):
        out += [f"## {t['read']}", ""] + [f"- `{name}` v{version}" for name, version in data["read"].items()] + [""]
    return "\n".join(out)


def write_markdown(data: dict, out_dir: Path) -> Path:
    path = Path(out_dir) / "evaluation.md"
    path.write_text(render_markdown(data), encoding="utf-8")
    return path
