//! Stores convert bytes to the tree and back; they know nothing about encryption.

pub mod binary;
pub mod dotenv;
pub mod ini;
pub mod json;
pub mod yaml;

use std::path::Path;

use crate::error::{Error, Result};
use crate::metadata::{EmptyList, Metadata, METADATA_KEY};
use crate::tree::{Branch, Branches, Value};

/// A file format sops supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// YAML (multi-document).
    Yaml,
    /// JSON.
    Json,
    /// dotenv.
    Dotenv,
    /// INI.
    Ini,
    /// Any bytes.
    Binary,
}

impl Format {
    /// sops' choice by file name: `.yaml`/`.yml`, `.json`, `.env`, `.ini`, otherwise binary.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml") | Some("yml") => Format::Yaml,
            Some("json") => Format::Json,
            Some("env") => Format::Dotenv,
            Some("ini") => Format::Ini,
            _ => Format::Binary,
        }
    }

    /// `--input-type`/`--output-type` names.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "yaml" => Format::Yaml,
            "json" => Format::Json,
            "dotenv" => Format::Dotenv,
            "ini" => Format::Ini,
            "binary" => Format::Binary,
            _ => return None,
        })
    }

    /// The name sops uses.
    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Dotenv => "dotenv",
            Format::Ini => "ini",
            Format::Binary => "binary",
        }
    }
}

/// The `stores:` section of `.sops.yaml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreConfig {
    /// `stores.yaml.indent` (default 4).
    pub yaml_indent: usize,
    /// `stores.json.indent` (-1 = tab).
    pub json_indent: i64,
    /// `stores.json_binary.indent`.
    pub json_binary_indent: i64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            yaml_indent: 4,
            json_indent: -1,
            json_binary_indent: -1,
        }
    }
}

/// A store for one format with its configuration.
#[derive(Clone, Copy, Debug)]
pub struct Store {
    /// The format.
    pub format: Format,
    /// Indentation settings.
    pub config: StoreConfig,
}

fn first_branch(mut branches: Branches) -> Branch {
    if branches.is_empty() {
        Branch::new()
    } else {
        branches.swap_remove(0)
    }
}

/// Takes the metadata from the first document's top-level `sops` key and removes every
/// top-level `sops` key from every document.
fn extract_tree_metadata(branches: &mut Branches) -> Result<Metadata> {
    let value = branches
        .first()
        .and_then(|b| b.get(METADATA_KEY))
        .cloned()
        .ok_or(Error::MetadataNotFound)?;
    for b in branches.iter_mut() {
        b.remove_all(METADATA_KEY);
    }
    Metadata::from_value(&value)
}

impl Store {
    /// A store with default settings.
    pub fn new(format: Format) -> Store {
        Store {
            format,
            config: StoreConfig::default(),
        }
    }

    /// Parses a plaintext file.
    pub fn load_plain(&self, bytes: &[u8]) -> Result<Branches> {
        Ok(match self.format {
            Format::Yaml => yaml::parse(bytes)?,
            Format::Json => vec![json::parse(bytes)?],
            Format::Dotenv => vec![dotenv::parse(bytes)?],
            Format::Ini => vec![ini::parse(bytes)?],
            Format::Binary => vec![binary::parse(bytes)],
        })
    }

    /// Parses an encrypted file into its (still encrypted) branches and metadata.
    pub fn load_encrypted(&self, bytes: &[u8]) -> Result<(Branches, Metadata)> {
        match self.format {
            Format::Yaml => {
                let mut branches = yaml::parse(bytes)?;
                let md = extract_tree_metadata(&mut branches)?;
                Ok((branches, md))
            }
            Format::Json | Format::Binary => {
                let mut branches = vec![json::parse(bytes)?];
                let md = extract_tree_metadata(&mut branches)?;
                Ok((branches, md))
            }
            Format::Dotenv => {
                let mut b = dotenv::parse(bytes)?;
                let md = dotenv::extract_metadata(&mut b)?;
                Ok((vec![b], md))
            }
            Format::Ini => {
                let mut b = ini::parse(bytes)?;
                let md = ini::extract_metadata(&mut b)?;
                Ok((vec![b], md))
            }
        }
    }

    /// Writes plaintext.
    pub fn emit_plain(&self, branches: &Branches) -> Result<Vec<u8>> {
        match self.format {
            Format::Yaml => yaml::emit_documents(branches, self.config.yaml_indent),
            Format::Json => json::emit(&first_branch(branches.clone()), self.config.json_indent),
            Format::Dotenv => dotenv::emit(&first_branch(branches.clone())),
            Format::Ini => ini::emit(branches),
            Format::Binary => binary::emit(&first_branch(branches.clone())),
        }
    }

    /// Writes an encrypted file: the data followed by the metadata.
    pub fn emit_encrypted(&self, branches: &Branches, md: &Metadata) -> Result<Vec<u8>> {
        let with_metadata = |empty: EmptyList| -> Branches {
            branches
                .iter()
                .map(|b| {
                    let mut b = b.clone();
                    b.push(METADATA_KEY, Value::Map(md.to_branch(empty)));
                    b
                })
                .collect()
        };
        match self.format {
            Format::Yaml => {
                let docs = if branches.is_empty() {
                    vec![{
                        let mut b = Branch::new();
                        b.push(METADATA_KEY, Value::Map(md.to_branch(EmptyList::AsList)));
                        b
                    }]
                } else {
                    with_metadata(EmptyList::AsList)
                };
                yaml::emit_documents(&docs, self.config.yaml_indent)
            }
            Format::Json => json::emit(
                &first_branch(with_metadata(EmptyList::AsNull)),
                self.config.json_indent,
            ),
            Format::Binary => json::emit(
                &first_branch(with_metadata(EmptyList::AsNull)),
                self.config.json_binary_indent,
            ),
            Format::Dotenv => dotenv::emit_encrypted(&first_branch(branches.clone()), md),
            Format::Ini => ini::emit_encrypted(&first_branch(branches.clone()), md),
        }
    }

    /// Writes one extracted value (`decrypt --extract`).
    pub fn emit_value(&self, value: &Value) -> Result<Vec<u8>> {
        match self.format {
            Format::Yaml => yaml::emit_value(value, self.config.yaml_indent),
            Format::Json | Format::Binary => json::emit_value(value, self.config.json_indent),
            Format::Dotenv => match value {
                Value::Map(b) => dotenv::emit(b),
                other => dotenv::scalar_text(other)
                    .ok_or_else(|| Error::emit("dotenv", "cannot write a list as dotenv")),
            },
            Format::Ini => match value {
                Value::Map(b) => ini::emit(std::slice::from_ref(b)),
                _ => Err(Error::emit("ini", "only sections can be written as INI")),
            },
        }
    }

    /// True when a plaintext already carries sops metadata (encrypting it again is refused).
    pub fn has_metadata(&self, branches: &Branches) -> bool {
        match self.format {
            Format::Dotenv => branches.iter().any(dotenv::has_metadata),
            Format::Ini => branches.iter().any(ini::has_metadata),
            _ => branches.iter().any(|b| b.keys().any(|k| k == METADATA_KEY)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_by_extension() {
        assert_eq!(Format::from_path(Path::new("a.yml")), Format::Yaml);
        assert_eq!(Format::from_path(Path::new("x.env")), Format::Dotenv);
        assert_eq!(Format::from_path(Path::new(".env")), Format::Binary);
        assert_eq!(Format::from_path(Path::new("k.pem")), Format::Binary);
    }
}
