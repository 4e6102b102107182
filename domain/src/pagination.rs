//! Page requests and pages, with the bounds the API document sets.

use crate::ValidationErrors;

/// A validated `page` / `per_page` pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u64,
    per_page: u64,
}

impl PageRequest {
    pub const DEFAULT_PER_PAGE: u64 = 20;
    pub const MAX_PER_PAGE: u64 = 100;

    /// `per_page` 1–100 (default 20), `page` ≥ 1 (default 1). Both fields are checked before failing.
    pub fn parse(page: Option<i64>, per_page: Option<i64>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let page = page.unwrap_or(1);
        if page < 1 {
            errors.add("page", "The page field must be at least 1.");
        }
        let per_page = per_page.unwrap_or(Self::DEFAULT_PER_PAGE as i64);
        if !(1..=Self::MAX_PER_PAGE as i64).contains(&per_page) {
            errors.add(
                "per_page",
                format!(
                    "The per page field must be between 1 and {}.",
                    Self::MAX_PER_PAGE
                ),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            page: page as u64,
            per_page: per_page as u64,
        })
    }

    pub fn page(self) -> u64 {
        self.page
    }

    pub fn per_page(self) -> u64 {
        self.per_page
    }

    /// Rows to skip. Saturates, so an absurd page number reads as "past the end", not a panic.
    pub fn offset(self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: Self::DEFAULT_PER_PAGE,
        }
    }
}

/// One page of a longer list, and what is needed to describe the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub request: PageRequest,
    pub total: u64,
}

impl<T> Page<T> {
    /// Laravel's `last_page`: at least 1, even when there is nothing.
    pub fn last_page(&self) -> u64 {
        self.total.div_ceil(self.request.per_page).max(1)
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            request: self.request,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_page_one_of_twenty() {
        let request = PageRequest::parse(None, None).unwrap();
        assert_eq!((request.page(), request.per_page()), (1, 20));
    }

    #[test]
    fn per_page_must_be_between_one_and_one_hundred() {
        assert!(PageRequest::parse(None, Some(0)).is_err());
        assert!(PageRequest::parse(None, Some(101)).is_err());
        assert!(PageRequest::parse(None, Some(1)).is_ok());
        assert!(PageRequest::parse(None, Some(100)).is_ok());
    }

    #[test]
    fn page_must_be_at_least_one() {
        let errors = PageRequest::parse(Some(0), Some(500)).unwrap_err();
        assert!(errors.fields().contains_key("page"));
        assert!(errors.fields().contains_key("per_page"));
    }

    #[test]
    fn offset_skips_earlier_pages() {
        assert_eq!(PageRequest::parse(Some(3), Some(20)).unwrap().offset(), 40);
        assert_eq!(
            PageRequest::parse(Some(i64::MAX), Some(100))
                .unwrap()
                .offset(),
            u64::MAX
        );
    }

    #[test]
    fn last_page_rounds_up_and_is_never_zero() {
        let page = |total| Page::<()> {
            items: vec![],
            request: PageRequest::parse(None, Some(20)).unwrap(),
            total,
        };
        assert_eq!(page(0).last_page(), 1);
        assert_eq!(page(20).last_page(), 1);
        assert_eq!(page(45).last_page(), 3);
    }
}
