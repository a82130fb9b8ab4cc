//! One test per template directive.

use serde_json::json;
use tornado::template::{DictLoader, Function, Namespace, Template, Value, Whitespace};

fn render(src: &str, ns: serde_json::Value) -> String {
    Template::new(src).unwrap().generate(&ns).unwrap()
}

#[test]
fn expression_is_escaped() {
    assert_eq!(
        render("{{ x }}", json!({"x": "<a href='x'>&</a>"})),
        "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
    );
}

#[test]
fn raw_is_not_escaped() {
    assert_eq!(render("{% raw x %}", json!({"x": "<b>"})), "<b>");
}

#[test]
fn comments_are_removed_and_may_wrap_directives() {
    assert_eq!(render("a{# {% if %} {{ nope }} #}b", json!({})), "ab");
}

#[test]
fn literal_escapes() {
    assert_eq!(
        render("{{! a }} {%! b %} {#! c #}", json!({})),
        "{{ a }} {% b %} {# c #}"
    );
}

#[test]
fn if_elif_else() {
    let t = Template::new("{% if n > 1 %}many{% elif n == 1 %}one{% else %}none{% end %}").unwrap();
    assert_eq!(t.generate(&json!({"n": 5})).unwrap(), "many");
    assert_eq!(t.generate(&json!({"n": 1})).unwrap(), "one");
    assert_eq!(t.generate(&json!({"n": 0})).unwrap(), "none");
}

#[test]
fn for_with_unpacking_and_else() {
    assert_eq!(
        render(
            "{% for k, v in d.items() %}{{ k }}={{ v }};{% end %}",
            json!({"d": {"a": 1, "b": 2}})
        ),
        "a=1;b=2;"
    );
    assert_eq!(
        render("{% for x in [] %}x{% else %}empty{% end %}", json!({})),
        "empty"
    );
    assert_eq!(
        render(
            "{% for x in [1] %}{% break %}{% else %}no{% end %}",
            json!({})
        ),
        ""
    );
}

#[test]
fn while_break_continue() {
    let src = "{% set i = 0 %}{% while True %}{% set i += 1 %}{% if i == 2 %}{% continue %}{% end %}{% if i > 4 %}{% break %}{% end %}{{ i }}{% end %}";
    assert_eq!(render(src, json!({})), "134");
}

#[test]
fn try_except_else_finally() {
    assert_eq!(
        render(
            "{% try %}a{{ nope }}{% except %}E{% else %}L{% finally %}F{% end %}",
            json!({})
        ),
        "aEF"
    );
    assert_eq!(
        render(
            "{% try %}a{% except %}E{% else %}L{% finally %}F{% end %}",
            json!({})
        ),
        "aLF"
    );
    assert_eq!(
        render(
            "{% try %}{{ 1 // 0 }}{% except ZeroDivisionError as e %}{{ e }}{% end %}",
            json!({})
        ),
        "ZeroDivisionError: integer division or modulo by zero"
    );
}

#[test]
fn set_leaks_out_of_loops_like_python() {
    assert_eq!(
        render(
            "{% for i in range(3) %}{% set last = i %}{% end %}{{ last }}{{ i }}",
            json!({})
        ),
        "22"
    );
    assert_eq!(
        render("{% set a, (b, c) = 1, (2, 3) %}{{ a + b + c }}", json!({})),
        "6"
    );
}

#[test]
fn extends_and_blocks_multi_level() {
    let loader = DictLoader::new([
        (
            "a.html",
            "[{% block x %}ax{% end %}|{% block y %}ay{% end %}|{% block z %}az{% end %}]",
        ),
        (
            "b.html",
            "{% extends a.html %}dropped{% block y %}by{% end %}",
        ),
        (
            "c.html",
            "{% extends 'b.html' %}{% block z %}cz{{ v }}{% end %}",
        ),
    ]);
    assert_eq!(
        loader
            .load("c.html")
            .unwrap()
            .generate(&json!({"v": 1}))
            .unwrap(),
        "[ax|by|cz1]"
    );
    assert_eq!(
        loader.load("b.html").unwrap().generate(&json!({})).unwrap(),
        "[ax|by|az]"
    );
}

#[test]
fn include_shares_namespace_and_keeps_its_autoescape() {
    let loader = DictLoader::new([
        ("main.html", "{{ v }}{% include 'inc.html' %}{{ w }}"),
        (
            "inc.html",
            "{% autoescape None %}{{ v }}{% set w = '<w>' %}",
        ),
    ]);
    assert_eq!(
        loader
            .load("main.html")
            .unwrap()
            .generate(&json!({"v": "<v>"}))
            .unwrap(),
        "&lt;v&gt;<v>&lt;w&gt;"
    );
}

#[test]
fn apply_passes_rendered_body_through_function() {
    let mut ns = Namespace::new();
    ns.set_function("shout", |a| {
        Ok(Value::from(a[0].to_py_string().to_uppercase()))
    });
    let t = Template::new("{% apply shout %}hi {{ n }}{% end %}!").unwrap();
    assert_eq!(t.render(ns.set("n", "<x>")).unwrap(), "HI &LT;X&GT;!");
    assert_eq!(
        render("{% apply squeeze %}  a \n  b  {% end %}", json!({})),
        "a b"
    );
}

#[test]
fn autoescape_directive_and_precedence() {
    assert_eq!(render("{% autoescape None %}{{ '<' }}", json!({})), "<");
    // The directive applies to the whole file, as in Tornado.
    assert_eq!(render("{{ '<' }}{% autoescape None %}", json!({})), "<");
    assert_eq!(
        render("{% autoescape url_escape %}{{ 'a b' }}", json!({})),
        "a+b"
    );
    let t = Template::builder("{{ '<' }}")
        .autoescape(None)
        .build()
        .unwrap();
    assert_eq!(t.generate(&json!({})).unwrap(), "<");
    let loader = DictLoader::new([
        ("x.html", "{{ '<' }}"),
        ("y.html", "{% autoescape xhtml_escape %}{{ '<' }}"),
    ])
    .into_loader()
    .with_autoescape(None);
    assert_eq!(
        loader.load("x.html").unwrap().generate(&json!({})).unwrap(),
        "<"
    );
    assert_eq!(
        loader.load("y.html").unwrap().generate(&json!({})).unwrap(),
        "&lt;"
    );
}

#[test]
fn whitespace_modes_and_directive() {
    let src = "a  \n\n  b{% whitespace oneline %}  c \n d{% whitespace all %}  e  ";
    let t = Template::builder(src)
        .whitespace(Whitespace::Single)
        .build()
        .unwrap();
    assert_eq!(t.generate(&json!({})).unwrap(), "a\nb c d  e  ");
    assert_eq!(
        Template::with_name("a  \n\n b", "x.html")
            .unwrap()
            .generate(&json!({}))
            .unwrap(),
        "a\nb"
    );
    assert_eq!(
        Template::with_name("a  \n\n b", "x.txt")
            .unwrap()
            .generate(&json!({}))
            .unwrap(),
        "a  \n\n b"
    );
    assert_eq!(
        Template::with_name("<pre>a  \n\n b</pre>", "x.html")
            .unwrap()
            .generate(&json!({}))
            .unwrap(),
        "<pre>a  \n\n b</pre>"
    );
}

#[test]
fn comment_directive() {
    assert_eq!(
        render("a{% comment anything {{ here }} %}b", json!({})),
        "ab"
    );
}

#[test]
fn module_calls_registered_function_unescaped() {
    let mut ns = Namespace::new();
    ns.set_module(
        "Entry",
        Function::with_kwargs("Entry", |args, kwargs| {
            let extra = kwargs
                .iter()
                .map(|(k, v)| format!(" {k}={v}"))
                .collect::<String>();
            Ok(Value::from(format!("<div>{}{extra}</div>", args[0])))
        }),
    );
    let t = Template::new("{% module Entry('x', big=True) %}").unwrap();
    assert_eq!(t.render(&ns).unwrap(), "<div>x big=True</div>");
    let err = Template::new("{% module Missing() %}")
        .unwrap()
        .render(&Namespace::new())
        .unwrap_err();
    assert!(err.to_string().contains("_tt_modules"), "{err}");
}

#[test]
fn end_closes_innermost_and_directives_span_lines() {
    assert_eq!(
        render(
            "{% for i in [1,\n 2] %}{% if i == 2\n %}two{% end %}{% end %}{{ (i\n + 1) }}",
            json!({})
        ),
        "two3"
    );
}

#[test]
fn empty_bodies_are_fine() {
    assert_eq!(
        render(
            "{% if 1 %}{% end %}{% for x in [1] %}{% end %}{% block b %}{% end %}ok",
            json!({})
        ),
        "ok"
    );
}

#[test]
fn three_braces_use_the_innermost_pair() {
    assert_eq!(render("{{{ x }}}", json!({"x": 1})), "{1}");
}

#[test]
fn enumerate_loops_count_without_building_tuples() {
    assert_eq!(
        render(
            "{% for i, c in enumerate('ab', 5) %}{{ i }}{{ c }}{% end %}",
            json!({})
        ),
        "5a6b"
    );
    assert_eq!(
        render("{% for i, x in enumerate(l) %}{% if i == 1 %}{% break %}{% end %}{{ x }}{% else %}no{% end %}", json!({"l": [7, 8]})),
        "7"
    );
    // A namespace value named `enumerate` replaces the built-in, fast path included.
    let mut ns = Namespace::new();
    ns.set_function("enumerate", |_| {
        Ok(Value::list(vec![Value::tuple(vec![
            Value::from("k"),
            Value::from("v"),
        ])]))
    });
    let t = Template::new("{% for a, b in enumerate([1]) %}{{ a }}{{ b }}{% end %}").unwrap();
    assert_eq!(t.render(&ns).unwrap(), "kv");
    let err = Template::new("{% for i, x in enumerate([1], 'a') %}{% end %}")
        .unwrap()
        .generate(&json!({}))
        .unwrap_err();
    assert!(err.to_string().starts_with("TypeError"), "{err}");
}
