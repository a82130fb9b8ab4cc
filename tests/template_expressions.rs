//! The expression language, one test per form.

use serde::Serialize;
use serde_json::json;
use tornado::template::{Namespace, Template, Value};

fn ev(expr: &str) -> String {
    ev_with(
        expr,
        json!({"l": [1, 2, 3], "d": {"a": 1, "b": "x"}, "s": "héllo", "n": None::<i32>}),
    )
}

fn ev_with(expr: &str, ns: serde_json::Value) -> String {
    let t = Template::builder(&format!("{{{{ {expr} }}}}"))
        .autoescape(None)
        .build()
        .unwrap();
    t.generate(&ns).unwrap_or_else(|e| format!("ERR {e}"))
}

#[test]
fn literals() {
    assert_eq!(ev("'a\\tb'"), "a\tb");
    assert_eq!(ev("\"q\\\"\""), "q\"");
    assert_eq!(ev("42"), "42");
    assert_eq!(ev("0x1F"), "31");
    assert_eq!(ev("1_000"), "1000");
    assert_eq!(ev("2.50"), "2.5");
    assert_eq!(ev("True"), "True");
    assert_eq!(ev("None"), "None");
    assert_eq!(ev("[1, 'a', [None]]"), "[1, 'a', [None]]");
    assert_eq!(ev("(1, 'a')"), "(1, 'a')");
    assert_eq!(ev("(1,)"), "(1,)");
    assert_eq!(ev("{'k': 1, 2: [3]}"), "{'k': 1, 2: [3]}");
    assert_eq!(ev("1, 2"), "(1, 2)");
}

#[test]
fn names_attributes_indexes_slices() {
    assert_eq!(ev("l"), "[1, 2, 3]");
    assert_eq!(ev("d.a"), "1");
    assert_eq!(ev("d['b']"), "x");
    assert_eq!(ev("l[-1]"), "3");
    assert_eq!(ev("l[1:]"), "[2, 3]");
    assert_eq!(ev("l[::-1]"), "[3, 2, 1]");
    assert_eq!(ev("s[1:3]"), "él");
    assert_eq!(ev("s[-1]"), "o");
    assert_eq!(
        ev("l[10]"),
        "ERR IndexError: list index out of range at <string>:1"
    );
}

#[test]
fn serialize_structs_behave_like_objects() {
    #[derive(Serialize)]
    struct User {
        name: String,
        tags: Vec<&'static str>,
        manager: Option<Box<User>>,
    }
    #[derive(Serialize)]
    struct Ctx {
        user: User,
    }
    let ctx = Ctx {
        user: User {
            name: "Ann".into(),
            tags: vec!["a", "b"],
            manager: Some(Box::new(User {
                name: "Bob".into(),
                tags: vec![],
                manager: None,
            })),
        },
    };
    let t = Template::new("{{ user.name }} {{ user.tags[-1] }} {{ user.manager.name }} {{ user.manager.manager is None }}").unwrap();
    assert_eq!(t.generate(&ctx).unwrap(), "Ann b Bob True");
}

#[test]
fn calls_builtins_and_registered_functions() {
    assert_eq!(ev("len(l)"), "3");
    assert_eq!(ev("list(range(2, 8, 2))"), "[2, 4, 6]");
    assert_eq!(ev("sorted([3, 1, 2], reverse=True)"), "[3, 2, 1]");
    assert_eq!(ev("list(zip(l, 'ab'))"), "[(1, 'a'), (2, 'b')]");
    assert_eq!(ev("max(l) + min(l)"), "4");
    assert_eq!(ev("round(2.5), round(0.125, 2), abs(-1)"), "(2, 0.12, 1)");
    assert_eq!(ev("int('7') + int(2.9)"), "9");
    assert_eq!(ev("float('1e3')"), "1000.0");
    assert_eq!(ev("bool([]), str(None)"), "(False, 'None')");
    assert_eq!(ev("url_escape('a b/c', plus=False)"), "a%20b/c");
    assert_eq!(ev("json_encode(d)"), "{\"a\": 1, \"b\": \"x\"}");
    let mut ns = Namespace::new();
    ns.set_function("add", |a| match a {
        [Value::Int(x), Value::Int(y)] => Ok(Value::Int(x + y)),
        _ => Err("TypeError: add() wants two ints".into()),
    });
    let t = Template::new("{{ add(1, 2) }}").unwrap();
    assert_eq!(t.render(&ns).unwrap(), "3");
    let err = Template::new("\n{{ add(1) }}")
        .unwrap()
        .render(&ns)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "TypeError: add() wants two ints at <string>:2"
    );
}

#[test]
fn methods() {
    assert_eq!(ev("'a,b'.split(',')"), "['a', 'b']");
    assert_eq!(ev("' x '.strip().upper()"), "X");
    assert_eq!(ev("'-'.join(['a', 'b'])"), "a-b");
    assert_eq!(ev("'hello world'.title()"), "Hello World");
    assert_eq!(ev("'abc'.replace('b', 'B')"), "aBc");
    assert_eq!(
        ev("'abc'.startswith('ab'), 'abc'.endswith('x')"),
        "(True, False)"
    );
    assert_eq!(ev("'{} {x}'.format(1, x=2)"), "1 2");
    assert_eq!(ev("'{0:>4}|{1:.3f}'.format('a', 2)"), "   a|2.000");
    assert_eq!(ev("'banana'.count('a'), 'banana'.index('n')"), "(3, 2)");
    assert_eq!(
        ev("list(d.keys()), list(d.values()), d.get('z', 0)"),
        "(['a', 'b'], [1, 'x'], 0)"
    );
    assert_eq!(ev("[1, 2, 1].count(1), [1, 2].index(2)"), "(2, 1)");
}

#[test]
fn arithmetic_with_python_semantics() {
    assert_eq!(ev("7 // 2, -7 // 2, -7 % 3, 7 % -3"), "(3, -4, 2, -2)");
    assert_eq!(ev("1 / 2, 2 ** 10, 2 ** -1"), "(0.5, 1024, 0.5)");
    assert_eq!(ev("'ab' * 2 + 'c'"), "ababc");
    assert_eq!(ev("[0] * 3 + [1]"), "[0, 0, 0, 1]");
    assert_eq!(ev("'%s=%05.1f' % ('x', 2.25)"), "x=002.2");
    assert_eq!(ev("'%(a)s!' % d"), "1!");
    assert_eq!(ev("0.1 + 0.2"), "0.30000000000000004");
    assert_eq!(
        ev("9223372036854775807 + 1"),
        "ERR OverflowError: integer result does not fit in 64 bits at <string>:1"
    );
    assert_eq!(
        ev("1 // 0"),
        "ERR ZeroDivisionError: integer division or modulo by zero at <string>:1"
    );
}

#[test]
fn comparisons_and_membership() {
    assert_eq!(ev("1 < 2 < 3, 1 < 3 < 2"), "(True, False)");
    assert_eq!(
        ev("2 in l, 5 not in l, 'a' in d, 'él' in s"),
        "(True, True, True, True)"
    );
    assert_eq!(
        ev("n is None, n is not None, 1 == 1.0"),
        "(True, False, True)"
    );
    assert_eq!(
        ev("'a' < 1"),
        "ERR TypeError: '<' not supported between instances of 'str' and 'int' at <string>:1"
    );
}

#[test]
fn boolean_logic_returns_operands() {
    assert_eq!(
        ev("0 or 'x', '' and 'y', not l, None or []"),
        "('x', '', False, [])"
    );
    // Short-circuit: the right side is never evaluated.
    assert_eq!(ev("1 or missing_name"), "1");
    assert_eq!(ev("0 and missing_name"), "0");
}

#[test]
fn conditional_expression() {
    assert_eq!(ev("'y' if l else 'n'"), "y");
    assert_eq!(ev("'a' if 0 else 'b' if 0 else 'c'"), "c");
}

#[test]
fn str_of_values_matches_python() {
    assert_eq!(
        ev("[1.0, 0.1, 1e16, 1e-5, -0.0, True, None, 'it\\'s']"),
        "[1.0, 0.1, 1e+16, 1e-05, -0.0, True, None, \"it's\"]"
    );
}

#[test]
fn unknown_name_reports_template_and_line() {
    let t = Template::with_name("ok\n\n{{ nope }}", "page.html").unwrap();
    let err = t.generate(&json!({})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "NameError: name 'nope' is not defined at page.html:3"
    );
    assert!(err.is_render());
}
