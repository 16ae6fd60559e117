"""YAML files people edit (course and quiz exports): one readable dump, one way to say where a
file people wrote is not YAML."""

from __future__ import annotations

import yaml


class ReadableDumper(yaml.SafeDumper):
    """Multi-line text as literal blocks and indented lists: files people can edit."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


ReadableDumper.add_representer(str, _represent_text)


def dump_readable(data) -> str:
    """``data`` as YAML in the order given, Unicode as it is, long lines unbroken."""
    return yaml.dump(
        data,
        Dumper=ReadableDumper,
        sort_keys=False,
        allow_unicode=True,
        width=1000,
        default_flow_style=False,
    )


class NestedTooDeeply(yaml.YAMLError):
    """A YAML text nested deeper than the parser's recursion allows ("[[[[…", issue 18)."""

    problem = "nested too deeply"


class NulCharacter(yaml.YAMLError):
    """A text with a NUL character (YAML's "\\0" escape): never meant, and PostgreSQL
    cannot store it (a hypothesis run found it in a quiz's instructions)."""

    problem = "a text contains a NUL character (\\0), which is not allowed"


def _has_nul(data) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def load_yaml(text: str):
    """``yaml.safe_load`` for a file people wrote; nesting too deep for the pure-Python parser
    is a YAML error like any other (it raised RecursionError), not a crash, and so is a NUL
    character in any text."""
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        raise NestedTooDeeply("nested too deeply") from None
    if _has_nul(data):
        raise NulCharacter(NulCharacter.problem)
    return data


def yaml_error(exc: yaml.YAMLError, offset: int = 0) -> tuple[int | None, str]:
    """Where a YAML text went wrong (its 1-based line, shifted by ``offset`` when the text was
    cut out of a larger file) and the parser's reason."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 + offset if mark is not None else None
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return line, reason
