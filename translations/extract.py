"""Babel extractor for model/: the sentences people read, as message templates.

model/ never imports the translation layer (it must not depend on Flask), so
its ActionError messages and the Actions panel's reasons are plain English
strings and f-strings. This extractor puts each sentence-like literal in the
catalog; an f-string becomes a template whose placeholders are named after
the values ("Order {number} does not exist."), which components/i18n.py
matches against the filled-in sentence at the page boundary.

Used by translations/babel.cfg (`[extractors]`); run extraction with
scripts/i18n, from the project root so that this module is importable.
"""
from __future__ import annotations

import ast

SENTENCE_END = (".", "?", "!")


def _placeholder(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id.lower()
    if isinstance(node, ast.Attribute):
        return node.attr.lower()
    return "value"


def template_of(node: ast.AST) -> str | None:
    """The message template of a str constant or f-string node, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if not isinstance(node, ast.JoinedStr):
        return None
    parts, used = [], {}
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
            continue
        name = _placeholder(value.value)
        used[name] = used.get(name, 0) + 1
        parts.append("{" + (name if used[name] == 1 else f"{name}{used[name]}") + "}")
    return "".join(parts)


def looks_like_sentence(template: str) -> bool:
    text = template.strip()
    if not text.endswith(SENTENCE_END) or " " not in text:
        return False
    first = text[0]
    return first.isupper() or first in "{“\"'"


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _inner_nodes(tree: ast.AST) -> set[int]:
    """Constants that are pieces of an f-string (extracted with the whole f-string)."""
    return {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}


def extract_model_sentences(fileobj, keywords, comment_tags, options):
    """Babel extractor protocol: yields (lineno, funcname, message, comments)."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    tree = ast.parse(source)
    skip = _docstring_nodes(tree) | _inner_nodes(tree)
    seen = set()
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, (ast.Constant, ast.JoinedStr)):
            continue
        template = template_of(node)
        # Adjacent placeholders ("{verb}{why}") cannot be told apart again: such
        # sentences get hand-written templates in components/i18n.py instead.
        if template is None or "}{" in template or not looks_like_sentence(template):
            continue
        message = template.replace("{{", "{").replace("}}", "}") if isinstance(node, ast.Constant) else template
        if (node.lineno, message) in seen:
            continue
        seen.add((node.lineno, message))
        yield node.lineno, None, message, []
