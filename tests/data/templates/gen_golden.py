#!/usr/bin/env python3
"""Renders the template golden corpus with Python Tornado.

Usage (from the repository root, with `pip install tornado==6.3.3`):

    python3 tests/data/templates/gen_golden.py

Writes `cases.json` (the inputs: templates, entry point, namespace, helper functions) and
`expected.json` (Tornado's output for each case in each whitespace mode: the rendered text,
or the ParseError string, or the Python exception class for render-time errors).
`tests/template_golden.rs` renders the same inputs with the Rust engine and compares byte for
byte. Namespaces are JSON; dict keys are sorted so that their order survives JSON parsing on
the Rust side.
"""
import json
import os
import re
import sys

import tornado
from tornado.template import DictLoader, ParseError
from tornado.escape import to_unicode
from tornado.util import ObjectDict

HERE = os.path.dirname(os.path.abspath(__file__))
MODES = ["all", "single", "oneline"]

# Helper functions a case may ask for; tests/template_golden.rs registers the same ones.
FUNCS = {
    # `{% apply %}` hands its function bytes in Tornado, so these accept bytes too.
    "upper_fn": lambda s: to_unicode(s).upper(),
    "wrap": lambda s: "[" + to_unicode(s) + "]",
    "add": lambda a, b: a + b,
    "_tt_modules": ObjectDict(Badge=lambda label: '<span class="badge">%s</span>' % label),
}


def case(name, templates, ns=None, entry=None, funcs=()):
    if isinstance(templates, str):
        templates = {"t.html": templates}
    return {
        "name": name,
        "templates": templates,
        "entry": entry or next(iter(templates)),
        "ns": ns or {},
        "funcs": list(funcs),
    }


BASE = """<html>
<head>
  <title>{% block title %}Default title{% end %}</title>
</head>
<body>
  {% block body %}
    <p>default body</p>
  {% end %}
  <footer>{% block footer %}(c) {{ year }}{% end %}</footer>
</body>
</html>
"""

CASES = [
    case("text_only", "Hello   world\n\n\n  next line\t\ttab  \n  end\n"),
    case("text_crlf", "a  \r\n\r\n  b\t\x0b c\n"),
    case("expr_basic", "<p>{{ name }}</p>", {"name": "<b>Tom & \"Jerry's\"</b>"}),
    case("expr_numbers", "{{ 1 }} {{ 1.0 }} {{ 0.1 }} {{ 1e16 }} {{ 2.5e-5 }} {{ 10/4 }} {{ 7//2 }} {{ -7//2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2**10 }} {{ 2**-1 }}"),
    case("expr_floats", "{{ 1/3 }} {{ 2/3 }} {{ 0.1 + 0.2 }} {{ 1e-7 }} {{ 123456789.0 }} {{ 1e22 }} {{ -0.0 }} {{ 3.0 * 2 }} {{ float('inf') }} {{ 100.0 }} {{ 1.5e300 * 1 }} {{ 0.0001 }} {{ 0.00001 }}"),
    case("expr_int_ops", "{{ 10 - 3 * 2 }} {{ (10 - 3) * 2 }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }} {{ 17 // -5 }} {{ -17 % 5 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ True + 1 }} {{ -x }}", {"x": 5}),
    case("expr_none_bool", "{{ None }}|{{ True }}|{{ False }}|{{ not x }}|{{ flag }}|{{ nothing }}", {"x": 0, "flag": True, "nothing": None}),
    case("expr_containers", "{{ [1, 'a', None] }} {{ (1,) }} {{ () }} {{ {'a': [1, 2]} }} {{ [\"it's\"] }} {{ ['a\"b'] }} {{ [1.5, True] }}"),
    case("expr_ns_containers", "{{ items }} {{ d }} {{ nested }}", {"items": [1, "two", 3.5, None, True], "d": {"a": 1, "b": "x"}, "nested": [{"k": [1, 2]}]}),
    case("raw", "{% raw '<b>' %} {{ '<b>' }} {% raw name %}", {"name": "<i>"}),
    case("comment", "a{# comment {{ x }} {% if %} #}b{#\nmulti\nline\n#}c"),
    case("comment_wraps_directives", "{# {% if x %} #}ok{# {% end %} #}"),
    case("literal_escapes", "{{! x }} {%! if %} {#! c #} {{!}}"),
    case("triple_braces", "{{{ x }}} {{{{ y }}}}", {"x": 1, "y": 2}),
    case("lone_brace_end", "a { b }{"),
    case("if_elif_else", "{% for v in [0, 1, 2, 'a', '', None] %}{% if v == 1 %}one{% elif v %}truthy{% else %}falsy{% end %};{% end %}"),
    case("for_unpack_items", "{% for k, v in d.items() %}{{ k }}={{ v }},{% end %}", {"d": {"alpha": 1, "beta": [2], "gamma": None}}),
    case("for_else", "{% for x in [] %}{{ x }}{% else %}empty{% end %} {% for x in [1, 2, 3] %}{% if x == 2 %}{% break %}{% end %}{{ x }}{% else %}noelse{% end %} {% for x in [1] %}{{ x }}{% else %}else-ran{% end %}"),
    case("while_loop", "{% set i = 0 %}{% while i < 5 %}{{ i }}{% set i += 1 %}{% end %}"),
    case("while_break_else", "{% set i = 0 %}{% while True %}{% set i = i + 1 %}{% if i > 3 %}{% break %}{% end %}{{ i }}{% end %}|{% set j = 0 %}{% while j < 2 %}{% set j += 1 %}{% else %}done{{ j }}{% end %}"),
    case("break_continue", "{% for i in range(10) %}{% if i % 2 %}{% continue %}{% end %}{% if i > 6 %}{% break %}{% end %}{{ i }}{% end %}"),
    case("nested_loops_break", "{% for i in range(3) %}{% for j in range(3) %}{% if j > i %}{% break %}{% end %}{{ i }}{{ j }} {% end %}|{% end %}"),
    case("try_except", "{% try %}a{{ undefined_name }}b{% except %}caught{% else %}else{% finally %}fin{% end %}"),
    case("try_else_finally", "{% try %}ok{% except %}bad{% else %}else{% finally %}fin{% end %}"),
    case("try_in_loop", "{% for x in [1, 0, 2] %}{% try %}{{ 10 // x }}{% except %}div0{% end %} {% end %}"),
    case("set_in_loop", "{% for i in [1, 2, 3] %}{% set last = i %}{% end %}{{ last }} {{ i }}"),
    case("set_tuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set a, b = b, a %}{{ a }}{{ b }}"),
    case("set_augmented", "{% set total = 0 %}{% for x in l %}{% set total += x %}{% end %}{{ total }} {% set s = 'ab' %}{% set s *= 3 %}{{ s }} {% set n = 17 %}{% set n //= 5 %}{{ n }}", {"l": [1, 2, 3, 4]}),
    case("extends_basic", {
        "base.html": BASE,
        "child.html": "{% extends \"base.html\" %}\nthis text is dropped\n{% block title %}Child & title{% end %}\n{% block body %}\n  <p>{{ msg }}</p>\n{% end %}\n",
    }, {"msg": "<hi>", "year": 2024}, entry="child.html"),
    case("extends_multilevel", {
        "base.html": BASE,
        "mid.html": "{% extends 'base.html' %}{% block title %}Mid{% end %}{% block footer %}mid footer {{ year }}{% end %}",
        "leaf.html": "{% extends mid.html %}{% block body %}<div>leaf {{ name }}</div>{% end %}",
    }, {"year": 1999, "name": "Ann"}, entry="leaf.html"),
    case("extends_defaults", {"base.html": BASE, "empty.html": "{% extends 'base.html' %}"}, {"year": 1}, entry="empty.html"),
    case("extends_relative", {
        "base.html": "<b>{% block main %}{% end %}</b>",
        "sub/page.html": "{% extends '../base.html' %}{% block main %}{% include 'part.html' %}{% end %}",
        "sub/part.html": "part {{ x }}",
    }, {"x": 42}, entry="sub/page.html"),
    case("block_in_loop", {
        "base.html": "{% for i in range(3) %}{% block item %}{{ i }}{% end %},{% end %}",
        "child.html": "{% extends 'base.html' %}{% block item %}[{{ i * 10 }}]{% end %}",
    }, entry="child.html"),
    case("block_without_extends", "<h1>{% block title %}Title {{ x }}{% end %}</h1>", {"x": "y"}),
    case("include_basic", {
        "main.html": "<main>\n  {% include 'inc.html' %}\n  after: {{ shared }}\n</main>\n",
        "inc.html": "<p>{{ name }}</p>{% set shared = 'set-in-include' %}",
    }, {"name": "<Ann>"}, entry="main.html"),
    case("include_autoescape", {
        "main.html": "{{ v }} {% include 'raw.html' %} {{ v }}",
        "raw.html": "{% autoescape None %}[{{ v }}]",
    }, {"v": "<x>"}, entry="main.html"),
    case("include_in_loop", {
        "main.html": "{% for item in items %}{% include 'row.html' %}{% end %}",
        "row.html": "<li>{{ item['name'] }}: {{ item['qty'] }}</li>\n",
    }, {"items": [{"name": "a&b", "qty": 1}, {"name": "c", "qty": 2}]}, entry="main.html"),
    case("autoescape_parent_child", {
        "base.html": "{% autoescape None %}{{ v }}|{% block b %}{{ v }}{% end %}",
        "child.html": "{% extends 'base.html' %}{% block b %}{{ v }}{% end %}",
    }, {"v": "<&>"}, entry="child.html"),
    case("apply_escape", "{% apply xhtml_escape %}<b>{{ x }}</b>{% end %}|{% apply url_escape %}a b/{{ x }}{% end %}|{% apply linkify %}see http://x.org{% end %}", {"x": "<&>"}),
    case("apply_funcs", "{% apply wrap %}{% for i in range(3) %}{{ i }}{% end %}{% end %} {% apply upper_fn %}hello {{ name }}{% end %}", {"name": "<bob>"}, funcs=["wrap", "upper_fn"]),
    case("autoescape_none", "{% autoescape None %}{{ '<b>' }} {{ v }}", {"v": "&"}),
    case("autoescape_after_use", "{{ '<a>' }}{% autoescape None %}{{ '<b>' }}"),
    case("autoescape_url", "{% autoescape url_escape %}{{ 'a b&c/d' }} {{ 5 }}"),
    case("autoescape_custom_fn", "{% autoescape upper_fn %}{{ 'abc' }} {% raw 'raw' %}", funcs=["upper_fn"]),
    case("whitespace_directive", "a  b\n\n c{% whitespace oneline %}d   e\n\n f{% whitespace all %}g   h\n\n i{% whitespace single %}j  \n\n k"),
    case("pre_untouched", "<pre>  a\n\n  b</pre>  x  \n\n y{{ 1 }}  z  \n\n w"),
    case("comment_directive", "a{% comment this is ignored {{ x }} %}b"),
    case("module_badge", "<div>{% module Badge('new & hot') %}</div>", funcs=["_tt_modules"]),
    case("multiline_directive", "{% if (x and\n   y) %}yes{% end %} {{ (x +\n 1) }} {% for i in [1,\n 2] %}{{ i }}{% end %}{% set z = [\n 3] %}{{ z }}", {"x": 1, "y": 2}),
    case("string_methods", "{{ 'Hello World'.upper() }} {{ s.lower() }} {{ '  x '.strip() }} {{ 'a,b,c'.split(',') }} {{ '-'.join(['a', 'b']) }} {{ 'aaa'.replace('a', 'b') }} {{ 'abc'.startswith('a') }} {{ 'abc'.endswith(('x', 'c')) }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ 'banana'.count('a') }} {{ 'banana'.index('n') }} {{ 'a b  c'.split() }} {{ 'xxhixx'.strip('x') }} {{ 'a-b-c'.split('-', 1) }}", {"s": "MiXeD"}),
    case("string_format", "{{ '{} and {}'.format(1, 'x') }} {{ '{name}!'.format(name='Ann') }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{:>6}|{:<4}|{:^5}'.format('ab', 1, 'c') }} {{ '{:.2f}'.format(3.14159) }} {{ '{:,}'.format(1234567) }} {{ '{:05d}'.format(42) }} {{ '{:.1%}'.format(0.256) }} {{ '{!r}'.format('q') }} {{ '{:+d}'.format(5) }} {{ '{:x}'.format(255) }}"),
    case("percent_format", "{{ '%s is %d years' % (name, 30) }} {{ '%5.2f' % 3.14159 }} {{ '%-5s|' % 'ab' }} {{ '%(a)s-%(b)s' % d }} {{ '%03d' % 7 }} {{ '%x' % 255 }} {{ '%r' % 'q' }} {{ '100%%' % () }} {{ '%s' % [1, 2] }} {{ '%.3s' % 'abcdef' }} {{ '%+d' % 3 }} {{ '%e' % 12345.678 }}", {"name": "Bob", "d": {"a": 1, "b": 2}}),
    case("dict_methods", "{{ list(d.keys()) }} {{ list(d.values()) }} {{ list(d.items()) }} {{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 'dflt') }} {{ d['b'] }} {{ 'a' in d }} {{ len(d) }}", {"d": {"a": 1, "b": [2, 3]}}),
    case("index_slice", "{{ l[0] }} {{ l[-1] }} {{ l[1:3] }} {{ l[::-1] }} {{ l[::2] }} {{ s[1:-1] }} {{ s[::-1] }} {{ l[-2:] }} {{ l[:100] }} {{ s[2] }} {{ t[1:] }}", {"l": [10, 20, 30, 40, 50], "s": "héllo", "t": [1, 2, 3]}),
    case("comparisons", "{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'a' in 'abc' }} {{ 2 not in l }} {{ x is None }} {{ x is not None }} {{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ [1, 2] < [1, 3] }} {{ 'abc' < 'abd' }} {{ 2 >= 2.0 }} {{ (1, 2) == (1, 2) }}", {"l": [1, 3], "x": None}),
    case("boolean_ops", "{{ 0 or 'default' }} {{ 'x' and 'y' }} {{ '' and 'y' }} {{ None or 0 or [] }} {{ not [] }} {{ 1 and 0 or 5 }} {{ not 1 == 2 }}"),
    case("conditional_expr", "{{ 'yes' if flag else 'no' }} {{ 'a' if 0 else 'b' if 1 else 'c' }} {{ (1 if flag else 2) + 10 }}", {"flag": False}),
    case("builtins", "{{ len(l) }} {{ len('héllo') }} {{ str(1.5) }} {{ int('42') }} {{ int(3.9) }} {{ int(-3.9) }} {{ float('1.5') }} {{ float(2) }} {{ list(range(3)) }} {{ list(range(1, 10, 3)) }} {{ list(range(5, 0, -2)) }} {{ list(enumerate('ab')) }} {{ sorted([3, 1, 2]) }} {{ sorted(['b', 'a'], reverse=True) }} {{ min(3, 1, 2) }} {{ max([1, 5, 2]) }} {{ abs(-3) }} {{ abs(-2.5) }} {{ round(2.5) }} {{ round(3.5) }} {{ round(2.675, 2) }} {{ bool(0) }} {{ bool('a') }} {{ list(zip([1, 2], ['a', 'b'])) }} {{ tuple([1]) }} {{ sorted(words, key=len) }} {{ str() }} {{ int(' 7 ') }}", {"l": [1, 2, 3], "words": ["ccc", "a", "bb"]}),
    case("escape_functions", "{{ url_escape('a b/c') }} {{ url_escape('a b/c', plus=False) }} {{ json_encode({'a': '</script>'}) }} {{ squeeze('  a  b ') }} {% raw linkify('see http://x.com and www.y.org!') %} {{ xhtml_escape('<') }} {% raw escape('&') %} {% raw json_encode([1, 2.0, None, True, 'é']) %}"),
    case("linkify_options", "{% raw linkify(text, shorten=True) %}\n{% raw linkify(text, require_protocol=True) %}\n{% raw linkify(text, extra_params='rel=\"nofollow\"') %}\n{% raw linkify(text, permitted_protocols=['ftp']) %}", {"text": "Go to www.example.com or http://www.example.com/a/very/long/path/to/some/resource.html?x=1&y=2 or ftp://files.example.org/pub/file.txt & javascript:alert(1)."}),
    case("sequence_ops", "{{ 'ab' * 3 }} {{ 3 * 'x' }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ [0] * 3 }} {{ (1, 2) + (3,) }} {{ 'x' * 0 }} {{ [1, 2] * -1 }}"),
    case("nested_data", "{{ user['name'] }} {{ user['address']['city'] }} {{ user['roles'][-1] }} {{ user.get('nick') or user['name'] }} {{ len(user['roles']) }}", {"user": {"address": {"city": "Köln"}, "name": "Ann", "roles": ["admin", "dev"]}}),
    case("unicode", "{{ 'héllo wörld' }} {{ s }} {{ len(s) }} {{ s.upper() }} ☃ {{ '\\u2603' }}", {"s": "ünïcödé ☃"}),
    case("string_literal_escapes", "{{ 'tab\\there' }} {{ \"quote\\\"s\" }} {{ 'uni\\u00e9' }} {{ 'nl\\nx' }} {{ 'bs\\\\' }} {{ r'raw\\n' }} {{ 'a' 'b' }}"),
    case("empty_blocks", "{% if x %}{% end %}{% for i in [] %}{% end %}{% block b %}{% end %}{% while False %}{% end %}{% try %}{% except %}{% end %}done", {"x": 1}),
    case("for_string_dict", "{% for c in 'abc' %}[{{ c }}]{% end %} {% for k in d %}{{ k }}{% end %}", {"d": {"x": 1, "y": 2}}),
    case("enumerate_start", "{% for i, x in enumerate(l, 1) %}{{ i }}:{{ x }} {% end %}{% for i, (a, b) in enumerate([(1, 2), (3, 4)]) %}{{ i }}{{ a }}{{ b }};{% end %}", {"l": ["a", "b"]}),
    case("html_list_indented", """<ul>
  {% for item in items %}
    <li class="{{ 'first' if item == items[0] else 'other' }}">
      {{ item }}
    </li>
  {% end %}
</ul>
""", {"items": ["x", "<y>", "z"]}),
    case("quotes_escaping", "<a title=\"{{ s }}\" data-x='{{ s }}'>{{ s }}</a>", {"s": "\"Tom's\" <tag> & more"}),
    case("json_in_script", "<script>var d = {% raw json_encode(d) %}; var s = {% raw json_encode(s) %};</script>", {"d": {"a": [1, 2], "b": "</script>", "c": None}, "s": "é\n\t\"x\""}),
    case("deep_elif", "{% for n in range(6) %}{% if n == 0 %}zero{% elif n == 1 %}one{% elif n == 2 %}two{% elif n < 5 %}few{% else %}many{% end %} {% end %}"),
    case("functions_called", "{{ add(2, 3) }} {{ add('a', 'b') }} {{ upper_fn(name) }} {{ wrap(str(add(1, 1))) }}", {"name": "ann"}, funcs=["add", "upper_fn", "wrap"]),
    case("realistic_page", {
        "layout.html": "<!DOCTYPE html>\n<html>\n<head>\n  <title>{% block title %}Site{% end %}</title>\n</head>\n<body>\n  {% include 'nav.html' %}\n  <main>\n    {% block content %}{% end %}\n  </main>\n</body>\n</html>\n",
        "nav.html": "<nav>\n  {% for link in nav %}\n    <a href=\"{{ link['url'] }}\">{{ link['title'] }}</a>\n  {% end %}\n</nav>\n",
        "page.html": "{% extends 'layout.html' %}\n{% block title %}{{ title }} - Site{% end %}\n{% block content %}\n<table>\n  <tr><th>#</th><th>Name</th><th>Price</th></tr>\n  {% for i, row in enumerate(rows) %}\n  <tr class=\"{{ 'odd' if i % 2 else 'even' }}\">\n    <td>{{ i + 1 }}</td>\n    <td>{{ row['name'] }}</td>\n    <td>{{ '%.2f' % row['price'] }}</td>\n  </tr>\n  {% end %}\n</table>\n{% end %}\n",
    }, {
        "title": "Products & <Prices>",
        "nav": [{"title": "Home", "url": "/"}, {"title": "A&B", "url": "/a?b=1&c=2"}],
        "rows": [{"name": "item <%d>" % i, "price": i * 1.25} for i in range(12)],
    }, entry="page.html"),
    case("set_from_include_used_in_block", {
        "base.html": "{% include 'vars.html' %}[{% block b %}{% end %}]",
        "vars.html": "{% set color = 'red' %}",
        "child.html": "{% extends 'base.html' %}{% block b %}{{ color }}{% end %}",
    }, entry="child.html"),
    case("whitespace_mixed_chunks", "  a  {{ x }}  b  \n\n  {% if x %}  c  \n  {% end %}  \t d", {"x": 1}),
    # Render-time errors (the Python exception class is compared).
    case("error_name", "line1\n{{ missing_name }}"),
    case("error_type", "{{ 1 + 'a' }}"),
    case("error_index", "{{ l[10] }}", {"l": [1]}),
    case("error_key", "{{ d['nope'] }}", {"d": {"a": 1}}),
    case("error_zero_div", "{{ 1 // 0 }}"),
    # Parse errors (the ParseError string is compared).
    case("perr_missing_end", "line1\n{% if x %}\nfoo\n"),
    case("perr_extra_end", "a\n\n{% end %}"),
    case("perr_unknown_op", "x\n{% frobnicate 1 %}"),
    case("perr_break_outside", "{% if 1 %}{% break %}{% end %}"),
    case("perr_continue_in_apply", "{% for i in l %}{% apply wrap %}{% continue %}{% end %}{% end %}"),
    case("perr_else_outside", "a\n{% else %}"),
    case("perr_elif_on_for", "{% for x in y %}\n{% elif z %}{% end %}"),
    case("perr_except_on_if", "{% if x %}{% except %}{% end %}"),
    case("perr_empty_expr", "a {{  }} b"),
    case("perr_missing_end_expr", "a\n{{ x "),
    case("perr_missing_end_block", "a\n\n{% if x "),
    case("perr_missing_end_comment", "{# never closed"),
    case("perr_empty_block", "{%  %}"),
    case("perr_extends_no_path", "{% extends '' %}"),
    case("perr_include_no_path", "{% include \"\" %}"),
    case("perr_set_missing", "{% set %}"),
    case("perr_apply_missing", "{% apply %}x{% end %}"),
    case("perr_block_missing", "{% block %}x{% end %}"),
    case("perr_missing_end_for_nested", "{% for x in y %}{% if x %}{% end %}"),
    case("perr_in_included", {"main.html": "{% include 'bad.html' %}", "bad.html": "ok\n{% end %}"}, entry="main.html"),
]


def sort_keys(v):
    if isinstance(v, dict):
        return {k: sort_keys(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [sort_keys(x) for x in v]
    return v


def canonical_sets(msg):
    """Tornado prints Python sets (`{'for', 'while'}`) in hash order; sort them."""
    def fix(m):
        items = sorted(x.strip() for x in m.group(1).split(","))
        return "{" + ", ".join(items) + "}"
    return re.sub(r"\{('[a-z]+'(?:, '[a-z]+')*)\}", fix, msg)


def render(c, mode):
    loader = DictLoader(c["templates"], whitespace=mode)
    ns = dict(c["ns"])
    for f in c["funcs"]:
        ns[f] = FUNCS[f]
    try:
        t = loader.load(c["entry"])
        return {"output": t.generate(**ns).decode("utf-8")}
    except ParseError as e:
        return {"parse_error": canonical_sets(str(e))}
    except Exception as e:  # render-time error
        return {"error": type(e).__name__}


def main():
    for c in CASES:
        c["ns"] = sort_keys(c["ns"])
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    expected = {"tornado_version": tornado.version, "cases": {}}
    for c in CASES:
        expected["cases"][c["name"]] = {m: render(c, m) for m in MODES}
    with open(os.path.join(HERE, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(CASES, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    print("%d cases x %d modes written (tornado %s)" % (len(CASES), len(MODES), tornado.version), file=sys.stderr)


if __name__ == "__main__":
    main()
