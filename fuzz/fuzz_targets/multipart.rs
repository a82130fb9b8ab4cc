#![no_main]
//! Form bodies: any boundary and body bytes parse (or hit a limit) without panicking, both as
//! multipart and as urlencoded, and the zero-copy entry point agrees with the copying one.
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use tornado::http::{
    parse_body_arguments, parse_body_arguments_shared, parse_header, parse_multipart_form_data,
    Arguments, Files, FormLimits,
};

fuzz_target!(|data: &[u8]| {
    // The first byte picks where the boundary ends; the rest is split into boundary and body.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let split = usize::from(split).min(rest.len());
    let (boundary, body) = rest.split_at(split);
    let limits = FormLimits {
        max_parts: 16,
        max_part_header_size: 256,
        max_arguments: 64,
    };

    let (mut args, mut files) = (Arguments::new(), Files::new());
    let direct = parse_multipart_form_data(boundary, body, &mut args, &mut files, &limits);
    for file in files.values().flatten() {
        assert!(file.body.len() <= body.len());
    }

    if let Ok(boundary) = std::str::from_utf8(boundary) {
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let (mut a1, mut f1) = (Arguments::new(), Files::new());
        let copied = parse_body_arguments(&content_type, body, &mut a1, &mut f1, None, &limits);
        let shared_body = Bytes::copy_from_slice(body);
        let (mut a2, mut f2) = (Arguments::new(), Files::new());
        let shared = parse_body_arguments_shared(
            &content_type,
            &shared_body,
            &mut a2,
            &mut f2,
            None,
            &limits,
        );
        assert_eq!(copied, shared);
        assert_eq!((&a1, &f1), (&a2, &f2));
        if !boundary.is_empty() && boundary.bytes().all(|b| b.is_ascii_graphic() && b != b';') {
            assert_eq!(copied.is_ok(), direct.is_ok());
        }
        let _ = parse_header(boundary);
    }

    let (mut args, mut files) = (Arguments::new(), Files::new());
    let urlencoded = parse_body_arguments(
        "application/x-www-form-urlencoded",
        data,
        &mut args,
        &mut files,
        None,
        &limits,
    );
    if urlencoded.is_ok() {
        assert!(files.is_empty());
        assert!(args.values().map(Vec::len).sum::<usize>() <= limits.max_arguments);
    }
});
