"""Template rendering: what a template may do, and how it says what went wrong."""

import time

import pytest

from commander_app.core.errors import ValidationError
from commander_app.core.template_sandbox import MAX_OUTPUT, MAX_RANGE
from commander_app.core.templates import RenderedUpdate, TemplateError, render

CONTEXT = {
    "title": "Checkout failing",
    "severity": "SEV1",
    "workaround": None,
    "affected_services": ["checkout", "payments"],
}


def refused(source: str) -> TemplateError:
    """Render a template that must be refused, quickly, with a one-line message."""
    started = time.perf_counter()
    with pytest.raises(TemplateError) as caught:
        render(source, CONTEXT, name="mine")
    assert time.perf_counter() - started < 5, "a refused template must not run for long"
    assert "\n" not in str(caught.value)
    assert "'mine'" in str(caught.value)
    return caught.value


def test_placeholders_are_filled_and_the_subject_line_is_split_off() -> None:
    source = (
        "Subject: [{{ severity }}] {{ title }}\n"
        "\n"
        "{{ title }} affects {{ affected_services | join(', ') }}.\n"
        "{% if workaround %}\n"
        "Workaround: {{ workaround }}\n"
        "{% endif %}\n"
        "\n"
        "\n"
        "Next update soon.\n"
    )
    assert render(source, CONTEXT, name="mine") == RenderedUpdate(
        "[SEV1] Checkout failing",
        "Checkout failing affects checkout, payments.\n\nNext update soon.\n",
    )


def test_without_a_subject_line_the_whole_text_is_the_body() -> None:
    rendered = render("Hello {{ title }}", CONTEXT, name="mine")
    assert rendered == RenderedUpdate(None, "Hello Checkout failing\n")


def test_a_line_ending_in_a_block_tag_keeps_its_line_break() -> None:
    source = "Status: {% if workaround %}worked around{% else %}down{% endif %}\nNext line\n"
    assert render(source, CONTEXT, name="mine").body == "Status: down\nNext line\n"


def test_the_sentence_filter_ends_free_text_with_one_full_stop() -> None:
    source = "{{ 'Pay with PayPal.' | sentence }} {{ 'Retry later' | sentence }}"
    assert render(source, CONTEXT, name="mine").body == "Pay with PayPal. Retry later.\n"


def test_a_missing_placeholder_names_itself_its_line_and_the_likely_fix() -> None:
    error = refused("Subject: {{ title }}\n\nAffected: {{ affected_service }}\n")
    assert error.line == 3
    assert "'affected_service'" in str(error)
    assert "line 3" in str(error)
    assert "Did you mean 'affected_services'?" in str(error)
    assert isinstance(error, ValidationError)


def test_none_is_a_value_not_a_missing_placeholder() -> None:
    assert render("W: {{ workaround }}", CONTEXT, name="mine").body == "W: None\n"


def test_a_missing_field_names_the_field_and_line() -> None:
    error = refused("ok\n{{ title.owner }}")
    assert "'owner'" in str(error)
    assert error.line == 2


def test_a_syntax_mistake_names_the_line() -> None:
    error = refused("one\ntwo\n{% if title %}\nthree\n")
    assert error.line == 4
    assert "mistake on line 4" in str(error)
    assert "'endif'" in str(error)


def test_an_unknown_filter_is_a_mistake_with_its_line() -> None:
    error = refused("one\n{{ title | shout }}")
    assert error.line == 2
    assert "shout" in str(error)


@pytest.mark.parametrize(
    ("source", "doing"),
    [
        ("{{ ''.__class__.__mro__ }}", "'__class__'"),
        ("{{ cycler.__init__.__globals__ }}", "'__init__'"),
        ("{{ lipsum.__globals__['os'] }}", "'__globals__'"),
        ("{{ affected_services.append('x') }}", "'append'"),
    ],
)
def test_reaching_into_python_is_refused(source: str, doing: str) -> None:
    error = refused(source)
    assert "tries to" in str(error)
    assert doing in str(error)
    assert "which templates may not do" in str(error)


@pytest.mark.parametrize(
    ("source", "doing"),
    [
        ("{% include 'x' %}", "include another template"),
        ("{% import 'x' as x %}", "import another template"),
        ("{% from 'x' import y %}", "import from another template"),
        ("{% extends 'x' %}", "extend another template"),
    ],
)
def test_other_templates_and_files_are_out_of_reach(source: str, doing: str) -> None:
    error = refused("text\n" + source)
    assert f"tries to {doing}, which templates may not do" in str(error)
    assert error.line == 2


def test_a_huge_range_is_refused_without_running() -> None:
    error = refused("ok\n{% for i in range(10**10) %}x{% endfor %}")
    assert "loop over 10,000,000,000 numbers" in str(error)
    assert error.line == 2


def test_a_range_within_the_limit_runs() -> None:
    source = f"{{{{ range({MAX_RANGE}) | length }}}}"
    assert render(source, CONTEXT, name="mine").body == f"{MAX_RANGE}\n"


def test_a_macro_calling_itself_is_refused() -> None:
    error = refused("{% macro again(n) %}{{ again(n) }}{% endmacro %}\n{{ again(1) }}")
    assert "does a macro call itself?" in str(error)


def test_a_branching_recursion_that_stays_shallow_is_refused_by_its_cost() -> None:
    error = refused(
        "{% macro twice(n) %}{% if n < 25 %}{{ twice(n + 1) }}{{ twice(n + 1) }}{% endif %}"
        "{% endmacro %}{{ twice(0) }}"
    )
    assert "take more than" in str(error)
    assert "steps" in str(error)


def test_nested_loops_that_would_run_for_hours_are_refused() -> None:
    error = refused(
        "{% set r = range(1000) | list %}{% macro m() %}{% for a in r %}{% for b in r %}"
        "{% for c in r %}x{% endfor %}{% endfor %}{% endfor %}{% endmacro %}{{ m() | length }}"
    )
    assert "steps (a loop that runs too long?)" in str(error)


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'x' * 10**9 }}",
        "{{ 10 ** 100000 }}",
        "{{ 'x'.ljust(10**9) }}",
        "{{ title | center(10**9) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ '%999999999s' | format(1) }}",
        "{{ title.replace('', title) }}",
        "{% set ns = namespace(s='x') %}{% for i in range(100) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    ],
)
def test_text_or_numbers_that_would_exhaust_memory_are_refused(source: str) -> None:
    assert "which templates may not do" in str(refused(source))


def test_a_message_longer_than_the_cap_is_refused() -> None:
    error = refused("{% for i in range(1000) %}" + "x" * 30 + "{% endfor %}")
    assert f"tries to write more than {MAX_OUTPUT:,} characters" in str(error)


def test_an_error_while_filling_names_the_line() -> None:
    error = refused("ok\n{{ 1 / 0 }}")
    assert "line 2" in str(error)
    assert "division by zero" in str(error)


def test_a_template_that_fills_to_nothing_is_refused() -> None:
    assert "empty message" in str(refused("{% if workaround %}W{% endif %}"))


def test_text_is_not_html_escaped() -> None:
    rendered = render("{{ x }}", {"x": "<b> & 'q'"}, name="mine")
    assert rendered.body == "<b> & 'q'\n"


def test_an_update_round_trips_through_the_text_a_person_edits() -> None:
    update = RenderedUpdate("Checkout: cause found", "We found it.\n\nNext update 15:00.\n")
    text = update.as_text()
    assert text.startswith("Subject: Checkout: cause found\n\nWe found it.")
    assert RenderedUpdate.from_text(text) == update
    assert RenderedUpdate.from_text("\n  \nsubject: lower case\nBody\n") == RenderedUpdate(
        "lower case", "Body\n"
    )
    assert RenderedUpdate.from_text("No subject here\n") == RenderedUpdate(
        None, "No subject here\n"
    )
    assert RenderedUpdate(None, "Body\n").as_text() == "Body\n"
