//! Fingerprints of build inputs: what the link stage and incremental rebuilds compare to
//! decide what they may reuse. Stable within a process, fast (xxh3), not for storage.

use std::hash::Hasher;
use xxhash_rust::xxh3::Xxh3;

/// A `std::hash::Hasher` over xxh3, so any `Hash` value can be fingerprinted.
pub(crate) struct Fingerprint(Xxh3);

impl Hasher for Fingerprint {
    fn finish(&self) -> u64 {
        self.0.digest()
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

pub(crate) fn hasher() -> Fingerprint {
    Fingerprint(Xxh3::new())
}
