//! False positives are bugs too: a generated corpus of ordinary values
//! (model and tool names, UUIDs, ULIDs, ISO dates, semver, SHA-256 digests,
//! file names, short numeric ids, cloud regions, HTTP route templates) passes
//! every detector, the identifier rule and the sanitiser untouched.

use drip_runtime::fields::{check_identifier, check_literal_str};
use drip_runtime::privacy::sanitize_metadata;
use drip_runtime::{Metadata, Value};

/// A deterministic generator (SplitMix64): the corpus is the same on every run.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| char::from(alphabet[self.below(alphabet.len() as u64) as usize]))
            .collect()
    }
}

const HEX: &[u8] = b"0123456789abcdef";
const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn family(g: &mut Gen, which: u64) -> (&'static str, String) {
    match which {
        0 => {
            let model = g.pick(&[
                "gpt-4o",
                "gpt-4o-mini",
                "gpt-4.1-nano",
                "o3-mini",
                "claude-3-5-sonnet",
                "claude-3-7-sonnet",
                "claude-opus-4",
                "gemini-1.5-pro",
                "gemini-2.0-flash",
                "llama-3.1-70b-instruct",
                "mistral-large",
                "command-r-plus",
                "text-embedding-3-large",
                "deepseek-r1",
            ]);
            let out = match g.below(3) {
                0 => model.to_owned(),
                1 => format!("{model}-2024{:02}{:02}", 1 + g.below(12), 1 + g.below(28)),
                _ => format!("{model}-{:03}", g.below(1000)),
            };
            ("model", out)
        }
        1 => {
            let verb = g.pick(&["search", "fetch", "lookup", "read", "write", "list", "run"]);
            let noun = g.pick(&["web", "docs", "files", "orders", "calendar", "sql", "repo"]);
            let sep = g.pick(&["-", "_", ".", ""]);
            ("tool_name", format!("{noun}{sep}{verb}"))
        }
        2 => {
            let a = g.chars(HEX, 8);
            let b = g.chars(HEX, 4);
            let c = g.chars(HEX, 3);
            let d = g.chars(HEX, 3);
            let e = g.chars(HEX, 12);
            ("request_id", format!("{a}-{b}-4{c}-a{d}-{e}"))
        }
        3 => ("trace_id", format!("01{}", g.chars(CROCKFORD, 24))),
        4 => {
            let date = format!(
                "20{:02}-{:02}-{:02}",
                20 + g.below(10),
                1 + g.below(12),
                1 + g.below(28)
            );
            let out = match g.below(3) {
                0 => date,
                1 => format!(
                    "{date}T{:02}:{:02}:{:02}Z",
                    g.below(24),
                    g.below(60),
                    g.below(60)
                ),
                _ => format!(
                    "{date}T{:02}:{:02}:{:02}.{:03}+02:00",
                    g.below(24),
                    g.below(60),
                    g.below(60),
                    g.below(1000)
                ),
            };
            ("region", out)
        }
        5 => {
            let v = format!("{}.{}.{}", g.below(20), g.below(50), g.below(200));
            let out = match g.below(3) {
                0 => v,
                1 => format!("v{v}"),
                _ => format!("{v}-rc.{}", 1 + g.below(5)),
            };
            ("version", out)
        }
        6 => ("query_hash", g.chars(HEX, 64)),
        7 => {
            let stem = g.pick(&["report", "invoice_template", "README", "main", "data-2024"]);
            let ext = g.pick(&["pdf", "md", "rs", "csv", "json", "tar.gz", "png"]);
            ("route", format!("{stem}.{ext}"))
        }
        8 => ("attempt", (g.below(999_999) + 1).to_string()),
        9 => {
            let region = g.pick(&[
                "us-east-1",
                "us-west-2",
                "eu-west-1",
                "eu-central-1",
                "ap-southeast-2",
                "europe-west4",
                "us-central1",
                "westeurope",
                "eastus2",
            ]);
            ("region", region.to_owned())
        }
        _ => {
            let resource = g.pick(&["customers", "runs", "workflows", "orders", "users"]);
            let sub = g.pick(&["events", "timeline", "items", "members"]);
            let out = match g.below(3) {
                0 => format!("/v1/{resource}/{{id}}"),
                1 => format!("/v1/{resource}/:id/{sub}"),
                _ => format!(
                    "/api/v{}/{resource}/{{{resource}_id}}/{sub}",
                    1 + g.below(3)
                ),
            };
            ("route", out)
        }
    }
}

#[test]
fn a_thousand_ordinary_values_pass_untouched() {
    let mut g = Gen(0x5EED);
    let mut false_positives = Vec::new();
    let total = 1_100;
    for i in 0..total {
        let (key, value) = family(&mut g, i % 11);
        if let Err(kind) = check_literal_str(&value) {
            false_positives.push(format!("{value:?}: detector {kind:?}"));
            continue;
        }
        if let Err(refusal) = check_identifier(&value) {
            false_positives.push(format!("{value:?}: identifier rule {refusal:?}"));
            continue;
        }
        let mut m = Metadata::new();
        m.insert(key, value.clone());
        if sanitize_metadata(m).get(key) != Some(&Value::from(value.as_str())) {
            false_positives.push(format!("{value:?}: sanitiser under `{key}`"));
        }
    }
    println!(
        "benign corpus: {total} values, {} false positives",
        false_positives.len()
    );
    assert!(false_positives.is_empty(), "{false_positives:#?}");
}
