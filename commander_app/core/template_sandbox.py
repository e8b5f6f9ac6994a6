"""The Jinja2 sandbox update templates run in: no code, no files, bounded work.

Jinja2's sandbox stops a template reaching Python internals but not running
away: a huge `range`, a macro calling itself, a text doubled in a loop. This
environment counts every loop step, call and piece of output, caps numbers
and the size of every text or list a template builds, and refuses each with a
`Refused` saying what the template tried to do. One environment per render:
the counters are its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_OUTPUT = 20_000  # characters of a rendered update; also the largest text or list built
MAX_EMITTED = 5 * MAX_OUTPUT  # all output written, including inside macros and {% set %}
MAX_RANGE = 1_000  # numbers in one range()
MAX_STEPS = 50_000  # loop iterations, calls, filters and outputs in one render
MAX_DEPTH = 30  # calls running inside each other: a macro calling itself
MAX_NUMBER = 100_000  # the largest number passed to a function or filter
MAX_BITS = 4_096  # the largest whole number computed

_WIDE_PRINTF = re.compile(r"%[#0\- +]*(\d{6,}|\d*\.\d{6,})")
_WIDE_FORMAT = re.compile(r"\{[^{}]*:[^{}]*\d{6,}[^{}]*\}")


class Refused(Exception):
    """A template tried to do something templates may not do; `doing` says what."""

    def __init__(self, doing: str) -> None:
        super().__init__(doing)
        self.doing = doing


class UpdateSandbox(ImmutableSandboxedEnvironment):
    """Plain text out (no HTML escaping), strict placeholders, and every limit above."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(
            loader=None,
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=0,
        )
        self.steps = 0
        self.depth = 0
        self.emitted = 0
        self.globals["range"] = self._range
        self.filters["sentence"] = sentence
        self.filters = {name: self._guarded_filter(name, f) for name, f in self.filters.items()}

    # -- compiling: every loop, concatenation and output goes through a guard --------

    def guard(self, tree: nodes.Template) -> nodes.Template:
        guarded = _Guards().visit(tree)
        assert isinstance(guarded, nodes.Template)
        guarded.set_environment(self)
        return guarded

    def guard_loop(self, iterable: Any) -> Iterator[Any]:
        if not isinstance(iterable, Iterable):
            return iter(iterable)  # let Python say why it is not iterable
        return self._counted(iterable)

    def _counted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.step()
            yield item

    def guard_text(self, value: Any) -> Any:
        return _checked_size(value)

    def guard_output(self, value: Any) -> Any:
        self.emitted += len(str(value))
        if self.emitted > MAX_EMITTED:
            raise Refused(f"write more than {MAX_EMITTED:,} characters")
        return value

    # -- running ---------------------------------------------------------------

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Refused(f"take more than {MAX_STEPS:,} steps (a loop that runs too long?)")

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.step()
        if getattr(obj, "__self__", None) is self:  # a guard, or range()
            return super().call(context, obj, *args, **kwargs)
        _check_numbers(args, kwargs)
        _check_text_method(obj, args)
        if self.depth >= MAX_DEPTH:
            raise Refused(
                f"run calls more than {MAX_DEPTH} deep inside each other "
                "(does a macro call itself?)"
            )
        self.depth += 1
        try:
            result = super().call(context, obj, *args, **kwargs)
        finally:
            self.depth -= 1
        return _checked_size(result)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        self.step()
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            _check_product(left, right)
        elif operator == "%" and isinstance(left, str):
            _check_printf(left, right if isinstance(right, tuple) else (right,))
        return _checked_size(super().call_binop(context, operator, left, right))

    def _range(self, *args: int) -> range:
        numbers = range(*args)
        if len(numbers) > MAX_RANGE:
            raise Refused(
                f"loop over {len(numbers):,} numbers (range() allows at most {MAX_RANGE:,})"
            )
        return numbers

    def _guarded_filter(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(original)  # keeps Jinja's pass_context / pass_environment marks
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.step()
            values = [a for a in args if not isinstance(a, Context | UpdateSandbox)]
            _check_numbers(values[1:], kwargs)
            if name == "replace" and len(values) > 1 and values[1] == "":
                raise Refused("replace an empty text")
            if name == "format" and values and isinstance(values[0], str):
                _check_printf(values[0], values[1:])
            return _checked_size(original(*args, **kwargs))

        return guarded


def sentence(text: Any) -> str:
    """The text ending with a full stop, unless it already ends with . ! or ?."""
    stripped = str(text).rstrip()
    return stripped if not stripped or stripped[-1] in ".!?…" else stripped + "."


class _Guards(NodeTransformer):
    """Rewrites the parsed template so loops, `~` and output pass through the sandbox."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _guard_call("guard_loop", node.iter)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _guard_call("guard_text", node)

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [
            _guard_call(
                "guard_output",
                nodes.Const(child.data, lineno=child.lineno)
                if isinstance(child, nodes.TemplateData)
                else child,
            )
            for child in node.nodes
        ]
        return node


def _guard_call(guard: str, expr: nodes.Node) -> nodes.Expr:
    call = nodes.Call(nodes.EnvironmentAttribute(guard), [expr], [], None, None)
    call.set_lineno(expr.lineno)
    return call


def _checked_size(value: Any) -> Any:
    if isinstance(value, str | list | tuple | dict | set) and len(value) > MAX_OUTPUT:
        what = "a text" if isinstance(value, str) else "a list"
        raise Refused(f"build {what} longer than {MAX_OUTPUT:,}")
    if isinstance(value, int) and value.bit_length() > MAX_BITS:
        raise Refused(f"compute a number larger than 2**{MAX_BITS}")
    return value


def _check_numbers(args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            shown = (
                f"the number {value:,}"
                if abs(value) < 10**12
                else f"a number with {len(str(abs(value)))} digits"
            )
            raise Refused(f"pass {shown} to a function (at most {MAX_NUMBER:,})")


def _check_text_method(obj: Any, args: tuple[Any, ...]) -> None:
    """Text methods whose result can be far larger than their arguments."""
    obj = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format
    owner = getattr(obj, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(obj, "__name__", "")
    if name == "replace" and args and args[0] == "":
        raise Refused("replace an empty text")
    if name in ("format", "format_map") and _WIDE_FORMAT.search(owner):
        raise Refused("format a value wider than 99,999 characters")


def _check_printf(template: str, values: Iterable[Any]) -> None:
    if _WIDE_PRINTF.search(template):
        raise Refused("format a value wider than 99,999 characters")
    _check_numbers(values, {})


def _check_power(left: Any, right: Any) -> None:
    both_whole = isinstance(left, int) and isinstance(right, int)
    if both_whole and abs(left) > 1 and right > 0 and abs(left).bit_length() * right > MAX_BITS:
        raise Refused(f"compute a number larger than 2**{MAX_BITS}")


def _check_product(left: Any, right: Any) -> None:
    for times, other in ((left, right), (right, left)):
        repeats = isinstance(times, int) and isinstance(other, str | list | tuple)
        if repeats and len(other) * times > MAX_OUTPUT:
            raise Refused(f"repeat a text or list to more than {MAX_OUTPUT:,} items")
    both_whole = isinstance(left, int) and isinstance(right, int)
    if both_whole and left.bit_length() + right.bit_length() > MAX_BITS + 1:
        raise Refused(f"compute a number larger than 2**{MAX_BITS}")
