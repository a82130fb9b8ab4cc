//! Plain text → HTML with links.

use std::fmt;
use std::sync::{Arc, OnceLock};

use regex::{Captures, Regex};

use super::xhtml_escape;

/// Extra attributes for the `<a>` tags [`linkify`](super::linkify) writes.
#[derive(Clone)]
pub enum ExtraParams {
    /// The same text for every link, e.g. `rel="nofollow" class="external"`.
    /// It is trimmed and written after one space. An empty string adds nothing.
    Text(String),
    /// A function of the link's `href` returning the text for that link (trimmed, written
    /// after one space).
    Fn(Arc<dyn Fn(&str) -> String + Send + Sync>),
}

impl Default for ExtraParams {
    fn default() -> Self {
        ExtraParams::Text(String::new())
    }
}

impl fmt::Debug for ExtraParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtraParams::Text(s) => f.debug_tuple("Text").field(s).finish(),
            ExtraParams::Fn(_) => f.write_str("Fn(..)"),
        }
    }
}

/// Options for [`linkify`](super::linkify).
#[derive(Clone, Debug)]
pub struct LinkifyOptions {
    /// Shorten long URLs (over 30 characters) in the link text and put the full URL in a
    /// `title` attribute. Default: `false`.
    pub shorten: bool,
    /// Extra attributes for each `<a>` tag. Default: none.
    pub extra_params: ExtraParams,
    /// Link only URLs that carry a protocol (`www.example.com` then stays text).
    /// Default: `false`.
    pub require_protocol: bool,
    /// The protocols that may be linked; a URL with any other protocol stays text.
    /// Default: `["http", "https"]`. Adding `javascript` is very unsafe.
    pub permitted_protocols: Vec<String>,
}

impl Default for LinkifyOptions {
    fn default() -> Self {
        LinkifyOptions {
            shorten: false,
            extra_params: ExtraParams::default(),
            require_protocol: false,
            permitted_protocols: vec!["http".into(), "https".into()],
        }
    }
}

fn url_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // Tornado's URL pattern: a protocol (`name:` plus one to three slashes) or `www.`, then
        // a run of URL characters that does not end in punctuation, or a parenthesised run.
        // Python's `\s` also matches U+001C..U+001F, so they are listed explicitly.
        let pattern = r##"\b((?:([\w-]+):(/{1,3})|www[.])(?:(?:(?:[^\s\x1c-\x1f&()]|&amp;|&quot;)*(?:[^!"#$%&'()*+,.:;<=>?@\[\]^`{|}~\s\x1c-\x1f]))|(?:\((?:[^\s\x1c-\x1f&()]|&amp;|&quot;)*\)))+)"##;
        match Regex::new(pattern) {
            Ok(re) => re,
            // The pattern is a constant that is covered by tests; this arm cannot be reached.
            Err(e) => unreachable!("linkify pattern failed to compile: {e}"),
        }
    })
}

fn char_prefix(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn make_link(caps: &Captures<'_>, opts: &LinkifyOptions, fixed_params: &str) -> String {
    let whole = caps.get(1).map_or("", |m| m.as_str());
    let proto = caps.get(2).map(|m| m.as_str());
    if opts.require_protocol && proto.is_none() {
        return whole.to_string();
    }
    if let Some(p) = proto {
        if !opts.permitted_protocols.iter().any(|allowed| allowed == p) {
            return whole.to_string();
        }
    }
    let href = match proto {
        Some(_) => whole.to_string(),
        None => format!("http://{whole}"),
    };
    let mut params = match &opts.extra_params {
        ExtraParams::Fn(f) => format!(" {}", f(&href).trim()),
        ExtraParams::Text(_) => fixed_params.to_string(),
    };
    let max_len = 30;
    let mut url = whole.to_string();
    let url_chars = url.chars().count();
    if opts.shorten && url_chars > max_len {
        let before_clip = url.clone();
        let proto_len = match proto {
            Some(p) => {
                p.chars().count() + 1 + caps.get(3).map_or(0, |m| m.as_str().chars().count())
            }
            None => 0,
        };
        let proto_byte = url
            .char_indices()
            .nth(proto_len)
            .map_or(url.len(), |(i, _)| i);
        let parts: Vec<&str> = url[proto_byte..].split('/').collect();
        if parts.len() > 1 {
            let second = char_prefix(parts[1], 8);
            let second = second.split('?').next().unwrap_or("");
            let second = second.split('.').next().unwrap_or("");
            url = format!("{}{}/{}", &before_clip[..proto_byte], parts[0], second);
        }
        if url.chars().count() as f64 > max_len as f64 * 1.5 {
            url = char_prefix(&url, max_len).to_string();
        }
        if url != before_clip {
            if let Some(amp) = url.rfind('&') {
                let amp_chars = url[..amp].chars().count();
                if amp_chars > max_len - 5 {
                    url.truncate(amp);
                }
            }
            url.push_str("...");
            if url.chars().count() >= before_clip.chars().count() {
                url = before_clip;
            } else {
                params.push_str(&format!(" title=\"{href}\""));
            }
        }
    }
    format!("<a href=\"{href}\"{params}>{url}</a>")
}

pub(crate) fn linkify_impl(text: &str, opts: &LinkifyOptions) -> String {
    let fixed_params = match &opts.extra_params {
        ExtraParams::Text(s) if !s.is_empty() => format!(" {}", s.trim()),
        _ => String::new(),
    };
    let escaped = xhtml_escape(text);
    url_regex()
        .replace_all(&escaped, |caps: &Captures<'_>| {
            make_link(caps, opts, &fixed_params)
        })
        .into_owned()
}
