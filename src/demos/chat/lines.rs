//! An append-only list that is cheap to clone at any length, for reducer state that holds
//! 100,000 chat lines: full chunks are shared (`Rc`), only the tail is copied on write.

use std::rc::Rc;

/// Lines per frozen chunk.
const CHUNK: usize = 256;

/// Append-only, clone in O(len / 256 + 256).
#[derive(Debug)]
pub struct Lines<T> {
    chunks: Vec<Rc<[T]>>,
    tail: Rc<Vec<T>>,
}

impl<T> Default for Lines<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            tail: Rc::new(Vec::new()),
        }
    }
}

impl<T> Clone for Lines<T> {
    fn clone(&self) -> Self {
        Self {
            chunks: self.chunks.clone(),
            tail: Rc::clone(&self.tail),
        }
    }
}

/// Identity, not contents: two lists are equal when one is an unchanged clone of the other
/// (same length, same shared tail). O(1), which is what props comparison needs; lists are
/// append-only, so a change always shows in the length or the tail.
impl<T> PartialEq for Lines<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && Rc::ptr_eq(&self.tail, &other.tail)
    }
}

impl<T: Clone> Lines<T> {
    /// Appends one item.
    pub fn push(&mut self, item: T) {
        Rc::make_mut(&mut self.tail).push(item);
        if self.tail.len() == CHUNK {
            let full = std::mem::replace(&mut self.tail, Rc::new(Vec::with_capacity(CHUNK)));
            let chunk: Rc<[T]> = match Rc::try_unwrap(full) {
                Ok(items) => items.into(),
                Err(shared) => shared.as_slice().into(),
            };
            self.chunks.push(chunk);
        }
    }
}

impl<T> Lines<T> {
    /// Number of items.
    pub fn len(&self) -> usize {
        self.chunks.len() * CHUNK + self.tail.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The item at `index`.
    pub fn get(&self, index: usize) -> Option<&T> {
        let (chunk, offset) = (index / CHUNK, index % CHUNK);
        match self.chunks.get(chunk) {
            Some(items) => items.get(offset),
            None if chunk == self.chunks.len() => self.tail.get(offset),
            None => None,
        }
    }

    /// The last item.
    pub fn last(&self) -> Option<&T> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// All items in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks
            .iter()
            .flat_map(|chunk| chunk.iter())
            .chain(self.tail.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_across_chunks() {
        let mut lines = Lines::default();
        for i in 0..1000 {
            lines.push(i);
        }
        assert_eq!(lines.len(), 1000);
        assert_eq!(lines.get(0), Some(&0));
        assert_eq!(lines.get(255), Some(&255));
        assert_eq!(lines.get(256), Some(&256));
        assert_eq!(lines.get(999), Some(&999));
        assert_eq!(lines.get(1000), None);
        assert_eq!(lines.last(), Some(&999));
        assert!(lines.iter().copied().eq(0..1000));
    }

    #[test]
    fn clones_share_history_and_diverge_on_write() {
        let mut a = Lines::default();
        for i in 0..300 {
            a.push(i);
        }
        let mut b = a.clone();
        b.push(300);
        a.push(-1);
        assert_eq!(a.len(), 301);
        assert_eq!(b.len(), 301);
        assert_eq!(a.last(), Some(&-1));
        assert_eq!(b.last(), Some(&300));
        assert!(Rc::ptr_eq(&a.chunks[0], &b.chunks[0]));
    }
}
