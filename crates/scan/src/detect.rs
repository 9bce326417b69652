//! Running rules over text: keyword prefilter, regexes, entropy, allowlists, inline
//! `secrets:allow`.
//!
//! CONTRACT (kept stable; the rules work fills it in): `Detector::new(&RuleSet, &value_allow)`,
//! `Detector::scan(file, text) -> Vec<Finding>`.
//!
//! How a text is scanned: one Aho-Corasick pass (ASCII case-insensitive) over the whole text
//! finds the rule keywords; only the (rule, line) pairs with a keyword hit run the rule's regex,
//! on that line alone (rules with `(?s)` run from that line to the end of the text, so PEM
//! blocks span lines). A match is kept when its secret meets the rule's entropy, is not
//! allowlisted (rule, built-in global and project allowlists) and its first line does not hold
//! `secrets:allow`. Overlapping findings are deduplicated, specific rules over `generic-*` ones.
//! Texts with a NUL byte (binary) and lockfiles (see `skip_files` in the data file) yield
//! nothing. Minified JavaScript is scanned like any text (the rules are anchored on token
//! formats or assignments, which minified bundles rarely hold by accident).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexSet};
use zeroize::Zeroizing;

use crate::finding::Finding;
use std::sync::OnceLock;

use crate::rules::{builtin_global_allow, builtin_skip_files, RuleError, RuleSet};

#[derive(Debug)]
/// A rule, compiled on first use: a commit that touches a few files meets few rules' keywords,
/// and compiling all ~280 regexes up front would cost more than the whole scan.
struct Compiled {
    id: String,
    description: String,
    pattern: String,
    regex: OnceLock<Regex>,
    group: usize,
    entropy: Option<f64>,
    allow_patterns: Vec<String>,
    allow: OnceLock<Option<RegexSet>>,
    multiline: bool,
    generic: bool,
}

impl Compiled {
    fn regex(&self) -> &Regex {
        // Built-in rules are compiled by a unit test, project rules eagerly in `Detector::new`.
        self.regex
            .get_or_init(|| Regex::new(&self.pattern).expect("rule regexes are validated"))
    }

    fn allow(&self) -> Option<&RegexSet> {
        self.allow
            .get_or_init(|| {
                (!self.allow_patterns.is_empty()).then(|| {
                    RegexSet::new(&self.allow_patterns).expect("allow regexes are validated")
                })
            })
            .as_ref()
    }
}

/// Compiled rules, ready to scan many texts (share it across threads).
#[derive(Debug)]
pub struct Detector {
    rules: Vec<Compiled>,
    /// Keyword automaton; pattern `i` belongs to rules `kw_rules[i]`.
    ac: Option<AhoCorasick>,
    kw_rules: Vec<Vec<usize>>,
    /// Rules without keywords (run on every line).
    always: Vec<usize>,
    global_allow: OnceLock<RegexSet>,
    global_patterns: Vec<String>,
    skip_files: Vec<String>,
}

/// Shannon entropy of `s` in bits per character (bytes for ASCII text).
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

fn invalid(id: &str, reason: impl ToString) -> RuleError {
    RuleError::Invalid {
        id: id.to_string(),
        reason: reason.to_string(),
    }
}

/// Compiles a rule's regex and checks its secret group.
fn check_rule(r: &crate::rules::Rule) -> Result<Regex, RuleError> {
    let regex = Regex::new(&r.regex).map_err(|e| invalid(&r.id, e))?;
    if r.secret_group >= regex.captures_len() {
        return Err(invalid(&r.id, "secret_group has no such capture group"));
    }
    Ok(regex)
}

fn build_set(id: &str, pats: &[String]) -> Result<RegexSet, RuleError> {
    RegexSet::new(pats).map_err(|e| invalid(id, e))
}

struct Candidate {
    rule: usize,
    start: usize,
    end: usize,
}

impl Detector {
    /// Compiles `rules`; `value_allow` are project-wide regexes of values that are never
    /// findings.
    pub fn new(rules: &RuleSet, value_allow: &[String]) -> Result<Detector, RuleError> {
        let mut compiled = Vec::with_capacity(rules.rules().len());
        let mut keywords: Vec<String> = Vec::new();
        let mut kw_rules: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (i, r) in rules.rules().iter().enumerate() {
            let (regex, allow) = (OnceLock::new(), OnceLock::new());
            if !r.builtin {
                let _ = regex.set(check_rule(r)?);
                let _ = allow.set(if r.allow.is_empty() {
                    None
                } else {
                    Some(build_set(&r.id, &r.allow)?)
                });
            }
            if r.keywords.is_empty() {
                always.push(i);
            }
            for k in &r.keywords {
                if k.is_empty() {
                    return Err(invalid(&r.id, "empty keyword"));
                }
                let k = k.to_ascii_lowercase();
                match keywords.iter().position(|x| *x == k) {
                    Some(p) => kw_rules[p].push(i),
                    None => {
                        keywords.push(k);
                        kw_rules.push(vec![i]);
                    }
                }
            }
            compiled.push(Compiled {
                id: r.id.clone(),
                description: r.description.clone(),
                pattern: r.regex.clone(),
                regex,
                group: r.secret_group,
                entropy: r.entropy,
                allow_patterns: r.allow.clone(),
                allow,
                multiline: dot_matches_newline(&r.regex),
                generic: r.id.starts_with("generic-"),
            });
        }
        let ac = if keywords.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&keywords)
                    .map_err(|e| invalid("keywords", e))?,
            )
        };
        // Project allow patterns are checked now; the whole set is compiled on first use.
        build_set("allow", value_allow)?;
        let mut global = builtin_global_allow();
        global.extend(value_allow.iter().cloned());
        Ok(Detector {
            rules: compiled,
            ac,
            kw_rules,
            always,
            global_allow: OnceLock::new(),
            global_patterns: global,
            skip_files: builtin_skip_files(),
        })
    }

    fn global_allow(&self) -> &RegexSet {
        self.global_allow.get_or_init(|| {
            RegexSet::new(&self.global_patterns).expect("global allow regexes are validated")
        })
    }

    /// Compiles every rule now (tests, and `--validate`-style checks).
    pub fn validate(rules: &RuleSet) -> Result<(), RuleError> {
        for r in rules.rules() {
            check_rule(r)?;
            if !r.allow.is_empty() {
                build_set(&r.id, &r.allow)?;
            }
        }
        build_set("allow", &builtin_global_allow()).map(|_| ())
    }

    /// Whether `file` is skipped by default (lockfiles).
    pub fn skips_file(&self, file: &str) -> bool {
        let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
        self.skip_files.iter().any(|s| s == name)
    }

    /// Findings in `text` (the file's content), reported against `file`.
    pub fn scan(&self, file: &str, text: &str) -> Vec<Finding> {
        if text.is_empty() || self.skips_file(file) || text.as_bytes().contains(&0) {
            return Vec::new();
        }
        // Line starts (byte offsets).
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0usize);
        line_starts.extend(memchr_newlines(text).map(|i| i + 1));
        let line_of = |off: usize| -> usize {
            match line_starts.binary_search(&off) {
                Ok(i) => i,
                Err(i) => i - 1,
            }
        };
        let line_end = |li: usize| -> usize {
            line_starts
                .get(li + 1)
                .map(|&s| s - 1)
                .unwrap_or(text.len())
        };

        // (rule, line) pairs to run.
        let mut work: Vec<(usize, usize)> = Vec::new();
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(text) {
                let li = line_of(m.start());
                for &r in &self.kw_rules[m.pattern().as_usize()] {
                    work.push((li, r));
                }
            }
        }
        if !self.always.is_empty() {
            for li in 0..line_starts.len() {
                for &r in &self.always {
                    work.push((li, r));
                }
            }
        }
        if work.is_empty() {
            return Vec::new();
        }
        work.sort_unstable();
        work.dedup();

        let mut cands: Vec<Candidate> = Vec::new();
        for &(li, ri) in &work {
            let rule = &self.rules[ri];
            let ls = line_starts[li];
            let le = line_end(li);
            let hay_end = if rule.multiline { text.len() } else { le };
            let hay = &text[ls..hay_end];
            for caps in rule.regex().captures_iter(hay) {
                let m0 = caps.get(0).expect("group 0");
                if ls + m0.start() > le {
                    break;
                }
                let Some(m) = caps.get(rule.group) else {
                    continue;
                };
                if m.start() == m.end() {
                    continue;
                }
                let secret = if rule.generic {
                    up_to_escaped_newline(m.as_str())
                } else {
                    m.as_str()
                };
                if rule.generic && secret.len() < GENERIC_MIN_LEN {
                    continue;
                }
                if let Some(min) = rule.entropy {
                    if shannon_entropy(secret) < min {
                        continue;
                    }
                }
                if rule.allow().is_some_and(|a| a.is_match(secret))
                    || self.global_allow().is_match(secret)
                {
                    continue;
                }
                cands.push(Candidate {
                    rule: ri,
                    start: ls + m.start(),
                    end: ls + m.start() + secret.len(),
                });
                if rule.multiline {
                    // One block per keyword line is enough.
                    break;
                }
            }
        }
        if cands.is_empty() {
            return Vec::new();
        }
        // Dedup: specific rules first, then longer secrets, then rule order.
        cands.sort_by(|a, b| {
            let ra = &self.rules[a.rule];
            let rb = &self.rules[b.rule];
            ra.generic
                .cmp(&rb.generic)
                .then((b.end - b.start).cmp(&(a.end - a.start)))
                .then(a.rule.cmp(&b.rule))
                .then(a.start.cmp(&b.start))
        });
        let mut kept: Vec<Candidate> = Vec::new();
        for c in cands {
            if kept.iter().any(|k| c.start < k.end && k.start < c.end) {
                continue;
            }
            kept.push(c);
        }
        kept.sort_by_key(|c| (c.start, c.rule));

        let mut out = Vec::with_capacity(kept.len());
        for c in kept {
            let li = line_of(c.start);
            let ls = line_starts[li];
            let first_line = &text[ls..line_end(li)];
            if first_line.contains("secrets:allow") {
                continue;
            }
            let end_li = line_of(c.end.saturating_sub(1).max(c.start));
            let rule = &self.rules[c.rule];
            out.push(Finding {
                file: file.to_string(),
                line: li + 1,
                end_line: end_li + 1,
                column: text[ls..c.start].chars().count() + 1,
                rule: rule.id.clone(),
                description: rule.description.clone(),
                secret: Zeroizing::new(text[c.start..c.end].to_string()),
            });
        }
        out
    }
}

/// Whether an inline flag group (`(?s)`, `(?is:`, ...) enables `s` (dot matches newline).
fn dot_matches_newline(re: &str) -> bool {
    re.match_indices("(?").any(|(i, _)| {
        re[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
            .take_while(|c| *c != '-')
            .any(|c| c == 's')
    })
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter_map(|(i, b)| (b == b'\n').then_some(i))
}

/// The shortest value a `generic-*` rule reports (their regexes ask for 8 characters too).
const GENERIC_MIN_LEN: usize = 8;

/// A generic value up to a `\n`, `\r` or `\t` escape: inside a string literal of source code
/// the escape ends the logical line (`"password: {v}\ntoken: …"`), so what follows is not part
/// of the value.
fn up_to_escaped_newline(value: &str) -> &str {
    let bytes = value.as_bytes();
    let cut = bytes
        .windows(2)
        .position(|w| w[0] == b'\\' && matches!(w[1], b'n' | b'r' | b't'));
    match cut {
        Some(i) => &value[..i],
        None => value,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn builtin_rules_and_allowlists_compile() {
        Detector::validate(&RuleSet::builtin().unwrap()).unwrap();
    }

    use super::*;

    fn det() -> Detector {
        Detector::new(&RuleSet::builtin().unwrap(), &[]).unwrap()
    }

    // Fake tokens are assembled at run time so this source file holds no token literal.
    fn ghp() -> String {
        format!("ghp_{}", "Q7wZk2Lr9XvB4nTq8YpH3sJd6FmC1aGe5UoR")
    }

    #[test]
    fn generic_values_end_at_an_escaped_newline() {
        assert_eq!(up_to_escaped_newline("pw-one\\napi_key:"), "pw-one");
        assert_eq!(up_to_escaped_newline("a\\tb"), "a");
        assert_eq!(up_to_escaped_newline("no-escape"), "no-escape");
        assert_eq!(up_to_escaped_newline("back\\slash"), "back\\slash");
        // Long enough before the escape: still a finding, ending at the escape.
        let text = "let s = \"password: Qz8vK2mW9xT4rB7n\\nuser: x\";\n"; // secrets:allow
        let f = det().scan("a.rs", text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].secret.as_str(), "Qz8vK2mW9xT4rB7n");
    }

    #[test]
    fn entropy() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn line_and_column() {
        let text = format!("first line\n\n  token: \"{}\"\n", ghp());
        let f = det().scan("a.yml", &text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].rule, "github-pat");
        assert_eq!((f[0].line, f[0].end_line, f[0].column), (3, 3, 11));
        assert_eq!(f[0].secret.as_str(), ghp());
    }

    #[test]
    fn column_counts_chars() {
        let text = format!("é = \"{}\"", ghp());
        let f = det().scan("a", &text);
        assert_eq!(f[0].column, 6);
    }

    #[test]
    fn inline_allow() {
        let text = format!("x = \"{}\" # secrets:allow\ny = \"{}\"\n", ghp(), ghp());
        let f = det().scan("a", &text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, 2);
    }

    #[test]
    fn dedup_prefers_specific() {
        let text = format!("GITHUB_TOKEN={}\n", ghp());
        let f = det().scan(".env", &text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].rule, "github-pat");
    }

    #[test]
    fn multi_line_pem() {
        let body = "MC4CAQAwBQYDK2VwBCIEIHm3pQ7xKz9Lw2vR8tYb4NcF1sJd6GhU0aEi5oTq"; // secrets:allow
        let text = format!(
            "name = x\nkey = <<EOF\n-----BEGIN {k}-----\n{body}\n-----END {k}-----\nEOF\n",
            k = "PRIVATE KEY"
        );
        let f = det().scan("tls.tf", &text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].line, f[0].end_line, f[0].column), (3, 5, 1));
        assert!(f[0].rule.starts_with("private-key"));
        // Suppressed on the first line.
        let text = text.replace("-----\nMC4", "----- \nMC4").replace(
            "-----BEGIN PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY----- secrets:allow",
        );
        assert!(det().scan("tls.tf", &text).is_empty());
    }

    #[test]
    fn binary_and_lockfiles_skipped() {
        let text = format!("x = \"{}\"\0", ghp());
        assert!(det().scan("a.bin", &text).is_empty());
        let text = format!("x = \"{}\"", ghp());
        assert!(det().scan("web/package-lock.json", &text).is_empty());
        assert!(det().scan("Cargo.lock", &text).is_empty());
        assert!(det().scan("go.sum", &text).is_empty());
        assert_eq!(det().scan("go.mod", &text).len(), 1);
    }

    #[test]
    fn allowlists() {
        let d = det();
        let negatives = [
            // sops values
            "password: ENC[AES256_GCM,data:q8Zk3Lr9vB4nTq8YpH3s==,iv:Jd6FmC1aGe5UoRw7Xk2Lr9vB4nTq8YpH3sJd6FmC1a=,tag:Ge5UoRq7wZk2Lr9XvB4nTq==,type:str]",
            "api_key: ENC[AES256_GCM,data:wZk2Lr9XvB4nTq8YpH3sJd6FmC1aGe5UoR,iv:x,tag:y,type:str]",
            // age public keys
            "recipient: age1c8t96dwq8p2r8hsj76x6v2xpexsspv8f0pzlxcxfjfgfmmf9vjvqa8fulq",
            // CI / template references
            "password: ${{ secrets.DB_PASSWORD }}",
            "GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}'",
            "SECRET_KEY=${SECRET_KEY}",
            "api_token = $API_TOKEN",
            "db_password: '{{ .Values.db_password }}'",
            "secret_key = \"%(SECRET_KEY)s\"",
            "const password = process.env.DB_PASSWORD;",
            "password = os.environ['DB_PASSWORD']",
            // placeholders
            "client_secret: 'REPLACE_ME'",
            "password = \"changeme\"",
            "api_key = \"your_api_key_here\"",
            "token: <your-token>",
            "OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "password: '********'",
            "secret = \"REDACTED_VALUE_1234\"",
            // documented example keys
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            // lockfile hashes
            "\"integrity\": \"sha512-TnXa1G33PTr/1rmMD1OXz6Ue/3jOgCoGcvEIUPYbXMNJLrg5VVuAHulXO7ywk==\",",
            "checksum = \"2aaae08bc329e252e8e8ef5043af331fc78592e1434d358857f12a6d05eebe0b\"",
            "\"h1:jGILC1lu4T5cQpsSnLz2mrplgtfTofemjKVHa93TKK4=\",",
            // publishable keys
            "STRIPE_PUBLISHABLE_KEY=pk_live_51fUwySIX2coyt9BDc63ZgCJ0n2Eo68Ff7KzPd9mLbyv",
            "publishable_key: pk_test_Y2xlcmsuZXhhbXBsZS5jb20k",
            // public keys
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG4rT8Vq2bX9wLmKp3sYdF7cJ1hN6eRuA0zQ5tWiOy deploy@ci",
            "-----BEGIN PUBLIC KEY-----",
            "-----BEGIN CERTIFICATE-----",
            // UUIDs, git SHAs
            "request_token_id: 934109e1-01bd-4c6f-8590-b2dc08641488",
            "GIT_SHA=e985f435c91da0b3c373f29188d8ac7341f95784",
            "- uses: actions/checkout@81bb4b15646f57fc8348542d04989dd9b57b720b # v4",
        ];
        for n in negatives {
            let f = d.scan("config.yml", n);
            assert!(
                f.is_empty(),
                "{n:?} -> {:?}",
                f.iter().map(|f| &f.rule).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn project_value_allow() {
        let text = format!("x = \"{}\"", ghp());
        let d = Detector::new(&RuleSet::builtin().unwrap(), &["^ghp_Q7wZ".to_string()]).unwrap();
        assert!(d.scan("a", &text).is_empty());
    }

    /// Throwaway evaluation runner: `SCAN_EVAL_ROOT=dir cargo test -p secrets-scan --release
    /// scan_eval -- --ignored --nocapture` prints one JSON line per finding.
    #[test]
    #[ignore]
    fn scan_eval() {
        let root = std::env::var("SCAN_EVAL_ROOT").expect("SCAN_EVAL_ROOT");
        let d = det();
        let mut stack = vec![std::path::PathBuf::from(&root)];
        let mut out = String::new();
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).unwrap() {
                let e = e.unwrap();
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                let text = String::from_utf8_lossy(&bytes);
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                for f in d.scan(&rel, &text) {
                    out.push_str(
                        &serde_json::json!({"file": f.file, "line": f.line, "end_line": f.end_line, "rule": f.rule})
                            .to_string(),
                    );
                    out.push('\n');
                }
            }
        }
        let dest = std::env::var("SCAN_EVAL_OUT").unwrap_or_else(|_| "/tmp/findings.jsonl".into());
        std::fs::write(dest, out).unwrap();
    }
}
