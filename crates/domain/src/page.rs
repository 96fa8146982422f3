//! Keyset pagination shared by every list port.

use uuid::Uuid;

/// The largest page a caller may ask for; larger requests are clamped.
pub const MAX_PAGE_SIZE: u32 = 200;
/// The page size when the caller does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// Which page to read: at most `limit` items strictly after the item `after`.
///
/// Lists are ordered by id; ids are UUIDv7, so that is creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    limit: u32,
    after: Option<Uuid>,
}

impl PageRequest {
    /// A page request with `limit` clamped to `1..=MAX_PAGE_SIZE`.
    #[must_use]
    pub fn new(limit: Option<u32>, after: Option<Uuid>) -> Self {
        let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
        Self { limit, after }
    }

    /// The first page with the default size.
    #[must_use]
    pub fn first() -> Self {
        Self::new(None, None)
    }

    /// How many items the page holds at most.
    #[must_use]
    pub const fn limit(&self) -> u32 {
        self.limit
    }

    /// The id after which the page starts, if not the first.
    #[must_use]
    pub const fn after(&self) -> Option<Uuid> {
        self.after
    }
}

/// One page of a list and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items, in list order.
    pub items: Vec<T>,
    /// The id to pass as `after` for the next page; `None` on the last page.
    pub next_after: Option<Uuid>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched items: the extra item, if
    /// present, only proves that a next page exists.
    pub fn from_overfetch(mut items: Vec<T>, request: PageRequest, id_of: impl Fn(&T) -> Uuid) -> Self {
        let limit = request.limit() as usize;
        let next_after = if items.len() > limit {
            items.truncate(limit);
            items.last().map(&id_of)
        } else {
            None
        };
        Self { items, next_after }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_clamped_to_the_documented_range() {
        assert_eq!(PageRequest::new(Some(1_000_000), None).limit(), MAX_PAGE_SIZE);
        assert_eq!(PageRequest::new(Some(0), None).limit(), 1);
        assert_eq!(PageRequest::new(None, None).limit(), DEFAULT_PAGE_SIZE);
    }

    #[test]
    fn overfetched_item_marks_a_next_page() {
        let ids: Vec<Uuid> = (0..3u128).map(Uuid::from_u128).collect();
        let page = Page::from_overfetch(ids.clone(), PageRequest::new(Some(2), None), |id| *id);
        assert_eq!(page.items, ids[..2]);
        assert_eq!(page.next_after, Some(ids[1]));

        let last = Page::from_overfetch(ids[..2].to_vec(), PageRequest::new(Some(2), None), |id| *id);
        assert_eq!(last.next_after, None);
    }
}
