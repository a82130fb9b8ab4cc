#!/usr/bin/env python3
"""Generates the escape corpus with Python Tornado.

Usage (from the repository root, with `pip install tornado==6.3.3`):

    python3 tests/data/escape/gen_escape_corpus.py

Writes `corpus.json`: a list of {"fn", "args", "kwargs", "expected"} records covering
xhtml_escape, xhtml_unescape, url_escape, url_unescape (text and bytes), json_encode,
squeeze and linkify. Inputs are hand-picked edge cases plus seeded random strings.
`tests/escape_corpus.rs` replays them against `tornado::escape`.
"""
import json
import os
import random
import sys

import tornado
from tornado import escape

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20240607)

HTML_ALPHABET = list("ab <>&\"'=/;#x0123456789") + ["é", "☃", "\n", "\t", "😀"]
ENTITY_BITS = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#65;", "&#x41;", "&#X42;", "&#x0x43;",
               "&#1_0;", "&#;", "&;", "&nbsp;", "&eacute;", "&Eacute;", "&hearts;", "&bogus;", "&amp",
               "& amp;", "&AMP;", "&#xZZ;", "&#1114112;", "&#1114111;", "&#0;", "&#x110000;", "&apos;",
               "&#12345;", "&#x1F600;", "&&lt;;", "text", " ", "é"]
URL_ALPHABET = list("aZ09_.-~ /?&=+%:#@!$'()*,;[]") + ["é", "☃", "😀", "\n", "\x00"]
UNQUOTE_BITS = ["%20", "%2B", "+", "%2f", "%2F", "%", "%4", "%zz", "%C3%A9", "%ff", "%fe%ff", "%E2%98",
                "%E2%98%83", "a", "b c", "%%", "%41%42", "%F0%9F%98%80", "%c3", "é", "/"]
SPACE_ALPHABET = ["a", "b", " ", "\t", "\n", "\r", "\x00", "\x1f", "\x20", "\x0b", "\xa0", "\u3000", "é", "\x7f"]


def rand_str(alphabet, lo=0, hi=24):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


records = []


def add(fn, args, kwargs=None, expected=None):
    records.append({"fn": fn, "args": args, "kwargs": kwargs or {}, "expected": expected})


def sort_keys(v):
    if isinstance(v, dict):
        return {k: sort_keys(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [sort_keys(x) for x in v]
    return v


# xhtml_escape
for s in ["", "plain", "<script>alert('x')</script>", "a & b", "\"quoted\"", "'single'", "&amp;", "é☃😀"] + [rand_str(HTML_ALPHABET) for _ in range(30)]:
    add("xhtml_escape", [s], expected=escape.xhtml_escape(s))

# xhtml_unescape
unescape_inputs = ["", "no entities", "&lt;b&gt;", "&#60;&#x3c;", "&unknown;", "& ;", "&#;", "&#x;", "&#1_0;", "&#x0x41;"]
unescape_inputs += ["".join(rng.choice(ENTITY_BITS) for _ in range(rng.randint(1, 8))) for _ in range(40)]
for s in unescape_inputs:
    try:
        out = escape.xhtml_unescape(s)
        out.encode("utf-8")
    except (ValueError, OverflowError, UnicodeEncodeError):
        continue  # surrogates or Python-specific failures: not part of the contract
    add("xhtml_unescape", [s], expected=out)

# url_escape
for s in ["", "a b", "a/b", "~user", "a+b=c&d", "é", "😀", "100%"] + [rand_str(URL_ALPHABET) for _ in range(25)]:
    for plus in (True, False):
        add("url_escape", [s], {"plus": plus}, escape.url_escape(s, plus=plus))

# url_unescape (text and bytes)
unq = ["", "a+b", "a%20b", "%", "%4", "%zz", "%C3%A9", "%ff"] + ["".join(rng.choice(UNQUOTE_BITS) for _ in range(rng.randint(1, 8))) for _ in range(22)]
for s in unq:
    for plus in (True, False):
        add("url_unescape", [s], {"plus": plus}, escape.url_unescape(s, plus=plus))
        add("url_unescape_bytes", [s], {"plus": plus}, list(escape.url_unescape(s, encoding=None, plus=plus)))

# json_encode
json_values = ["", "</script>", "a</b</c", "é☃", "😀", "line\nbreak\ttab\x00\x1f\x7f", "quote\"back\\slash", "/slash",
               0, 1, -1, 2**53, 123456789012, 0.1, 1.0, -0.0, 1e16, 1e15, 1.5e-7, 123.456, 1e100, 3.14159, True, False, None,
               [], {}, [1, "a", None, True, 2.5], {"a": 1, "b": [1, 2, {"c": "</x>"}]}, {"z": {"y": {"x": []}}},
               [[[]]], {"é": "é"}, ["<\\/>", "</"]]
json_values += [rand_str(HTML_ALPHABET + ["\u2028", "\x01", "\\"]) for _ in range(15)]
for v in json_values:
    v = sort_keys(v)
    add("json_encode", [v], expected=escape.json_encode(v))

# squeeze
for s in ["", "   ", "a", "  a  b  ", "\x00a\x01b\x1f", "a\u3000", "\xa0a\xa0"] + [rand_str(SPACE_ALPHABET) for _ in range(20)]:
    add("squeeze", [s], expected=escape.squeeze(s))

# linkify
texts = [
    "Hello http://tornadoweb.org!",
    "www.example.com",
    "Go to www.example.com/path?a=1&b=2.",
    "see (http://example.com/foo_(bar)) and http://x.org.",
    "ftp://files.example.org/pub and mailto:someone@example.com",
    "javascript:alert(1) <b>bold</b> & more",
    "http://www.example.com/a/very/long/path/to/some/resource.html?x=1&y=2&z=3",
    "https://example.com/with/é/unicode and http://☃.net/",
    "no links here, just text & <tags>",
    "http://a.b/c\"d'e",
    "trailing punctuation http://example.com/foo!!! and http://example.com/bar,",
    "http://example.com:8080/x#frag www.second.org",
    "http://extremely-long-domain-name-for-testing-purposes.example.com/",
    "http://example.com/aaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbb/cccccccc?x=1&amp=2",
    "www.example.com/" + "x" * 60,
    "http:/one-slash.com http:///three.com",
]
option_sets = [
    {},
    {"shorten": True},
    {"require_protocol": True},
    {"extra_params": 'rel="nofollow" class="external"'},
    {"extra_params": "  padded  "},
    {"permitted_protocols": ["http", "https", "ftp", "mailto"]},
    {"permitted_protocols": ["ftp"]},
    {"shorten": True, "require_protocol": True, "extra_params": "x=1"},
]
for t in texts:
    for opts in option_sets:
        add("linkify", [t], opts, escape.linkify(t, **opts))
# A per-URL extra_params function: tests/escape_corpus.rs defines the same one.
def extra_fn(href):
    return ' class="internal" ' if "example" in href else 'class="external"'
for t in texts[:8]:
    add("linkify", [t], {"extra_params": "@extra_fn"}, escape.linkify(t, extra_params=extra_fn))

with open(os.path.join(HERE, "corpus.json"), "w", encoding="utf-8") as f:
    json.dump({"tornado_version": tornado.version, "records": records}, f, indent=1, ensure_ascii=False)
    f.write("\n")
print("%d records written (tornado %s)" % (len(records), tornado.version), file=sys.stderr)
