//! Reading a conversation's history: by page (the API document's `page`/`per_page`, newest
//! first) or by cursor (`before`/`after` a message id, with `limit`), and how a page maps onto
//! the conversation's sequence numbers so the storage can seek instead of skipping rows.

use crate::{MessageId, Page, PageRequest, ValidationErrors};

/// Which way a cursor reads from its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Strictly older messages, newest first (scrolling back).
    Before,
    /// Strictly newer messages, oldest first (catching up after a reconnect).
    After,
}

impl Direction {
    /// The query parameter that asks for this direction.
    pub fn field(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::After => "after",
        }
    }
}

/// A cursor read: up to `limit` messages on one side of `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub from: MessageId,
    pub direction: Direction,
    pub limit: u64,
}

impl Cursor {
    pub const DEFAULT_LIMIT: u64 = 20;
    pub const MAX_LIMIT: u64 = 100;

    pub fn after(from: MessageId, limit: u64) -> Self {
        Self {
            from,
            direction: Direction::After,
            limit: limit.clamp(1, Self::MAX_LIMIT),
        }
    }

    /// A cursor read's `limit` as asked: 1 to [`Self::MAX_LIMIT`], [`Self::DEFAULT_LIMIT`] when not
    /// given.
    ///
    /// # Errors
    /// The message for the `limit` field.
    pub fn parse_limit(raw: Option<i64>) -> Result<u64, String> {
        let limit = raw.unwrap_or(Self::DEFAULT_LIMIT as i64);
        u64::try_from(limit)
            .ok()
            .filter(|limit| (1..=Self::MAX_LIMIT).contains(limit))
            .ok_or_else(|| format!("The limit field must be between 1 and {}.", Self::MAX_LIMIT))
    }

    /// The query parameter naming this cursor, for errors about its message.
    pub fn field(self) -> &'static str {
        self.direction.field()
    }
}

/// What a client asked of a conversation's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryRequest {
    Page(PageRequest),
    Cursor(Cursor),
}

/// The raw query parameters, before any rule has looked at them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryParams {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub before: Option<i64>,
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

impl HistoryRequest {
    /// Without `before`/`after` it is the page-based API, unchanged (`limit` alone is refused:
    /// it would silently do nothing). With one of them it is a cursor read; both together, or
    /// either with `page`/`per_page`, is refused, naming every field at fault.
    pub fn parse(params: HistoryParams) -> Result<Self, ValidationErrors> {
        let cursor = match (params.before, params.after) {
            (None, None) => {
                if params.limit.is_some() {
                    return Err(ValidationErrors::single(
                        "limit",
                        "The limit field is only used with before or after.",
                    ));
                }
                return PageRequest::parse(params.page, params.per_page).map(Self::Page);
            }
            (Some(id), None) => (id, Direction::Before),
            (None, Some(id)) => (id, Direction::After),
            (Some(_), Some(_)) => {
                let mut errors = ValidationErrors::new();
                errors.add(
                    "before",
                    "The before field cannot be used together with after.",
                );
                errors.add(
                    "after",
                    "The after field cannot be used together with before.",
                );
                return Err(errors);
            }
        };
        let mut errors = ValidationErrors::new();
        let field = cursor.1.field();
        for (given, name) in [(params.page, "page"), (params.per_page, "per_page")] {
            if given.is_some() {
                errors.add(
                    name,
                    format!("The {name} field cannot be used together with {field}."),
                );
            }
        }
        if cursor.0 < 1 {
            errors.add(field, format!("The {field} field must be a message id."));
        }
        let limit = errors.check("limit", Cursor::parse_limit(params.limit));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self::Cursor(Cursor {
            from: MessageId(cursor.0),
            direction: cursor.1,
            limit: limit.expect("checked above"),
        }))
    }
}

/// Part of a history read by cursor: the messages, in the cursor's order, and whether more lie
/// beyond the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice<T> {
    pub items: Vec<T>,
    pub limit: u64,
    pub has_more: bool,
}

impl<T> Slice<T> {
    /// From up to `limit + 1` rows read in the cursor's order: the extra row only says there is more.
    pub fn from_probe(mut rows: Vec<T>, limit: u64) -> Self {
        let has_more = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Self {
            items: rows,
            limit,
            has_more,
        }
    }
}

/// What a history read returns: a page or a slice, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum History<T> {
    Page(Page<T>),
    Slice(Slice<T>),
}

impl PageRequest {
    /// The sequence numbers page N covers in a conversation whose newest message is `last_seq`,
    /// as a half-open range `(low, high]`, newest first: page 1 ends at the newest message. Empty
    /// (`low == high`) past the oldest. Sequence numbers have no gaps, so this is exact.
    pub fn seq_range(self, last_seq: u64) -> (u64, u64) {
        let high = last_seq.saturating_sub(self.offset());
        (high.saturating_sub(self.per_page()), high)
    }
}

/// How a thread is read: up to `limit` replies on one side of a reply, or the newest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadRead {
    pub from: Option<(MessageId, Direction)>,
    pub limit: u64,
}

impl ThreadRead {
    /// From a request's `before`, `after` and `limit` (1–100, default 20): at most one cursor.
    ///
    /// # Errors
    /// Every field that fails, named.
    pub fn parse(
        before: Option<i64>,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let from = match (before, after) {
            (Some(_), Some(_)) => {
                errors.add(
                    "after",
                    "The after field cannot be used together with before.",
                );
                None
            }
            (Some(id), None) => Some((MessageId(id), Direction::Before)),
            (None, Some(id)) => Some((MessageId(id), Direction::After)),
            (None, None) => None,
        };
        let limit = errors.check("limit", Cursor::parse_limit(limit));
        match limit {
            Some(limit) if errors.is_empty() => Ok(Self { from, limit }),
            _ => Err(errors),
        }
    }
}

/// A thread as read: its root and one slice of its replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPage {
    pub root: crate::MessageView,
    pub replies: Slice<crate::MessageView>,
}

/// A thread someone follows, as their thread list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedThread {
    /// The root, with its summary.
    pub root: crate::MessageView,
    /// Replies by others after the follower's read position in it.
    pub unread_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(params: HistoryParams) -> Result<HistoryRequest, Vec<String>> {
        HistoryRequest::parse(params).map_err(|e| e.fields().keys().cloned().collect())
    }

    #[test]
    fn no_cursor_is_the_page_api() {
        assert_eq!(
            parse(HistoryParams {
                page: Some(2),
                per_page: Some(10),
                ..Default::default()
            }),
            Ok(HistoryRequest::Page(
                PageRequest::parse(Some(2), Some(10)).unwrap()
            ))
        );
        assert_eq!(
            parse(HistoryParams {
                limit: Some(5),
                ..Default::default()
            }),
            Err(vec!["limit".to_owned()])
        );
    }

    #[test]
    fn before_and_after_read_either_way_with_a_default_limit() {
        let before = parse(HistoryParams {
            before: Some(7),
            ..Default::default()
        });
        assert_eq!(
            before,
            Ok(HistoryRequest::Cursor(Cursor {
                from: MessageId(7),
                direction: Direction::Before,
                limit: 20
            }))
        );
        let after = parse(HistoryParams {
            after: Some(7),
            limit: Some(100),
            ..Default::default()
        });
        assert_eq!(
            after,
            Ok(HistoryRequest::Cursor(Cursor {
                from: MessageId(7),
                direction: Direction::After,
                limit: 100
            }))
        );
    }

    #[test]
    fn cursors_do_not_mix_with_each_other_or_with_pages() {
        let both = parse(HistoryParams {
            before: Some(1),
            after: Some(2),
            ..Default::default()
        });
        assert_eq!(both, Err(vec!["after".to_owned(), "before".to_owned()]));
        let with_page = parse(HistoryParams {
            after: Some(2),
            page: Some(1),
            per_page: Some(5),
            ..Default::default()
        });
        assert_eq!(
            with_page,
            Err(vec!["page".to_owned(), "per_page".to_owned()])
        );
    }

    #[test]
    fn limit_is_one_to_one_hundred_and_ids_are_positive() {
        for bad in [0, 101, -1] {
            assert_eq!(
                parse(HistoryParams {
                    before: Some(3),
                    limit: Some(bad),
                    ..Default::default()
                }),
                Err(vec!["limit".to_owned()])
            );
        }
        assert_eq!(
            parse(HistoryParams {
                after: Some(0),
                ..Default::default()
            }),
            Err(vec!["after".to_owned()])
        );
    }

    #[test]
    fn a_probe_one_row_longer_than_the_limit_means_more() {
        let slice = Slice::from_probe(vec![1, 2, 3], 2);
        assert_eq!((slice.items, slice.has_more), (vec![1, 2], true));
        let slice = Slice::from_probe(vec![1, 2], 2);
        assert_eq!((slice.items, slice.has_more), (vec![1, 2], false));
    }

    #[test]
    fn pages_map_to_sequence_ranges_newest_first() {
        let page = |n, size| PageRequest::parse(Some(n), Some(size)).unwrap();
        assert_eq!(page(1, 50).seq_range(1_000), (950, 1_000));
        assert_eq!(page(20, 50).seq_range(1_000), (0, 50));
        // The last, partial page, and past the end.
        assert_eq!(page(3, 20).seq_range(45), (0, 5));
        assert_eq!(page(4, 20).seq_range(45), (0, 0));
        assert_eq!(page(1, 20).seq_range(0), (0, 0));
        assert_eq!(
            PageRequest::parse(Some(i64::MAX), Some(100))
                .unwrap()
                .seq_range(u64::MAX),
            (0, 0)
        );
    }

    #[test]
    fn a_thread_is_read_from_one_cursor_at_most() {
        let read = ThreadRead::parse(Some(9), None, Some(5)).unwrap();
        assert_eq!(
            (read.from, read.limit),
            (Some((MessageId(9), Direction::Before)), 5)
        );
        assert_eq!(ThreadRead::parse(None, None, None).unwrap().limit, 20);
        let both = ThreadRead::parse(Some(1), Some(2), Some(0)).unwrap_err();
        assert!(both.fields().contains_key("after") && both.fields().contains_key("limit"));
    }
}
