#![no_main]
//! Header-block parsing: any bytes give headers or an error, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = tornado::http::HttpHeaders::parse_bytes(data) {
        // What parses must print and parse back to the same headers.
        let again = tornado::http::HttpHeaders::parse(&h.to_string()).expect("reparse");
        assert_eq!(again.len(), h.len());
    }
});
