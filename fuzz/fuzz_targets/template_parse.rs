//! Fuzzes the template parser and, for sources that parse, the renderer: any input must end in
//! `Ok` or an error, never a panic, a stack overflow or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tornado::template::{DictLoader, Namespace, Template, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else { return };
    // The whole input as one template, rendered with a small namespace.
    if let Ok(t) = Template::with_name(source, "fuzz.html") {
        let mut ns = Namespace::new();
        ns.set("x", 3).set("s", "<a&b>").set("l", Value::list(vec![Value::Int(1), Value::from("two")]));
        let _ = t.render(&ns);
    }
    // Split into two templates so extends/include paths get exercised too.
    if let Some((a, b)) = source.split_once('\u{1}') {
        let loader = DictLoader::new([("a.html", a), ("b.html", b)]);
        if let Ok(t) = loader.load("a.html") {
            let _ = t.render(&Namespace::new());
        }
    }
});
