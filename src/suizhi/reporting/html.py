"""HTML building blocks of the reports: a page, an escaped table, links, an ECharts chart."""
from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

ASSETS = Path(__file__).parent / "assets"
ECHARTS = "echarts.min.js"
STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.5; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 2px solid #1f5fa8; padding-bottom: .3em; }
h2 { font-size: 1.25em; margin-top: 1.6em; color: #1f5fa8; }
table { border-collapse: collapse; margin: .8em 0; font-size: .92em; }
th, td { border: 1px solid #c8ccd2; padding: .3em .6em; text-align: left; }
th { background: #eef2f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.chart { width: 100%; height: 360px; margin: 1em 0; }
.note { color: #555; font-size: .9em; }
section.drill { border-top: 1px solid #c8ccd2; margin-top: 1.5em; }
details { margin: .3em 0; }
:target { background: #fff8d6; }
"""


def install_assets(directory: Path) -> str:
    """Copy ECharts into `directory`/assets once; returns the path a page beside it uses."""
    target = Path(directory) / "assets"
    target.mkdir(parents=True, exist_ok=True)
    for name in (ECHARTS, "echarts.LICENSE", "echarts.NOTICE"):
        if (ASSETS / name).exists() and not (target / name).exists():
            shutil.copyfile(ASSETS / name, target / name)
    return f"assets/{ECHARTS}"


def page(title: str, body: str, script: str = f"assets/{ECHARTS}", lang: str = "zh-CN") -> str:
    """A complete HTML document; `script` is the ECharts path relative to the page."""
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n"
            f'<script src="{html.escape(script)}"></script>\n</head>\n<body>\n'
            f"<h1>{html.escape(title)}</h1>\n{body}\n</body>\n</html>\n")


class Markup(str):
    """HTML already escaped (a link, say): table() puts it into its cell as it is."""


def link(href: str, text: str, anchor_id: str | None = None) -> Markup:
    """An <a> with its href and text escaped; anchor_id names it, so a link elsewhere can lead back to it."""
    named = f' id="{html.escape(anchor_id)}"' if anchor_id else ""
    return Markup(f'<a{named} href="{html.escape(href)}">{html.escape(text)}</a>')


def _cell(value) -> str:
    if isinstance(value, Markup):
        return f"<td>{value}</td>"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
        return f'<td class="num">{text}</td>'
    return f"<td>{html.escape('' if value is None else str(value))}</td>"


def table(headers: list[str], rows: list[list]) -> str:
    """An HTML table; every value but Markup is escaped, numbers are right-aligned."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def chart(chart_id: str, option: dict, height: int = 360) -> str:
    """A div and the script that draws an ECharts `option` in it (renderer: SVG)."""
    data = json.dumps(option, ensure_ascii=False).replace("</", "<\\/")
    return (f'<div id="{html.escape(chart_id)}" class="chart" style="height:{height}px"></div>\n'
            f"<script>echarts.init(document.getElementById({json.dumps(chart_id)}), null, "
            f"{{renderer: 'svg'}}).setOption({data});</script>")


def _series_chart(kind: str, chart_id: str, title: str, categories: list[str],
                  series: dict[str, list], unit: str = "", stacked: bool = False) -> str:
    option = {
        "title": {"text": title, "left": "center"},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 28, "type": "scroll"},
        "grid": {"top": 70, "left": 60, "right": 30, "bottom": 40},
        "xAxis": {"type": "category", "data": categories},
        "yAxis": {"type": "value", "name": unit},
        "series": [{"name": name, "type": kind, "data": values, **({"stack": "total"} if stacked else {})}
                   for name, values in series.items()],
    }
    return chart(chart_id, option)


def bar_chart(chart_id: str, title: str, categories: list[str], series: dict[str, list],
              unit: str = "", stacked: bool = False) -> str:
    """Bars per category, one series per key of `series`."""
    return _series_chart("bar", chart_id, title, categories, series, unit, stacked)


def line_chart(chart_id: str, title: str, categories: list[str], series: dict[str, list], unit: str = "") -> str:
    """A line per key of `series` over the categories (periods, usually)."""
    return _series_chart("line", chart_id, title, categories, series, unit)
