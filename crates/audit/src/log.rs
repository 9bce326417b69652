//! Formatting history events (`table`, `json`, `markdown`) and keeping the rotation-log
//! markdown file.
//!
//! **The rotation log** (`secrets log --write FILE`) is a markdown table with the header
//! [`MARKDOWN_HEADER`]. [`merge_markdown`] keeps every byte of the file except where it adds
//! rows: text around the table and every existing row, hand-written ones included, stay as they
//! were. A generated row is recognised by its Commit cell (the first run of 7 or more hex
//! digits; a longer or shorter abbreviation of the same commit matches), Secret, File and
//! Change cells (whitespace-insensitive), so running it twice adds nothing.
//!
//! **Confirmed in sync.** `secrets sync` appends a JSON line per run to the note of the commit
//! it deployed, under [`SYNC_NOTES_REF`]. A row for commit C and file F is confirmed when a
//! noted commit D has C as an ancestor (or is C) and one of D's runs synced F (or a later name
//! of F, when the log shows it renamed after C) successfully:
//! every target listing F among its `sources` ended `updated` or `unchanged`, and there was at
//! least one. The cell says `yes (YYYY-MM-DD)` with the date of the earliest such run.
//! An existing row keeps its cell, with one exception: an empty cell is filled once the row is
//! confirmed (a deployment is news the log should show; a filled cell is history and is never
//! rewritten, even when later notes disagree or disappear).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use git2::{ErrorCode, Oid, Repository, Sort};

pub use crate::date::{format_date, format_iso, parse_date};
use crate::error::AuditError;
use crate::history::{Change, ChangeKind, FileEvent};

/// The notes ref `secrets sync` writes its outcome to (one JSON line per run).
pub const SYNC_NOTES_REF: &str = "refs/notes/secrets-sync";

/// The cells of the rotation log's header row.
pub const MARKDOWN_HEADER: [&str; 8] = [
    "Date",
    "Secret",
    "File",
    "Change",
    "Reason",
    "Rotator",
    "Commit",
    "Confirmed in sync",
];

const NEW_LOG_PREAMBLE: &str = "# Secrets rotation log

Every change to the encrypted secrets, read from the git history by `secrets log --write`.
New rows are appended at the end of the table; rows written by hand are kept. Values never
appear here: only key paths, recipients and commits.

";

/// Output format of `secrets log`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// A JSON array of flat entries.
    Json,
    /// The rotation-log markdown table.
    Markdown,
}

impl Format {
    /// `table`, `json` or `markdown`.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "table" => Some(Format::Table),
            "json" => Some(Format::Json),
            "markdown" | "md" => Some(Format::Markdown),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Table and JSON.

fn short(commit: &str) -> &str {
    commit.get(..8).unwrap_or(commit)
}

fn entries(events: &[FileEvent]) -> impl Iterator<Item = (&FileEvent, &Change)> {
    events
        .iter()
        .flat_map(|e| e.changes.iter().map(move |c| (e, c)))
}

/// `age1` + 58 characters, shortened to `age1cnf60h48…v5065` so table rows stay readable (JSON
/// and markdown keep whole recipients). Signs and commas around a recipient stay.
fn shorten_recipients(text: &str) -> String {
    let shorten = |word: &str| -> String {
        let start = word.find("age1").unwrap_or(word.len());
        let core_len = word[start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(word.len() - start);
        let core = &word[start..start + core_len];
        if core.len() == 62 {
            format!(
                "{}{}…{}{}",
                &word[..start],
                &core[..12],
                &core[57..],
                &word[start + core_len..]
            )
        } else {
            word.to_string()
        }
    };
    text.split(' ').map(shorten).collect::<Vec<_>>().join(" ")
}

/// Aligned columns: DATE, FILE, KEY, CHANGE (kind and detail), COMMIT, AUTHOR, REASON; one line
/// per change, oldest first.
pub fn render_table(events: &[FileEvent]) -> String {
    let mut rows: Vec<[String; 7]> = vec![[
        "DATE".into(),
        "FILE".into(),
        "KEY".into(),
        "CHANGE".into(),
        "COMMIT".into(),
        "AUTHOR".into(),
        "REASON".into(),
    ]];
    for (e, c) in entries(events) {
        let change = match &c.detail {
            Some(d) => format!("{} {}", c.kind.name(), shorten_recipients(d)),
            None => c.kind.name().to_string(),
        };
        rows.push([
            format_date(e.time),
            e.file.clone(),
            c.key.clone().unwrap_or_else(|| "-".into()),
            change,
            short(&e.commit).to_string(),
            e.author.clone(),
            e.subject.clone(),
        ]);
    }
    let mut widths = [0usize; 7];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - cell.chars().count();
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A JSON array with one flat object per change: `date` (ISO 8601, UTC), `time` (seconds),
/// `file`, `key`, `change` (kind), `detail`, `commit` (full id), `author`, `email`, `reason`.
pub fn render_json(events: &[FileEvent]) -> String {
    let list: Vec<serde_json::Value> = entries(events)
        .map(|(e, c)| {
            serde_json::json!({
                "date": format_iso(e.time),
                "time": e.time,
                "file": e.file,
                "key": c.key,
                "change": c.kind.name(),
                "detail": c.detail,
                "commit": e.commit,
                "author": e.author,
                "email": e.email,
                "reason": e.subject,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

// ---------------------------------------------------------------------------------------------
// Sync confirmations.

/// Which commits `secrets sync` confirmed deployed, per source file, from the sync notes.
#[derive(Debug, Default)]
pub struct SyncConfirmations {
    /// Commit → (source file → earliest sync time of a run at that commit or a descendant).
    by_commit: HashMap<Oid, HashMap<String, i64>>,
}

/// The successful runs in one note: `(synced_at, sources every listing target synced)`.
fn runs_in_note(text: &str) -> Vec<(i64, Vec<String>)> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
            continue;
        }
        let Some(at) = v.get("synced_at").and_then(serde_json::Value::as_i64) else {
            continue;
        };
        let Some(targets) = v.get("targets").and_then(serde_json::Value::as_array) else {
            continue;
        };
        // source → every target listing it succeeded so far.
        let mut ok: HashMap<String, bool> = HashMap::new();
        for t in targets {
            let good = matches!(
                t.get("status").and_then(serde_json::Value::as_str),
                Some("updated" | "unchanged")
            );
            let sources = t.get("sources").and_then(serde_json::Value::as_array);
            for s in sources
                .into_iter()
                .flatten()
                .filter_map(serde_json::Value::as_str)
            {
                let s = s.trim_start_matches("./").to_string();
                *ok.entry(s).or_insert(true) &= good;
            }
        }
        let synced: Vec<String> = ok.into_iter().filter(|(_, g)| *g).map(|(s, _)| s).collect();
        if !synced.is_empty() {
            out.push((at, synced));
        }
    }
    out
}

fn merge_min(into: &mut HashMap<String, i64>, from: &HashMap<String, i64>) {
    for (k, v) in from {
        into.entry(k.clone())
            .and_modify(|t| *t = (*t).min(*v))
            .or_insert(*v);
    }
}

impl SyncConfirmations {
    /// No confirmations (outside a repository, or when not asked for).
    pub fn none() -> SyncConfirmations {
        SyncConfirmations::default()
    }

    /// Reads [`SYNC_NOTES_REF`] and propagates each successful run from its commit to every
    /// ancestor (one topological walk, children before parents). Malformed note lines are
    /// skipped.
    pub fn load(repo: &Repository) -> Result<SyncConfirmations, AuditError> {
        let notes = match repo.notes(Some(SYNC_NOTES_REF)) {
            Ok(n) => n,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(Self::none()),
            Err(e) => return Err(AuditError::git("cannot read the sync notes")(e)),
        };
        let mut own: HashMap<Oid, HashMap<String, i64>> = HashMap::new();
        for item in notes {
            let (note, target) = item.map_err(AuditError::git("cannot read the sync notes"))?;
            let blob = repo
                .find_blob(note)
                .map_err(AuditError::git("cannot read a sync note"))?;
            for (at, sources) in runs_in_note(&String::from_utf8_lossy(blob.content())) {
                let entry = own.entry(target).or_default();
                let run: HashMap<String, i64> = sources.into_iter().map(|s| (s, at)).collect();
                merge_min(entry, &run);
            }
        }
        if own.is_empty() {
            return Ok(Self::none());
        }
        let mut walk = repo
            .revwalk()
            .map_err(AuditError::git("cannot walk history"))?;
        walk.set_sorting(Sort::TOPOLOGICAL)
            .map_err(AuditError::git("cannot walk history"))?;
        for oid in own.keys() {
            // A note on an object that is not a commit (or no longer exists) confirms nothing.
            let _ = walk.push(*oid);
        }
        let mut pending: HashMap<Oid, HashMap<String, i64>> = HashMap::new();
        let mut by_commit = HashMap::new();
        for oid in walk {
            let oid = oid.map_err(AuditError::git("cannot walk history"))?;
            let mut acc = pending.remove(&oid).unwrap_or_default();
            if let Some(mine) = own.get(&oid) {
                merge_min(&mut acc, mine);
            }
            if acc.is_empty() {
                continue;
            }
            let commit = repo
                .find_commit(oid)
                .map_err(|e| AuditError::git(format!("cannot read commit {oid}"))(e))?;
            for parent in commit.parent_ids() {
                merge_min(pending.entry(parent).or_default(), &acc);
            }
            by_commit.insert(oid, acc);
        }
        Ok(SyncConfirmations { by_commit })
    }

    /// When `file` as of `commit` (full id) was first confirmed deployed, if it was.
    pub fn confirmed_at(&self, commit: &str, file: &str) -> Option<i64> {
        let oid = Oid::from_str(commit).ok()?;
        self.by_commit.get(&oid)?.get(file).copied()
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown.

/// One row of the rotation log, cells unescaped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// `YYYY-MM-DD` (UTC, author date).
    pub date: String,
    /// The key path in backticks, or `—` for changes to the whole file.
    pub secret: String,
    /// Repository-relative file.
    pub file: String,
    /// What happened, in words.
    pub change: String,
    /// The commit subject.
    pub reason: String,
    /// The author's name.
    pub rotator: String,
    /// The commit, abbreviated to 8 hex digits.
    pub commit: String,
    /// `yes (YYYY-MM-DD)` or empty.
    pub confirmed: String,
}

fn code_span(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// The Change cell: `added`, `changed`, `recipient added `age1…``, `data key rotated`, ….
fn change_words(c: &Change) -> String {
    let detail = c.detail.as_deref().unwrap_or_default();
    match c.kind {
        ChangeKind::FileCreated => "file created".into(),
        ChangeKind::FileDeleted => "file deleted".into(),
        ChangeKind::FileRenamed => format!("renamed from {}", code_span(detail)),
        ChangeKind::KeyAdded => "added".into(),
        ChangeKind::KeyChanged => "changed".into(),
        ChangeKind::KeyRemoved => "removed".into(),
        ChangeKind::RecipientAdded => format!("recipient added {}", code_span(detail)),
        ChangeKind::RecipientRemoved => format!("recipient removed {}", code_span(detail)),
        ChangeKind::DataKeyRotated => "data key rotated".into(),
        ChangeKind::Reencrypted => "re-encrypted".into(),
        ChangeKind::RuleChanged => code_span(detail),
    }
}

/// One row per change, oldest first. A row is confirmed in sync under its file's name or under
/// a later name (renames among `events` are followed forward).
pub fn rows(events: &[FileEvent], sync: &SyncConfirmations) -> Vec<Row> {
    let renames: Vec<(usize, &str, &str)> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let c = e
                .changes
                .iter()
                .find(|c| c.kind == ChangeKind::FileRenamed)?;
            Some((i, c.detail.as_deref()?, e.file.as_str()))
        })
        .collect();
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let mut names = vec![e.file.as_str()];
        for (j, old, new) in &renames {
            if *j > i && Some(old) == names.last() {
                names.push(new);
            }
        }
        let confirmed = names
            .iter()
            .filter_map(|n| sync.confirmed_at(&e.commit, n))
            .min()
            .map(|t| format!("yes ({})", format_date(t)))
            .unwrap_or_default();
        for c in &e.changes {
            out.push(Row {
                date: format_date(e.time),
                secret: c.key.as_deref().map_or_else(|| "—".to_string(), code_span),
                file: e.file.clone(),
                change: change_words(c),
                reason: e.subject.clone(),
                rotator: e.author.clone(),
                commit: short(&e.commit).to_string(),
                confirmed: confirmed.clone(),
            });
        }
    }
    out
}

fn escape_cell(text: &str) -> String {
    text.replace(['\r', '\n'], " ").replace('|', "\\|")
}

fn row_line(cells: &[String]) -> String {
    let escaped: Vec<String> = cells.iter().map(|c| escape_cell(c)).collect();
    format!("| {} |", escaped.join(" | "))
}

impl Row {
    fn cells(&self) -> Vec<String> {
        vec![
            self.date.clone(),
            self.secret.clone(),
            self.file.clone(),
            self.change.clone(),
            self.reason.clone(),
            self.rotator.clone(),
            self.commit.clone(),
            self.confirmed.clone(),
        ]
    }

    /// The markdown line (without a newline).
    pub fn line(&self) -> String {
        row_line(&self.cells())
    }
}

fn header_line() -> String {
    format!("| {} |", MARKDOWN_HEADER.join(" | "))
}

fn separator_line() -> String {
    format!("|{}", "---|".repeat(MARKDOWN_HEADER.len()))
}

/// The header, separator and one line per row.
pub fn render_markdown(rows: &[Row]) -> String {
    let mut out = format!("{}\n{}\n", header_line(), separator_line());
    for r in rows {
        out.push_str(&r.line());
        out.push('\n');
    }
    out
}

/// Splits a table line into unescaped cells (`\|` is a literal pipe).
fn split_cells(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cell).trim().to_string()),
            _ => cell.push(c),
        }
    }
    if !cell.trim().is_empty() {
        cells.push(cell.trim().to_string());
    }
    cells
}

fn normalize(cell: &str) -> String {
    cell.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The commit a Commit cell names: its first run of at least 7 hex digits, lowercased.
fn commit_in_cell(cell: &str) -> Option<String> {
    cell.split(|c: char| !c.is_ascii_hexdigit())
        .find(|run| run.len() >= 7)
        .map(str::to_ascii_lowercase)
}

/// What identifies a row: commit, secret, file, change.
struct RowKey {
    commit: String,
    rest: (String, String, String),
}

impl RowKey {
    fn of(cells: &[String]) -> Option<RowKey> {
        if cells.len() < MARKDOWN_HEADER.len() {
            return None;
        }
        Some(RowKey {
            commit: commit_in_cell(&cells[6])?,
            rest: (
                normalize(&cells[1]),
                normalize(&cells[2]),
                normalize(&cells[3]),
            ),
        })
    }

    fn same(&self, other: &RowKey) -> bool {
        self.rest == other.rest
            && (self.commit.starts_with(&other.commit) || other.commit.starts_with(&self.commit))
    }
}

fn is_header(line: &str) -> bool {
    let cells = split_cells(line);
    cells.len() == MARKDOWN_HEADER.len()
        && cells
            .iter()
            .zip(MARKDOWN_HEADER)
            .all(|(c, h)| normalize(c).eq_ignore_ascii_case(h))
}

fn is_separator(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// The result of merging new rows into a rotation log.
#[derive(Debug, PartialEq, Eq)]
pub struct Merged {
    /// The new file content.
    pub text: String,
    /// Rows appended.
    pub added: usize,
    /// Existing rows whose empty "Confirmed in sync" cell was filled.
    pub confirmed: usize,
}

/// Appends the rows not yet in the table to `existing` (a new file when `None`, a new table at
/// the end when the file has none) and fills empty "Confirmed in sync" cells of rows that are
/// now confirmed. Everything else is kept byte for byte.
pub fn merge_markdown(existing: Option<&str>, rows: &[Row]) -> Merged {
    let text = existing.unwrap_or_default();
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    let header = lines
        .iter()
        .enumerate()
        .position(|(i, l)| is_header(l) && lines.get(i + 1).is_some_and(|s| is_separator(s)));
    let (insert_at, table_start) = match header {
        Some(h) => {
            let mut end = h + 2;
            while end < lines.len() && lines[end].trim_start().starts_with('|') {
                end += 1;
            }
            (end, h + 2)
        }
        None => {
            if existing.is_none() {
                lines.push(NEW_LOG_PREAMBLE.to_string());
            } else if !text.is_empty() {
                if !text.ends_with('\n') {
                    lines.push("\n".into());
                }
                lines.push("\n".into());
            }
            lines.push(format!("{}\n", header_line()));
            lines.push(format!("{}\n", separator_line()));
            (lines.len(), lines.len())
        }
    };

    let existing_keys: Vec<(usize, Option<RowKey>)> = (table_start..insert_at)
        .map(|i| (i, RowKey::of(&split_cells(&lines[i]))))
        .collect();
    let mut appended: Vec<RowKey> = Vec::new();
    let mut new_lines = Vec::new();
    let mut confirmed = 0;
    for row in rows {
        let cells = row.cells();
        let Some(key) = RowKey::of(&cells) else {
            continue;
        };
        let found = existing_keys
            .iter()
            .find(|(_, k)| k.as_ref().is_some_and(|k| k.same(&key)));
        match found {
            Some((i, _)) => {
                if row.confirmed.is_empty() {
                    continue;
                }
                let mut old = split_cells(&lines[*i]);
                if old.len() < MARKDOWN_HEADER.len() || !old[7].is_empty() {
                    continue;
                }
                old[7] = row.confirmed.clone();
                let ending = if lines[*i].ends_with('\n') { "\n" } else { "" };
                lines[*i] = format!("{}{ending}", row_line(&old));
                confirmed += 1;
            }
            None if appended.iter().any(|k| k.same(&key)) => {}
            None => {
                new_lines.push(format!("{}\n", row.line()));
                appended.push(key);
            }
        }
    }
    let added = new_lines.len();
    if added > 0 && insert_at > 0 && !lines[insert_at - 1].ends_with('\n') {
        lines[insert_at - 1].push('\n');
    }
    let tail = lines.split_off(insert_at);
    lines.extend(new_lines);
    lines.extend(tail);
    Merged {
        text: lines.concat(),
        added,
        confirmed,
    }
}

/// What [`write_markdown`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct WriteSummary {
    /// Rows appended.
    pub added: usize,
    /// Existing rows newly confirmed.
    pub confirmed: usize,
    /// Whether the file was (re)written; `false` when nothing changed.
    pub written: bool,
}

/// Merges `rows` into the rotation log at `path` (see [`merge_markdown`]) and writes it
/// atomically when something changed: a temporary file in the same directory, flushed to disk,
/// then renamed over the old one (which keeps its permissions).
pub fn write_markdown(path: &Path, rows: &[Row]) -> Result<WriteSummary, AuditError> {
    let existing = match std::fs::read(path) {
        Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(AuditError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let merged = merge_markdown(existing.as_deref(), rows);
    let written = existing.as_deref() != Some(merged.text.as_str());
    if written {
        write_atomic(path, merged.text.as_bytes()).map_err(|source| AuditError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    Ok(WriteSummary {
        added: merged.added,
        confirmed: merged.confirmed,
        written,
    })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".secrets-log-")
        .tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    if let Ok(m) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(m.permissions())?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::{Signature, Time};

    const JAN_1: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z

    fn event(commit: &str, day: i64, file: &str, changes: Vec<Change>) -> FileEvent {
        FileEvent {
            commit: commit.repeat(40 / commit.len()),
            time: JAN_1 + day * 86_400,
            author: "Alice Ä".into(),
            email: "alice@example.invalid".into(),
            subject: "rotate | things".into(),
            file: file.into(),
            changes,
        }
    }

    fn key(kind: ChangeKind, k: &str) -> Change {
        Change {
            kind,
            key: Some(k.into()),
            detail: None,
        }
    }

    fn events() -> Vec<FileEvent> {
        vec![
            event(
                "a1",
                0,
                "s/app.yaml",
                vec![
                    Change {
                        kind: ChangeKind::FileCreated,
                        key: None,
                        detail: None,
                    },
                    key(ChangeKind::KeyAdded, r#"["db"]["pw"]"#),
                ],
            ),
            event(
                "b2",
                1,
                "s/app.yaml",
                vec![
                    Change {
                        kind: ChangeKind::RecipientRemoved,
                        key: None,
                        detail: Some("age1bob".into()),
                    },
                    key(ChangeKind::KeyChanged, r#"["db"]["pw"]"#),
                ],
            ),
        ]
    }

    #[test]
    fn table_shortens_whole_recipients_only() {
        let r = "age1cnf60h48zvjnh386255e5u53ph3aaq93k53vsp7aywzfhrdt93sqrv5065";
        assert_eq!(shorten_recipients(r), "age1cnf60h48…v5065");
        assert_eq!(
            shorten_recipients(&format!("rule ^a/ (new): +{r}, -{r}")),
            "rule ^a/ (new): +age1cnf60h48…v5065, -age1cnf60h48…v5065"
        );
        assert_eq!(
            shorten_recipients("age1bob ssh-ed25519 x"),
            "age1bob ssh-ed25519 x"
        );
    }

    #[test]
    fn table_is_aligned() {
        assert_eq!(
            render_table(&events()),
            "\
DATE        FILE        KEY           CHANGE                     COMMIT    AUTHOR   REASON
2024-01-01  s/app.yaml  -             file-created               a1a1a1a1  Alice Ä  rotate | things
2024-01-01  s/app.yaml  [\"db\"][\"pw\"]  key-added                  a1a1a1a1  Alice Ä  rotate | things
2024-01-02  s/app.yaml  -             recipient-removed age1bob  b2b2b2b2  Alice Ä  rotate | things
2024-01-02  s/app.yaml  [\"db\"][\"pw\"]  key-changed                b2b2b2b2  Alice Ä  rotate | things
"
        );
    }

    #[test]
    fn json_entries_are_flat() {
        let v: serde_json::Value = serde_json::from_str(&render_json(&events())).unwrap();
        let list = v.as_array().unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(
            list[2],
            serde_json::json!({
                "date": "2024-01-02T00:00:00Z",
                "time": JAN_1 + 86_400,
                "file": "s/app.yaml",
                "key": null,
                "change": "recipient-removed",
                "detail": "age1bob",
                "commit": "b2".repeat(20),
                "author": "Alice Ä",
                "email": "alice@example.invalid",
                "reason": "rotate | things",
            })
        );
    }

    #[test]
    fn markdown_rows_escape_pipes() {
        let rows = rows(&events(), &SyncConfirmations::none());
        assert_eq!(
            render_markdown(&rows[2..3]),
            "| Date | Secret | File | Change | Reason | Rotator | Commit | Confirmed in sync |\n\
             |---|---|---|---|---|---|---|---|\n\
             | 2024-01-02 | — | s/app.yaml | recipient removed `age1bob` | rotate \\| things | Alice Ä | b2b2b2b2 |  |\n"
        );
        let cells = split_cells(&rows[2].line());
        assert_eq!(cells[4], "rotate | things");
        assert_eq!(cells[7], "");
    }

    #[test]
    fn merge_creates_then_adds_nothing() {
        let rows = rows(&events(), &SyncConfirmations::none());
        let first = merge_markdown(None, &rows);
        assert_eq!(first.added, 4);
        assert!(first.text.starts_with("# Secrets rotation log\n"));
        assert!(first.text.ends_with("| 2024-01-02 | `[\"db\"][\"pw\"]` | s/app.yaml | changed | rotate \\| things | Alice Ä | b2b2b2b2 |  |\n"));
        let second = merge_markdown(Some(&first.text), &rows);
        assert_eq!(second.added, 0);
        assert_eq!(second.text, first.text);
    }

    #[test]
    fn merge_keeps_hand_rows_and_surrounding_text() {
        let existing = "# Log\n\nIntro.\n\n| Date | Secret | File | Change | Reason | Rotator | Commit | Confirmed in sync |\n\
                        | :--- | --- | --- | --- | --- | --- | --- | --- |\n\
                        | 2023-12-01 | `[\"old\"]` | s/app.yaml | changed | by hand | Eve | [abcdef1](https://x/abcdef1) | yes |\n\
                        |2024-01-01|`[\"db\"][\"pw\"]`|s/app.yaml|added|typed again| Alice |a1a1a1a|    |\n\
                        \nOutro text.\n";
        let rows = rows(&events(), &SyncConfirmations::none());
        let merged = merge_markdown(Some(existing), &rows);
        // The hand-typed copy of one generated row (short commit, odd spacing) is recognised.
        assert_eq!(merged.added, 3);
        let lines: Vec<&str> = merged.text.lines().collect();
        assert_eq!(lines[0..8], existing.lines().collect::<Vec<_>>()[0..8]);
        assert!(lines[8].starts_with("| 2024-01-01 | — | s/app.yaml | file created |"));
        assert!(lines[10].contains("| changed |"));
        assert_eq!(lines[11], "");
        assert_eq!(lines[12], "Outro text.");
        assert_eq!(merge_markdown(Some(&merged.text), &rows).text, merged.text);
    }

    #[test]
    fn merge_fills_empty_confirmations_only() {
        let mut rows = rows(&events(), &SyncConfirmations::none());
        let first = merge_markdown(None, &rows[..1]);
        let mut text = first.text.clone();
        text.push_str(
            "| 2024-01-01 | `[\"x\"]` | s/app.yaml | added | hand | Eve | a1a1a1a1 | no |\n",
        );
        for r in &mut rows {
            r.confirmed = "yes (2024-01-03)".into();
        }
        let mut hand = rows[0].clone();
        hand.secret = "`[\"x\"]`".into();
        hand.change = "added".into();
        rows.push(hand);
        let merged = merge_markdown(Some(&text), &rows);
        assert_eq!(merged.confirmed, 1);
        assert_eq!(merged.added, 3);
        assert!(merged.text.contains(
            "| file created | rotate \\| things | Alice Ä | a1a1a1a1 | yes (2024-01-03) |\n"
        ));
        // A filled cell is history: it is not rewritten.
        assert!(merged.text.contains("| hand | Eve | a1a1a1a1 | no |\n"));
    }

    #[test]
    fn merge_appends_a_table_to_a_file_without_one() {
        let rows = rows(&events(), &SyncConfirmations::none());
        let merged = merge_markdown(Some("# Notes\nno table"), &rows[..1]);
        assert_eq!(
            merged.text,
            "# Notes\nno table\n\n\
             | Date | Secret | File | Change | Reason | Rotator | Commit | Confirmed in sync |\n\
             |---|---|---|---|---|---|---|---|\n\
             | 2024-01-01 | — | s/app.yaml | file created | rotate \\| things | Alice Ä | a1a1a1a1 |  |\n"
        );
    }

    #[test]
    fn write_markdown_is_atomic_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docs/log.md");
        let rows = rows(&events(), &SyncConfirmations::none());
        let first = write_markdown(&path, &rows).unwrap();
        assert_eq!((first.added, first.written), (4, true));
        let second = write_markdown(&path, &rows).unwrap();
        assert_eq!((second.added, second.written), (0, false));
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["log.md"]);
    }

    #[test]
    fn note_runs_need_every_listing_target() {
        let note = r#"{"version":1,"synced_at":100,"targets":[
            {"target":"a","status":"updated","sources":["s/x.yaml","./s/y.yaml"]},
            {"target":"b","status":"failed","sources":["s/y.yaml"]},
            {"target":"c","status":"unchanged","sources":["s/z.yaml"]}]}"#
            .replace('\n', "");
        let text = format!("{note}\nnot json\n{{\"version\":2,\"synced_at\":1,\"targets\":[]}}\n");
        let mut runs = runs_in_note(&text);
        runs[0].1.sort();
        assert_eq!(
            runs,
            [(100, vec!["s/x.yaml".to_string(), "s/z.yaml".to_string()])]
        );
    }

    #[test]
    fn confirmations_reach_ancestors_only() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let tree = repo
            .find_tree(repo.index().unwrap().write_tree().unwrap())
            .unwrap();
        let mut parents: Vec<Oid> = Vec::new();
        for day in 0..4 {
            let sig = Signature::new("A", "a@x", &Time::new(JAN_1 + day * 86_400, 0)).unwrap();
            let parent = parents.last().map(|p| repo.find_commit(*p).unwrap());
            let parent_refs: Vec<&git2::Commit<'_>> = parent.iter().collect();
            let id = repo
                .commit(Some("HEAD"), &sig, &sig, "c", &tree, &parent_refs)
                .unwrap();
            parents.push(id);
        }
        let sig = Signature::new("A", "a@x", &Time::new(JAN_1, 0)).unwrap();
        let line = |at: i64, status: &str| {
            format!(
                r#"{{"version":1,"synced_at":{at},"targets":[{{"target":"t","status":"{status}","sources":["s/x.yaml"]}}]}}"#
            )
        };
        // Commit 1 synced on Jan 5 and Jan 9; commit 3's run failed.
        let text = format!(
            "{}\n{}\n",
            line(JAN_1 + 8 * 86_400, "updated"),
            line(JAN_1 + 4 * 86_400, "unchanged")
        );
        repo.note(&sig, &sig, Some(SYNC_NOTES_REF), parents[1], &text, false)
            .unwrap();
        repo.note(
            &sig,
            &sig,
            Some(SYNC_NOTES_REF),
            parents[3],
            &line(JAN_1, "failed"),
            false,
        )
        .unwrap();
        let sync = SyncConfirmations::load(&repo).unwrap();
        let at = |i: usize| sync.confirmed_at(&parents[i].to_string(), "s/x.yaml");
        assert_eq!(at(0), Some(JAN_1 + 4 * 86_400));
        assert_eq!(at(1), Some(JAN_1 + 4 * 86_400));
        assert_eq!(at(2), None);
        assert_eq!(at(3), None);
        assert_eq!(
            sync.confirmed_at(&parents[0].to_string(), "s/other.yaml"),
            None
        );
        // No notes ref at all.
        let empty = tempfile::tempdir().unwrap();
        let bare = Repository::init(empty.path()).unwrap();
        assert!(SyncConfirmations::load(&bare).unwrap().by_commit.is_empty());
    }
}
