//! Full-text search: the query language people type, the filters beside it,
//! and what a hit shows.
//!
//! The query is parsed here, once, into plain terms made only of letters and
//! digits; each index adapter translates those terms into its own syntax, so
//! nothing a user types ever reaches an index's parser unescaped.

use chrono::{DateTime, Utc};

use crate::error::DomainError;
use crate::ids::{DocumentId, FolderId, UserId};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 256;
/// Most terms in one query.
pub const MAX_QUERY_TERMS: usize = 16;
/// Largest page of results.
pub const MAX_SEARCH_PAGE: u32 = 100;
/// Deepest a caller may page into results.
pub const MAX_SEARCH_OFFSET: u32 = 10_000;

/// What a term asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// One word (stemmed by the index, as the text was).
    Word(String),
    /// Words next to each other in this order.
    Phrase(Vec<String>),
    /// Any word starting with this.
    Prefix(String),
}

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// What it matches.
    pub matches: Match,
    /// Whether hits must *not* match it (`-word`).
    pub excluded: bool,
}

/// A parsed query: every included term must match, no excluded term may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<Term>,
}

/// Splits text into the words an index sees: runs of letters and digits.
fn words(raw: &str) -> Vec<String> {
    raw.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

impl SearchQuery {
    /// Parses `words`, `"phrases"`, `-exclusions` and `prefix*`. Punctuation
    /// inside a word splits it into a phrase (`e-mail` is `"e mail"`).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `q` when the query is empty, too long, has
    /// too many terms, or only excludes.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(DomainError::invalid("q", format!("must be at most {MAX_QUERY_CHARS} characters")));
        }
        let mut terms = Vec::new();
        let mut rest = raw.trim_start();
        while !rest.is_empty() {
            let excluded = rest.starts_with('-');
            if excluded {
                rest = &rest[1..];
            }
            let (token, quoted, after) = if let Some(inner) = rest.strip_prefix('"') {
                // An unclosed quote runs to the end of the query.
                let end = inner.find('"').unwrap_or(inner.len());
                (&inner[..end], true, inner.get(end + 1..).unwrap_or(""))
            } else {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                (&rest[..end], false, &rest[end..])
            };
            rest = after.trim_start();
            let prefix = !quoted && token.ends_with('*');
            let parts = words(token);
            let matches = match parts.len() {
                0 => continue,
                1 if prefix => Match::Prefix(parts.into_iter().next().unwrap_or_default()),
                1 => Match::Word(parts.into_iter().next().unwrap_or_default()),
                _ => Match::Phrase(parts),
            };
            terms.push(Term { matches, excluded });
        }
        if terms.is_empty() {
            return Err(DomainError::invalid("q", "must contain a word"));
        }
        if terms.len() > MAX_QUERY_TERMS {
            return Err(DomainError::invalid("q", format!("at most {MAX_QUERY_TERMS} terms")));
        }
        if terms.iter().all(|t| t.excluded) {
            return Err(DomainError::invalid("q", "must contain a word that is not excluded"));
        }
        Ok(Self { terms })
    }

    /// The terms, in the order typed.
    #[must_use]
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The terms hits must match.
    pub fn included(&self) -> impl Iterator<Item = &Match> {
        self.terms.iter().filter(|t| !t.excluded).map(|t| &t.matches)
    }

    /// The terms hits must not match.
    pub fn excluded(&self) -> impl Iterator<Item = &Match> {
        self.terms.iter().filter(|t| t.excluded).map(|t| &t.matches)
    }
}

/// Narrows a search beside its words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilters {
    /// Only documents in this folder or below it.
    pub folder: Option<FolderId>,
    /// Only documents carrying this tag (ignoring case).
    pub tag: Option<String>,
    /// Only this media type, or a whole family with `image/*`.
    pub content_type: Option<String>,
    /// Only documents this person created.
    pub author: Option<UserId>,
    /// Only documents changed at or after this.
    pub updated_from: Option<DateTime<Utc>>,
    /// Only documents changed before this.
    pub updated_to: Option<DateTime<Utc>>,
}

impl SearchFilters {
    /// Checks the filters' values.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming the filter.
    pub fn validate(&self) -> Result<(), DomainError> {
        if let Some(tag) = &self.tag
            && (tag.trim().is_empty() || tag.chars().count() > 50)
        {
            return Err(DomainError::invalid("tag", "must be 1 to 50 characters"));
        }
        if let Some(ct) = &self.content_type {
            let (family, sub) = ct.split_once('/').unwrap_or(("", ""));
            let token = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if !(token(family) && (sub == "*" || token(sub))) || ct.len() > 100 {
                return Err(DomainError::invalid("type", "must be a media type such as application/pdf or image/*"));
            }
        }
        if let (Some(from), Some(to)) = (self.updated_from, self.updated_to)
            && from >= to
        {
            return Err(DomainError::invalid("updated_to", "must be later than updated_from"));
        }
        Ok(())
    }

    /// The media-type family when the filter is `family/*`.
    #[must_use]
    pub fn content_type_family(&self) -> Option<&str> {
        self.content_type.as_deref().and_then(|ct| ct.strip_suffix("/*"))
    }
}

/// A piece of a snippet, highlighted where it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetPart {
    /// The text.
    pub text: String,
    /// Whether it matched the query.
    pub highlight: bool,
}

/// Splits text in which the index marked matches between `start` and `stop`
/// characters into parts.
#[must_use]
pub fn snippet_parts(marked: &str, start: char, stop: char) -> Vec<SnippetPart> {
    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut highlight = false;
    let mut current = String::new();
    let mut flush = |text: &mut String, highlight: bool| {
        if !text.is_empty() {
            parts.push(SnippetPart { text: std::mem::take(text), highlight });
        }
    };
    for c in marked.chars() {
        if c == start || c == stop {
            flush(&mut current, highlight);
            highlight = c == start;
        } else {
            current.push(c);
        }
    }
    flush(&mut current, highlight);
    parts
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The document.
    pub document_id: DocumentId,
    /// Its folder.
    pub folder_id: FolderId,
    /// Its name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// How well it matched (higher is better; comparable within one result list).
    pub score: f64,
    /// Where it matched, from its text.
    pub snippet: Vec<SnippetPart>,
}

/// Which results to read: `limit` after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchPage {
    /// How many to skip.
    pub offset: u32,
    /// How many to return.
    pub limit: u32,
}

impl SearchPage {
    /// A page with `limit` clamped to `1..=MAX_SEARCH_PAGE` (20 when unsaid).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `cursor` beyond [`MAX_SEARCH_OFFSET`].
    pub fn new(offset: u32, limit: Option<u32>) -> Result<Self, DomainError> {
        if offset > MAX_SEARCH_OFFSET {
            return Err(DomainError::invalid("cursor", "pages past the first 10 000 results are not served"));
        }
        Ok(Self { offset, limit: limit.unwrap_or(20).clamp(1, MAX_SEARCH_PAGE) })
    }
}

/// A page of results and the offset of the next, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// The hits, best first.
    pub hits: Vec<SearchHit>,
    /// The offset of the next page.
    pub next_offset: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &str) -> Term {
        Term { matches: Match::Word(w.into()), excluded: false }
    }

    #[test]
    fn parses_words_phrases_exclusions_and_prefixes() {
        let q = SearchQuery::parse(r#"Budget "quarterly report" -draft plan* -"old copy""#).expect("parses");
        assert_eq!(
            q.terms(),
            &[
                word("budget"),
                Term { matches: Match::Phrase(vec!["quarterly".into(), "report".into()]), excluded: false },
                Term { matches: Match::Word("draft".into()), excluded: true },
                Term { matches: Match::Prefix("plan".into()), excluded: false },
                Term { matches: Match::Phrase(vec!["old".into(), "copy".into()]), excluded: true },
            ]
        );
    }

    #[test]
    fn punctuation_never_reaches_an_index() {
        let q = SearchQuery::parse(r#"e-mail foo") OR 1=1 -- x:* "a""#).expect("parses");
        for term in q.terms() {
            let words: Vec<&String> = match &term.matches {
                Match::Word(w) | Match::Prefix(w) => vec![w],
                Match::Phrase(ws) => ws.iter().collect(),
            };
            assert!(words.iter().all(|w| w.chars().all(char::is_alphanumeric)), "{term:?}");
        }
        assert_eq!(q.terms()[0].matches, Match::Phrase(vec!["e".into(), "mail".into()]));
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end() {
        let q = SearchQuery::parse(r#"alpha "beta gamma"#).expect("parses");
        assert_eq!(q.terms()[1].matches, Match::Phrase(vec!["beta".into(), "gamma".into()]));
    }

    #[test]
    fn rejects_empty_exclusive_and_oversized_queries() {
        for bad in ["", "   ", "-- ** \"\"", "-alone", "-a -b"] {
            assert!(SearchQuery::parse(bad).is_err(), "{bad:?}");
        }
        assert!(SearchQuery::parse(&"a ".repeat(17)).is_err());
        assert!(SearchQuery::parse(&"a".repeat(257)).is_err());
        assert!(SearchQuery::parse(&"a ".repeat(16)).is_ok());
    }

    #[test]
    fn filters_are_checked() {
        let ok = SearchFilters { content_type: Some("image/*".into()), ..SearchFilters::default() };
        assert!(ok.validate().is_ok());
        assert_eq!(ok.content_type_family(), Some("image"));
        for bad in ["image", "*/*", "text/html; charset=x", "a/b'c"] {
            let f = SearchFilters { content_type: Some(bad.into()), ..SearchFilters::default() };
            assert!(f.validate().is_err(), "{bad}");
        }
        let now = Utc::now();
        let backwards = SearchFilters { updated_from: Some(now), updated_to: Some(now), ..SearchFilters::default() };
        assert!(backwards.validate().is_err());
    }

    #[test]
    fn snippets_split_at_the_markers() {
        let parts = snippet_parts("a \u{2}quick\u{3} fox \u{2}jumps\u{3}", '\u{2}', '\u{3}');
        let shown: Vec<(&str, bool)> = parts.iter().map(|p| (p.text.as_str(), p.highlight)).collect();
        assert_eq!(shown, [("a ", false), ("quick", true), (" fox ", false), ("jumps", true)]);
    }

    #[test]
    fn pages_are_clamped_and_bounded() {
        assert_eq!(SearchPage::new(0, None).expect("page").limit, 20);
        assert_eq!(SearchPage::new(0, Some(1000)).expect("page").limit, MAX_SEARCH_PAGE);
        assert!(SearchPage::new(MAX_SEARCH_OFFSET + 1, None).is_err());
    }
}
