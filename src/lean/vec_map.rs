//! A map kept as a vector sorted by key: the few rooms of a chat, the symbols of a ticker.
//!
//! The demos hold a handful of keys (at most the market's 200 symbols), where a binary
//! search over one vector is as quick as a tree or a hash table, and each key/value type
//! costs far less code in the wasm than a `BTreeMap` or a `HashMap` of it does.

use std::borrow::Borrow;

/// A map from `K` to `V`, iterated in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn find<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value of `key`, if any.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value of `key` to change, if any.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).is_ok()
    }

    /// Sets the value of `key`, returning the one it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`, inserting `V::default()` first if it has none.
    pub fn get_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, V::default()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Takes `key` out, returning its value.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// Every key and value, in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// How many keys have a value.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Empties the map.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

impl<K: Ord, V, Q: Ord + ?Sized> std::ops::Index<&Q> for VecMap<K, V>
where
    K: Borrow<Q>,
{
    type Output = V;

    /// The value of `key`.
    ///
    /// # Panics
    /// If `key` has none (as `BTreeMap` does).
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry for this key in the VecMap")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Every operation agrees with `BTreeMap` on a scripted mix of keys.
    #[test]
    fn behaves_like_a_btree_map() {
        let mut ours = VecMap::new();
        let mut tree = BTreeMap::new();
        let keys = ["m", "c", "x", "a", "c", "z", "m", "b", "a", "q"];
        for (n, key) in keys.iter().enumerate() {
            let key = (*key).to_owned();
            match n % 4 {
                0 | 1 => assert_eq!(ours.insert(key.clone(), n), tree.insert(key, n)),
                2 => {
                    *ours.get_or_default(key.clone()) += 10;
                    *tree.entry(key).or_default() += 10;
                }
                _ => assert_eq!(ours.remove(key.as_str()), tree.remove(key.as_str())),
            }
            let a: Vec<_> = ours.iter().collect();
            let b: Vec<_> = tree.iter().collect();
            assert_eq!(a, b, "after step {n}");
            assert_eq!(ours.len(), tree.len());
        }
        for key in ["a", "b", "c", "m", "nope", "q", "x", "z"] {
            assert_eq!(ours.get(key), tree.get(key), "{key}");
            assert_eq!(ours.contains_key(key), tree.contains_key(key), "{key}");
        }
        if let Some(v) = ours.get_mut("z") {
            *v = 99;
        }
        assert_eq!(ours["z"], 99);
        ours.clear();
        assert!(ours.is_empty());
        assert_eq!(ours.get("z"), None);
    }
}
