//! Escaping, base64, number formats and the stylesheet of the HTML report.
use crate::data::DatasetKind;

pub(super) fn class_name(dataset: DatasetKind, class: u8) -> String {
    dataset
        .class_names()
        .get(class as usize)
        .map_or(class.to_string(), |n| n.to_string())
}

/// HTML-escapes text.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(super) fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "–".into()
    }
}

pub(super) fn signed(v: f64) -> String {
    if v.is_finite() {
        format!("{v:+.4}")
    } else {
        "–".into()
    }
}

pub(super) const CSS: &str = r#"
:root{--fg:#1d2228;--muted:#5b6570;--line:#d8dde3;--bg:#fff;--head:#f3f5f7;--good:#1f7a3a;--bad:#b3261e;--warn:#8a5a00}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:1.6em;margin:.2em 0 .1em}h2{font-size:1.3em;margin:1.6em 0 .4em;border-bottom:2px solid var(--line);padding-bottom:.2em}
h3{font-size:1.08em;margin:1.2em 0 .4em}
.sub{color:var(--muted);margin:0 0 1em}
table{border-collapse:collapse;margin:.4em 0 1em;font-variant-numeric:tabular-nums;font-size:.92em}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:right;white-space:nowrap}
th{background:var(--head);font-weight:600}
th[colspan]{text-align:center}caption{text-align:left;font-weight:600;padding:2px 0}
td.l,th.l{text-align:left;white-space:normal}
.scroll{overflow-x:auto}
.pos{color:var(--good)}.neg{color:var(--bad)}
.verdict{font-weight:700;text-transform:uppercase;font-size:.85em;padding:1px 6px;border-radius:3px}
.v-reproduced{background:#e3f4e8;color:var(--good)}.v-refuted{background:#fbe4e2;color:var(--bad)}.v-unresolved{background:#fdf1d8;color:var(--warn)}
.claim{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:8px 0;break-inside:avoid}
.claim p{margin:.25em 0}.muted{color:var(--muted)}
figure{display:inline-block;margin:6px 10px 12px 0;vertical-align:top;break-inside:avoid}
figure img{max-width:540px;width:100%;height:auto;border:1px solid var(--line)}
figcaption{font-size:.85em;color:var(--muted)}
pre{background:var(--head);padding:8px 10px;overflow-x:auto;font-size:.8em;white-space:pre-wrap;word-break:break-all}
code{font-size:.9em}
.heat td{min-width:3.2em;color:#111;font-size:.85em;padding:2px 4px}
small{color:var(--muted)}
.grid{display:flex;flex-wrap:wrap;gap:18px}
.source{border-top:4px solid var(--line);margin-top:2em}
@media print{
 body{font-size:10.5pt}main{max-width:none;padding:0}
 h2{break-after:avoid}table,figure,.claim{break-inside:avoid}
 .scroll{overflow:visible}figure img{max-width:48%}
 a{color:inherit;text-decoration:none}
 @page{margin:14mm}
}
"#;
