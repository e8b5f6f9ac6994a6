"""The postmortem as one self-contained HTML page (for a wiki paste or an email), made
from its Markdown by a CommonMark parser. Raw HTML in what people wrote is shown as
text, never run: a postmortem is pasted where others read it."""

from __future__ import annotations

from html import escape

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 52rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1d1d1f; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
     border-bottom: 1px solid #d0d0d5; } h3 { font-size: 1.05rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border: 1px solid #d0d0d5; padding: 0.3rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #f2f2f5; } blockquote { border-left: 4px solid #c47f00; margin: 0;
     padding: 0.2rem 1rem; background: #fff8e6; }
em { color: #55555a; }
"""


def render_html(markdown: str, title: str) -> str:
    return html_page(title, markdown_body(markdown))


def markdown_body(markdown: str) -> str:
    """Markdown as HTML, with any raw HTML in it shown as text."""
    from markdown_it import MarkdownIt  # loaded on the first export, not at start-up

    return str(MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown))


def html_page(title: str, body: str, *, extra_style: str = "") -> str:
    """A whole page around `body`, its style inline: it needs nothing from elsewhere."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}{extra_style}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )
