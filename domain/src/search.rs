//! Message search: what a query is, so both databases' full-text engines are asked the same thing.
//!
//! A query is 1–200 characters; what it searches for is its words — runs of letters and digits,
//! lowercased — and a message matches when it contains every one of them as a whole word (SQLite
//! FTS5's `unicode61` and PostgreSQL's `simple` configuration split text the same way). A query
//! without a word matches nothing. Deleted messages never match: their body is empty.

use crate::{ConversationId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    words: Vec<String>,
}

impl SearchQuery {
    pub const MAX_CHARS: usize = 200;
    /// More words than this add nothing a person means and only cost the engine.
    pub const MAX_WORDS: usize = 16;

    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.trim().is_empty() {
            return Err("The q field is required.".into());
        }
        crate::text::ensure_no_nul("q", raw)?;
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "The q field must not be greater than {} characters.",
                Self::MAX_CHARS
            ));
        }
        let mut words: Vec<String> = Vec::new();
        for word in raw.split(|c: char| !c.is_alphanumeric()) {
            let word = word.to_lowercase();
            if !word.is_empty() && !words.contains(&word) && words.len() < Self::MAX_WORDS {
                words.push(word);
            }
        }
        Ok(Self { words })
    }

    /// The distinct words, lowercased, in the order typed; empty when nothing can match.
    pub fn words(&self) -> &[String] {
        &self.words
    }
}

/// Where to search: one conversation, or every conversation the user is in now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchScope {
    Conversation(ConversationId),
    MemberOf(UserId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_the_letter_and_digit_runs_lowercased_once_each() {
        let query = SearchQuery::parse("Hello, WORLD! hello café-2026 x_y").unwrap();
        assert_eq!(query.words(), ["hello", "world", "café", "2026", "x", "y"]);
    }

    #[test]
    fn a_query_is_required_and_at_most_200_characters() {
        assert!(SearchQuery::parse("").is_err());
        assert!(SearchQuery::parse("   ").is_err());
        assert!(SearchQuery::parse(&"é".repeat(200)).is_ok());
        assert!(SearchQuery::parse(&"é".repeat(201)).is_err());
        assert!(SearchQuery::parse("a\0").is_err());
    }

    #[test]
    fn punctuation_only_matches_nothing_and_words_are_capped() {
        assert!(SearchQuery::parse("?!…").unwrap().words().is_empty());
        let many: Vec<String> = (0..30).map(|i| format!("w{i}")).collect();
        let query = SearchQuery::parse(&many.join(" ")).unwrap();
        assert_eq!(query.words().len(), SearchQuery::MAX_WORDS);
    }
}
