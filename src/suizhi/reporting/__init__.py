"""What every HTML report shares: the page, tables, and charts drawn by Apache ECharts.

ECharts 5.6.0 (Apache-2.0, assets/) is copied beside the reports, so a report opens from
disk in any browser with no network, and Chinese labels use the reader's own fonts.
"""
from suizhi.reporting.html import Markup, bar_chart, chart, install_assets, line_chart, link, page, table

__all__ = ["Markup", "bar_chart", "chart", "install_assets", "line_chart", "link", "page", "table"]
