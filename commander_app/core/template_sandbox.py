"""The Jinja2 sandbox update templates run in: no code, no files, bounded work.

Jinja2's sandbox stops a template reaching Python internals but not running
away: a huge `range`, a macro calling itself, a text doubled in a loop. This
environment counts every loop step, call and piece of output, caps numbers
and the size of every text or list a template builds, and refuses each with a
`Refused` saying what the template tried to do. One environment per render:
the counters are its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import wraps
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.filters import make_attrgetter
from jinja2.nodes import EvalContext
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
        args = _check_text_method(obj, args, kwargs)
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
            values = [a for a in args if not isinstance(a, Context | EvalContext | UpdateSandbox)]
            _check_numbers(values[1:], kwargs)
            if name == "replace" and len(values) > 1 and values[1] == "":
                raise Refused("replace an empty text")
            if name == "format" and values and isinstance(values[0], str):
                _check_printf(values[0], values[1:])
            if values and name in ("join", "sum"):  # measured below: read the items once
                subject = values[0]
                if not isinstance(subject, str | Mapping) and isinstance(subject, Iterable):
                    items = list(self._counted(subject))
                    position = next(i for i, a in enumerate(args) if a is subject)
                    args = (*args[:position], items, *args[position + 1 :])
                    values[0] = items
            estimate = self._filter_estimate(name, values, kwargs)
            if estimate > MAX_OUTPUT:
                raise Refused(f"build a text longer than {MAX_OUTPUT:,} (with the {name} filter)")
            return _checked_size(original(*args, **kwargs))

        return guarded

    def _filter_estimate(self, name: str, values: list[Any], kwargs: dict[str, Any]) -> int:
        """An upper bound on the size of what a filter that can grow its input would
        build, worked out before it runs: the bomb is refused, not built then measured."""
        if not values:
            return 0

        def arg(position: int, key: str, default: Any) -> Any:
            if key in kwargs:
                return kwargs[key]
            return values[position] if len(values) > position else default

        subject = values[0]
        text = str(subject) if name in _TEXT_FILTERS else ""
        if name == "indent":
            width = arg(1, "width", 4)
            width = len(width) if isinstance(width, str) else _whole(width)
            return len(text) + width * (text.count("\n") + 1)
        if name == "center":
            return max(len(text), _whole(arg(1, "width", 80)))
        if name == "replace":
            return _replace_estimate(
                text, arg(1, "old", ""), arg(2, "new", ""), arg(3, "count", None)
            )
        if name == "wordwrap":
            width = max(_whole(arg(1, "width", 79)), 1)
            wrap = arg(3, "wrapstring", None)
            wrap_length = len(self.newline_sequence if wrap is None else str(wrap))
            if wrap_length <= 1:
                return 0  # at most twice the text: measured when it returns
            breaks = min(len(text), len(text) // width + len(text.split()) + text.count("\n"))
            return len(text) + wrap_length * (breaks + 1)
        if name == "urlize":
            extra = sum(len(str(arg(i, key, "") or "")) for i, key in ((3, "target"), (4, "rel")))
            return 3 * len(text) + (len(text.split()) + 1) * (extra + 60)
        if name == "tojson":
            indent = _whole(arg(1, "indent", 0))
            if indent <= 1:
                return 0
            try:
                return len(json.dumps(subject, indent=1, default=str)) * indent
            except (TypeError, ValueError, RecursionError):
                return 0  # the filter itself says what is wrong
        if name == "join" and isinstance(subject, list):
            getter = (
                make_attrgetter(self, arg(2, "attribute", None))
                if arg(2, "attribute", None) is not None
                else None
            )
            sizes = [len(str(getter(item) if getter else item)) for item in subject]
            return sum(sizes) + len(str(arg(1, "d", ""))) * max(len(subject) - 1, 0)
        if name == "sum" and isinstance(subject, list):
            return sum(len(item) for item in subject if isinstance(item, str | list | tuple))
        return 0


_TEXT_FILTERS = frozenset({"indent", "center", "replace", "wordwrap", "urlize"})


def _whole(value: Any) -> int:
    """A width as a filter would read it; anything else counts as nothing here."""
    try:
        return max(int(value), 0)
    except (TypeError, ValueError, OverflowError):
        return 0


def _replace_estimate(text: str, old: Any, new: Any, count: Any) -> int:
    old_text, new_text = str(old), str(new)
    found = text.count(old_text) if old_text else len(text) + 1
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        found = min(found, count)
    return len(text) + found * max(len(new_text) - len(old_text), 0)


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


def _check_text_method(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Text methods whose result can be far larger than their arguments: the size they
    would build is worked out first. Returns the arguments to call with (a joined
    generator is read once, here)."""
    obj = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format
    owner = getattr(obj, "__self__", None)
    if not isinstance(owner, str):
        return args
    name = getattr(obj, "__name__", "")
    if name == "replace" and args and args[0] == "":
        raise Refused("replace an empty text")
    estimate = 0
    if name in ("format", "format_map"):
        if _WIDE_FORMAT.search(owner):
            raise Refused("format a value wider than 99,999 characters")
        values = [*args, *kwargs.values()]
        if name == "format_map" and args and isinstance(args[0], Mapping):
            values = list(args[0].values())
        estimate = _format_estimate(owner, owner.count("{"), values)
    elif name in ("center", "ljust", "rjust", "zfill") and args:
        estimate = max(len(owner), _whole(args[0]))
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        estimate = len(owner) + owner.count("\t") * _whole(size)
    elif name == "replace" and len(args) >= 2:
        estimate = _replace_estimate(owner, args[0], args[1], args[2] if len(args) > 2 else None)
    elif name == "join" and args and not isinstance(args[0], str):
        items = list(args[0]) if isinstance(args[0], Iterable) else args[0]
        args = (items, *args[1:])
        if isinstance(items, list):
            sizes = [len(item) for item in items if isinstance(item, str)]
            estimate = sum(sizes) + len(owner) * max(len(items) - 1, 0)
    elif name == "join" and args:
        estimate = len(args[0]) * (len(owner) + 1)
    elif name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        estimate = len(owner) * max(longest, 1)
    if estimate > MAX_OUTPUT:
        raise Refused(f"build a text longer than {MAX_OUTPUT:,} (with .{name}())")
    return args


def _format_estimate(template: str, fields: int, values: Iterable[Any]) -> int:
    """At most every field as wide as the widest width or value it could be given."""
    widest = max(
        [
            *(int(digits) for digits in re.findall(r"\d+", template)),
            *(abs(v) for v in values if isinstance(v, int) and not isinstance(v, bool)),
            *(len(str(v)) for v in values if isinstance(v, str)),
        ],
        default=0,
    )
    return len(template) + fields * widest


def _check_printf(template: str, values: Iterable[Any]) -> None:
    if _WIDE_PRINTF.search(template):
        raise Refused("format a value wider than 99,999 characters")
    values = list(values)
    _check_numbers(values, {})
    flat = [v for value in values for v in (value if isinstance(value, tuple) else (value,))]
    if _format_estimate(template, template.count("%"), flat) > MAX_OUTPUT:
        raise Refused(f"build a text longer than {MAX_OUTPUT:,} (with % formatting)")


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
