//! Small encodings shared by the browser index and the freshness check: base-64
//! varints (JSON-safe, a few lines to decode in JavaScript) and a stable hash.

/// URL-safe base 64: no character needs escaping in JSON, a URL or a file name.
pub(super) const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends `n` as a varint: each character carries 5 bits, lowest first, and a
/// value of 32 or more means another character follows. 0..31 take one character.
pub(super) fn push_varint(out: &mut String, mut n: u64) {
    loop {
        let low = (n & 31) as usize;
        n >>= 5;
        if n == 0 {
            out.push(ALPHABET[low] as char);
            return;
        }
        out.push(ALPHABET[low | 32] as char);
    }
}

/// Reads the varints of `s` back (the client and the round-trip test have their own).
#[cfg(test)]
pub(super) fn decode_varints(s: &str) -> Option<Vec<u64>> {
    let mut out = Vec::new();
    let mut n = 0u64;
    let mut shift = 0u32;
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u64;
        n |= (v & 31) << shift;
        if v & 32 != 0 {
            shift += 5;
            if shift > 60 {
                return None;
            }
        } else {
            out.push(n);
            n = 0;
            shift = 0;
        }
    }
    (shift == 0).then_some(out)
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms (std's hasher is
/// not promised to be), which file names and the freshness stamp need.
#[derive(Debug, Clone)]
pub(super) struct StableHasher(u64);

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl StableHasher {
    pub(super) fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    /// Writes a length first, so ("ab","c") and ("a","bc") hash differently.
    pub(super) fn write_field(&mut self, bytes: &[u8]) {
        self.write(&(bytes.len() as u64).to_le_bytes());
        self.write(bytes);
    }

    pub(super) fn finish(&self) -> u64 {
        self.0
    }

    pub(super) fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

impl std::hash::Hasher for StableHasher {
    fn write(&mut self, bytes: &[u8]) {
        StableHasher::write(self, bytes);
    }
    fn finish(&self) -> u64 {
        StableHasher::finish(self)
    }
}

/// FNV for hash maps keyed by short terms: several times faster than SipHash on
/// 5-byte keys, and the keys are our own text, not an attacker's.
pub(super) type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<StableHasher>>;

/// A short content hash for file names.
pub(super) fn short_hash(bytes: &[u8]) -> String {
    let mut h = StableHasher::default();
    h.write(bytes);
    format!("{:08x}", (h.finish() >> 32) ^ (h.finish() & 0xffff_ffff))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        let values = [0u64, 1, 31, 32, 33, 1023, 1024, 65_535, 1 << 40];
        let mut s = String::new();
        for &v in &values {
            push_varint(&mut s, v);
        }
        assert_eq!(decode_varints(&s).unwrap(), values);
        let mut one = String::new();
        push_varint(&mut one, 31);
        assert_eq!(one.len(), 1);
        push_varint(&mut one, 32);
        assert_eq!(one.len(), 3);
    }

    #[test]
    fn truncated_varints_are_rejected() {
        assert_eq!(decode_varints("g"), None); // 'g' = 32: continuation with nothing after
        assert_eq!(decode_varints("*"), None);
    }

    #[test]
    fn hash_is_stable() {
        let mut h = StableHasher::default();
        h.write(b"pmsite");
        // Fixed value: file names and freshness stamps must not change between builds.
        assert_eq!(h.hex(), "f51bc8cc94c1f0d5");
    }
}
