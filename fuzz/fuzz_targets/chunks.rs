//! Shared by the fuzz targets: an input is 4 bytes of chunking seed, then the payload, which
//! is cut into pieces of 1 to 64 bytes chosen by a xorshift generator from the seed.

/// The seed and the payload of a fuzz input, or `None` if it is shorter than the seed.
pub fn split_input(data: &[u8]) -> Option<(u32, &[u8])> {
    let seed = u32::from_le_bytes(data.get(..4)?.try_into().ok()?);
    Some((seed | 1, &data[4..]))
}

/// Cut points in `0..=len` from `seed`, each accepted by `ok` (a char boundary, for text).
pub fn cuts(mut seed: u32, len: usize, ok: impl Fn(usize) -> bool) -> Vec<usize> {
    let mut out = vec![0];
    let mut at = 0;
    while at < len {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        at = (at + 1 + (seed % 64) as usize).min(len);
        while !ok(at) {
            at += 1;
        }
        out.push(at);
    }
    out.dedup();
    out
}
