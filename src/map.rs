//! [`SortedMap`]: a map kept as a `Vec` sorted by key.
//!
//! The widget's maps are small (a few `data-` attributes, an answer's citations), and each
//! `BTreeMap<K, V>` type brings its own node, search, insert, remove and clone code into the
//! wasm; a sorted `Vec` needs little more than a binary search.

use std::borrow::Borrow;

/// `data-` attributes: names without the prefix, mapped to their values. Here, beside the map,
/// so that both the configuration and the texts (`data-text-*` overrides) read them without
/// depending on each other.
pub type Attrs = SortedMap<String, String>;

/// A map kept as a `Vec` of pairs sorted by key, each key once. Iterates in key order, like
/// `BTreeMap`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value for `key`, if any.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    /// Sets the value for `key`, replacing any earlier one.
    pub fn insert(&mut self, key: K, value: V) {
        match self.find(&key) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    /// Removes `key` and its value, if present.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
    {
        if let Ok(i) = self.find(key) {
            self.0.remove(i);
        }
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    /// Later pairs replace earlier ones with the same key.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut map = SortedMap::new();
        for (k, v) in pairs {
            map.insert(k, v);
        }
        map
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for SortedMap<K, V> {
    fn from(pairs: [(K, V); N]) -> Self {
        pairs.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_keys_sorted_and_unique() {
        let mut m: SortedMap<u32, &str> = [(12, "b"), (1, "a"), (5, "x")].into();
        m.insert(5, "c");
        assert_eq!(m.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [1, 5, 12]);
        assert_eq!(m.values().copied().collect::<Vec<_>>(), ["a", "c", "b"]);
        assert_eq!(m.get(&5), Some(&"c"));
        assert_eq!(m.get(&7), None);
        m.remove(&1);
        m.remove(&2);
        assert_eq!(m.get(&1), None);
        assert!(!m.is_empty());
        assert!(SortedMap::<u32, u32>::new().is_empty());
    }

    #[test]
    fn string_keys_are_looked_up_by_str() {
        let m: SortedMap<String, String> = [("b".into(), "2".into()), ("a".into(), "1".into())]
            .into_iter()
            .collect();
        assert_eq!(m.get("a").map(String::as_str), Some("1"));
        assert_eq!(m.get("c"), None);
    }
}
