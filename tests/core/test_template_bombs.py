"""Template bombs: each is refused before it builds its text, naming the template.

Measured with tracemalloc, not timed: a bomb that is built and then measured
costs hundreds of megabytes (the indent bomb took 2 GB and 14 s before the
filters bounded their own output); a refusal inside the filter costs almost
nothing. The figures are printed (`pytest -s`) for the record.
"""

import time
import tracemalloc

import pytest

from commander_app.core.templates import TemplateError, render

PEAK_LIMIT = 8 * 1024 * 1024  # bytes: a refused template never builds its text

BOMBS = {
    "indent": "{{ ('a\\n' * 9999) | indent(100000, true) }}",
    "indent by text": "{{ ('a\\n' * 9999) | indent('x' * 9999) }}",
    "string repeat": "{{ 'a' * 10**7 }}",
    "center": "{{ 'a' | center(99999) }}",
    "nested loops": "{% for i in range(1000) %}{% for j in range(1000) %}x{% endfor %}{% endfor %}",
    "printf padding": "{{ '%9999999s' % 'a' }}",
    "printf padding, many": "{{ ('%99999s' * 999) | format(*range(999)) }}",
    "format padding": "{{ '{:>99999999}'.format('a') }}",
    "format padding, many": "{{ ('{0:{1}}' * 3000).format('a', 99999) }}",
    "join of a repeated list": "{{ (['a' * 19999] * 19999) | join }}",
    "join with a long separator": "{{ ('a' * 19999).join('b' * 19999) }}",
    "join by attribute": "{{ ([{'a': 'x' * 19999}] * 19999) | join(attribute='a') }}",
    "expandtabs": "{{ ('\\t' * 9999).expandtabs(99999) }}",
    "replace": "{{ ('a' * 19999) | replace('a', 'b' * 9999) }}",
    "wordwrap with a long break": "{{ ('a ' * 9999) | wordwrap(1, wrapstring='x' * 19999) }}",
    "tojson indent": "{{ range(1000) | list | tojson(indent=99999) }}",
    "translate": "{{ ('a' * 19999).translate({97: 'x' * 19999}) }}",
    "sum of lists": "{{ ([['a'] * 19999] * 19999) | sum(start=[]) | length }}",
    "urlize target": "{{ ('http://a.b ' * 1999) | urlize(target='x' * 19999) }}",
}


@pytest.mark.parametrize("source", BOMBS.values(), ids=BOMBS.keys())
def test_a_template_bomb_is_refused_before_it_builds_its_text(source: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(TemplateError) as caught:
            render(source, {}, name="bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    took = time.perf_counter() - started
    print(f"\n{source[:60]:60} peak {peak / 1e6:6.2f} MB in {took * 1000:6.0f} ms")
    message = str(caught.value)
    assert "'bomb'" in message
    assert "which templates may not do" in message
    assert peak < PEAK_LIMIT, f"the bomb reached {peak / 1e6:.0f} MB before being refused"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ ('a\\n' * 3) | indent(2, true) }}", "  a\n  a\n  a\n"),
        ("{{ 'ab' | center(6) }}", "  ab\n"),
        ("{{ ['a', 'b'] | join(', ') }}", "a, b\n"),
        ("{{ ('a b c') | wordwrap(1) }}", "a\nb\nc\n"),
        ("{{ '%5s|' % 'a' }}", "    a|\n"),
        ("{{ '{:>5}|'.format('a') }}", "    a|\n"),
        ("{{ [1, 2] | sum }}", "3\n"),
        ("{{ 'x'.join(['a', 'b']) }}", "axb\n"),
    ],
)
def test_the_guarded_filters_still_do_their_work(source: str, expected: str) -> None:
    assert render(source, {}, name="fine").body == expected
